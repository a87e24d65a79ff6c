/**
 * @module json
 * The one reading helper of the translation modules: bodies arrive as parsed
 * JSON and are read in place (never cloned or schema-parsed: a large body
 * must cost no more than the fields translated).
 */

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

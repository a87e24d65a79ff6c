/**
 * @module upstream_error
 * The one reader of an upstream's error object, for error bodies and stream
 * events alike: `{"error":{"message","type","code"}}` (OpenAI), a bare
 * `{"error":"text"}`, and the Responses API's `{"type":"error","code","message"}`.
 */

/** An error an upstream sent, in an error body or a stream event. */
export interface UpstreamError {
  message?: string;
  type?: string;
  code?: string | null;
}

const decoder = new TextDecoder();

/** The error a parsed upstream JSON value carries, if it is one. */
export function upstreamErrorOf(json: unknown): UpstreamError | undefined {
  if (!isRecord(json)) return undefined;
  const { error } = json;
  if (typeof error === "string" && error !== "") return { message: error };
  const source = isRecord(error) ? error : json.type === "error" ? json : undefined;
  if (!source) return undefined;
  const out: UpstreamError = {};
  if (typeof source.message === "string") out.message = source.message;
  if (typeof source.type === "string" && source !== json) out.type = source.type;
  if (typeof source.code === "string" || source.code === null) out.code = source.code;
  // Some providers send numeric codes (Gemini: 429); keep them as text.
  else if (typeof source.code === "number") out.code = String(source.code);
  return out;
}

/** The error an upstream's error body carries; `undefined` for a body that is not JSON. */
export function upstreamErrorOfBody(body: Uint8Array): UpstreamError | undefined {
  if (body.length === 0) return undefined;
  try {
    return upstreamErrorOf(JSON.parse(decoder.decode(body)));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

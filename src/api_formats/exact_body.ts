/**
 * @module exact_body
 * A client's body for re-serialising, when something in it must change on
 * its way upstream (the model after `model_map`, a prefill). Most requests
 * go up byte for byte and never come here.
 */
import type { Json } from "./translate/json.ts";

const utf8 = new TextDecoder();

/**
 * `body` (parsed from `raw`) as it may be re-serialised. A number that
 * JSON.stringify would not write back as sent (an integer beyond 2^53 such
 * as a 64-bit `seed`, or one too large for a double) makes this re-read the
 * body keeping every number's source text; other bodies, nearly all of
 * them, are used as parsed.
 */
export function exactBody(body: Json, raw: Uint8Array): Json {
  if (!hasLossyNumber(body)) return body;
  return JSON.parse(utf8.decode(raw), keepNumberSource);
}

/**
 * `body` continuing `text`: the conversation with the delivered text as a
 * final assistant message, which the model continues (docs/streaming.md);
 * `body` itself when there is no text to continue.
 */
export function prefilledBody(body: Json, text: string): Json {
  if (text === "") return body;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return { ...body, messages: [...messages, { role: "assistant", content: text }] };
}

function hasLossyNumber(value: unknown): boolean {
  if (typeof value === "number") {
    return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
  }
  if (typeof value !== "object" || value === null) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (hasLossyNumber(v)) return true;
  }
  return false;
}

/** JSON.parse's source-text access (V8): the literal a number was parsed from. */
type ReviverContext = { source?: string };
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function keepNumberSource(_key: string, value: unknown, context?: ReviverContext): unknown {
  return typeof value === "number" && context?.source !== undefined
    ? rawJSON(context.source)
    : value;
}

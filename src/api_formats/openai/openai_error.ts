/**
 * @module openai_error
 * The one reader of an OpenAI-compatible upstream's error object, for error
 * bodies and stream events alike: `{"error":{"message","type","code"}}`
 * (OpenAI), a bare `{"error":"text"}`, and the Responses API's
 * `{"type":"error","code","message"}`. Its vocabulary is the failure
 * classifier's, so other API families' errors are read into it too
 * (anthropic_error.ts).
 */
import type { UpstreamError } from "../../proxy/failure_classifier.ts";
import { isRecord } from "../translate/json.ts";

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
  return upstreamErrorOf(jsonOfBody(body));
}

/** An error body parsed, or undefined when it is empty or not JSON (an HTML page from a proxy). */
export function jsonOfBody(body: Uint8Array): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    return undefined;
  }
}

/**
 * @module upstream_request
 * Builds the request sent to one backend: its URL, its own key (never the
 * client's), the model rewritten by `model_map`, and for chat streams a
 * request for the usage chunk so every stream can be accounted.
 */
import { upstreamModel } from "../engine/model_match.ts";
import type { LiveBackend } from "../engine/registry.ts";
import type { ResumeMode } from "../engine/resume_mode.ts";
import { type KeyScrubber, NO_KEY } from "../key_scrubber.ts";

/** The OpenAI endpoints Sidecar proxies, as path suffixes after `/v1`. */
export type Endpoint = "/chat/completions" | "/completions" | "/embeddings" | "/responses";

/** A client request after parsing: what every attempt is built from. */
export interface ClientCall {
  endpoint: Endpoint;
  body: Record<string, unknown>;
  /** The body bytes as the client sent them, forwarded as-is when nothing changes. */
  raw: Uint8Array<ArrayBuffer>;
  model: string;
  stream: boolean;
  /** The client asked for the usage chunk itself (so it must be forwarded). */
  clientWantsUsage: boolean;
}

/** Builds the upstream `fetch` arguments for `backend`. */
export function buildUpstreamRequest(
  call: ClientCall,
  backend: LiveBackend,
  signal: AbortSignal,
): { url: string; init: RequestInit; upstreamModel: string } {
  const model = upstreamModel(backend.model_map, call.model);
  const askUsage = call.stream && call.endpoint === "/chat/completions" && !call.clientWantsUsage;
  let body: BodyInit = call.raw;
  // Re-serialise only when something changes: most requests go up byte for byte.
  if (model !== call.model || askUsage) {
    const changed: Record<string, unknown> = { ...exactBody(call), model };
    if (askUsage) {
      const opts = typeof changed.stream_options === "object" && changed.stream_options !== null
        ? changed.stream_options
        : {};
      changed.stream_options = { ...opts, include_usage: true };
    }
    body = JSON.stringify(changed);
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: call.stream ? "text/event-stream" : "application/json",
  };
  if (backend.api_key !== "") headers.authorization = `Bearer ${backend.api_key}`;
  return {
    url: backend.base_url + call.endpoint,
    upstreamModel: model,
    init: { method: "POST", headers, body, signal },
  };
}

/**
 * The call that continues a broken chat stream on a backend that resumes
 * in `mode`: the conversation with the delivered text as a final assistant
 * message, which the model continues (docs/streaming.md). vLLM needs
 * `continue_final_message` to continue that message instead of starting a
 * new turn after it.
 */
export function continuationCall(
  call: ClientCall,
  delivered: string,
  mode: Exclude<ResumeMode, "off">,
): ClientCall {
  const body = { ...exactBody(call) };
  const messages = Array.isArray(body.messages) ? body.messages : [];
  body.messages = delivered === ""
    ? messages
    : [...messages, { role: "assistant", content: delivered }];
  if (mode === "continue_final_message" && delivered !== "") {
    body.continue_final_message = true;
    body.add_generation_prompt = false;
  }
  return { ...call, body, raw: utf8Encoder.encode(JSON.stringify(body)) };
}

const utf8Encoder = new TextEncoder();

/**
 * The client's body for re-serialising. A number that JSON.stringify would
 * not write back as sent (an integer beyond 2^53 such as a 64-bit `seed`,
 * or one too large for a double) makes this re-read the body keeping every
 * number's source text; other bodies, nearly all of them, are used as parsed.
 */
function exactBody(call: ClientCall): Record<string, unknown> {
  if (!hasLossyNumber(call.body)) return call.body;
  return JSON.parse(utf8.decode(call.raw), keepNumberSource);
}

const utf8 = new TextDecoder();

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

/**
 * Upstream response headers passed on to the client. An allowlist rather
 * than a hop-by-hop denylist: the provider's account details (organization,
 * the backend key's own rate-limit counters, cookies) are not the client's
 * business, and copying every header cost a fifth of a passthrough's CPU.
 */
const FORWARDED = [
  "content-type",
  "retry-after",
  "retry-after-ms",
  "openai-processing-ms",
  "openai-version",
] as const;

/**
 * The upstream's response headers that may be passed to the client, each
 * bounded, checked and without the backend's key (see {@link KeyScrubber.header}).
 */
export function forwardableHeaders(
  upstream: Headers,
  scrub: KeyScrubber = NO_KEY,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = upstream.get(name);
    if (value === null) continue;
    const clean = scrub.header(value);
    if (clean !== undefined) out[name] = clean;
  }
  // The upstream's own id, kept apart from Sidecar's x-request-id for support tickets.
  const id = upstream.get("x-request-id");
  const clean = id === null ? undefined : scrub.header(id);
  if (clean !== undefined) out["x-upstream-request-id"] = clean;
  return out;
}

/**
 * The forwardable subset of an upstream answer's headers under their own
 * names, scrubbed: for an answer that is kept (or handed back) before its
 * headers are forwarded.
 */
export function scrubbedHeaders(upstream: Headers, scrub: KeyScrubber): Headers {
  const out = new Headers();
  for (const name of [...FORWARDED, "x-request-id"]) {
    const value = upstream.get(name);
    const clean = value === null ? undefined : scrub.header(value);
    if (clean !== undefined) out.set(name, clean);
  }
  return out;
}

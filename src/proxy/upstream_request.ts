/**
 * @module upstream_request
 * A client call as the attempt loop carries it, and the request one attempt
 * sends for it: built by the format of the API the backend speaks
 * (src/api_formats/), which applies the backend's key and `model_map` and
 * translates the body when the client speaks the other family. And the
 * upstream response headers a client may see.
 */
import type { Prefill, UpstreamRequest } from "../api_formats/api_format.ts";
import type { Endpoint } from "../api_formats/endpoint.ts";
import type { Translations } from "../api_formats/translations.ts";
import { formatOf } from "../api_formats/formats.ts";
import type { ApiFamily } from "../engine/api_family.ts";
import type { LiveBackend } from "../engine/registry.ts";
import { type KeyScrubber, NO_KEY } from "../key_scrubber.ts";

/** A client request after parsing: what every attempt is built from. */
export interface ClientCall {
  endpoint: Endpoint;
  /** The API the client speaks (its endpoint's). */
  api: ApiFamily;
  body: Record<string, unknown>;
  /** The body bytes as the client sent them, forwarded as-is when nothing changes. */
  raw: Uint8Array<ArrayBuffer>;
  model: string;
  stream: boolean;
  /** The client asked for the usage chunk itself (so it must be forwarded). */
  clientWantsUsage: boolean;
  /** Headers of the client's API that go on to a backend of the same API. */
  apiHeaders?: Readonly<Record<string, string>>;
  /** Its body for a backend of the other family, translated once. */
  translations: Translations;
}

/**
 * The `fetch` arguments of `call` on `backend`, by the backend's API;
 * continuing a broken stream from `prefill` when given.
 */
export function buildUpstreamRequest(
  call: ClientCall,
  backend: LiveBackend,
  signal: AbortSignal,
  prefill?: Prefill,
): UpstreamRequest {
  return formatOf(backend.api).upstream.request(call, backend, signal, prefill);
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
  // The upstream's own id (OpenAI's x-request-id, Anthropic's request-id),
  // kept apart from Sidecar's x-request-id for support tickets.
  const id = upstream.get("x-request-id") ?? upstream.get("request-id");
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
  for (const name of [...FORWARDED, "x-request-id", "request-id"]) {
    const value = upstream.get(name);
    const clean = value === null ? undefined : scrub.header(value);
    if (clean !== undefined) out.set(name, clean);
  }
  return out;
}

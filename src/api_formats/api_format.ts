/**
 * @module api_format
 * The seam between the request path and the API families it speaks
 * (docs/api_formats.md). One format per family (openai_format.ts,
 * anthropic_format.ts), each with two sides:
 *
 * - the client side, for a client that speaks it: what a request's body
 *   must hold, Sidecar's own errors and in-band stream errors in its shape,
 *   how an event Sidecar writes is framed, how a finished stream ends, and
 *   what of a streamed answer a resume needs to know;
 * - the upstream side, for a backend that speaks it: the request sent (URL,
 *   auth, body, translated when the client speaks the other family), what
 *   its error bodies and stream events mean to the failure classifier, and
 *   the usage it reports.
 *
 * The dispatch, the attempt and the stream relay only ask these; the
 * translation between the two families is module translate/, pure and apart.
 */
import type { ApiFamily } from "../engine/api_family.ts";
import type { LiveBackend } from "../engine/registry.ts";
import type { ResumeMode } from "../engine/resume_mode.ts";
import type { UpstreamError } from "../proxy/failure_classifier.ts";
import type { ClientCall } from "../proxy/upstream_request.ts";
import type { EventReader } from "./chunk_info.ts";
import type { Endpoint } from "./endpoint.ts";
import type { StreamAnswer } from "./stream_answer.ts";
import type { Json } from "./translate/json.ts";
import type { Usage } from "./usage.ts";

/** What routing and admission read of a request body, as a format's `parse` finds it. */
export interface CallFields {
  model: string;
  stream: boolean;
  /** The client asked for a chat stream's usage chunk itself (so it must be forwarded). */
  clientWantsUsage: boolean;
  /** Headers of the client's API that go on to a backend of the same API (`anthropic-version`). */
  apiHeaders?: Readonly<Record<string, string>>;
}

/** How a broken stream ended for its client, when nothing could resume it. */
export type StreamBreak = "upstream_stream_truncated" | "upstream_stream_stalled";

/** A client that speaks this API: how Sidecar reads its requests and answers it. */
export interface ClientSide {
  /**
   * What routing and admission need from a parsed request `body` at
   * `endpoint` (and its `headers`), refusing a body this API would refuse
   * (a BadRequestError naming the field) before any backend is tried.
   */
  parse(endpoint: Endpoint, body: Json, headers: Headers): CallFields;
  /**
   * Sidecar's own error as this API's error answer, with its status and
   * headers; anything else thrown as a bare 500 that hides its detail.
   */
  errorResponse(err: unknown): Response;
  /** The event a broken stream ends with when it cannot be resumed (docs/streaming.md). */
  streamError(code: StreamBreak, message: string): Uint8Array;
  /** One stream event Sidecar writes itself (translated, or rewritten by a resume). */
  encodeEvent(json: Json): Uint8Array;
  /** What a finished stream of `endpoint` ends with after its last event, when its upstream left it out. */
  terminator(endpoint: Endpoint): Uint8Array | undefined;
  /** The answer tracker of `call`'s stream, or undefined when such a stream is never resumed. */
  answer(call: ClientCall): StreamAnswer | undefined;
}

/** Where a continuation of a broken stream starts: the text it continues, and how. */
export interface Prefill {
  /** The delivered text as the continuation's final assistant message (upstream.prefillText()). */
  text: string;
  mode: Exclude<ResumeMode, "off">;
}

/** The `fetch` arguments of one attempt. */
export interface UpstreamRequest {
  url: string;
  init: RequestInit;
  /** The model asked for upstream, after `model_map`. */
  upstreamModel: string;
}

/** A backend that speaks this API: what Sidecar sends it and how it reads the answers. */
export interface UpstreamSide {
  /**
   * The request for `call` on `backend` (its key, its `model_map`; the
   * body translated when the client speaks the other family; continuing
   * `prefill` when given). Throws a TranslationError for a body that cannot
   * be translated.
   */
  request(
    call: ClientCall,
    backend: LiveBackend,
    signal: AbortSignal,
    prefill?: Prefill,
  ): UpstreamRequest;
  /** The error a non-2xx answer (`status`, `body`) carries, in the failure classifier's words. */
  errorOf(status: number, body: Uint8Array): UpstreamError | undefined;
  /** A reader for one stream of this API's events. */
  eventReader(): EventReader;
  /** The usage a whole (non-stream) answer reports. */
  usageOf(json: unknown): Usage | undefined;
  /** Events a finished stream may leave out that its client expects (Anthropic's `message_stop`). */
  readonly closing: Uint8Array | undefined;
  /** The delivered text as this API accepts it at the end of a prefill. */
  prefillText(delivered: string): string;
}

/** One API family, both sides. */
export interface ApiFormat {
  readonly api: ApiFamily;
  readonly client: ClientSide;
  readonly upstream: UpstreamSide;
}

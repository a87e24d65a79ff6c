/**
 * @module failure_classifier
 * Everything the attempt loop knows about what an upstream's answer means
 * lives here: one pure function from what an upstream said (a status with
 * its error body, a stream's error event, a transport failure) to what
 * Sidecar does about it: commit, hand it back, retry, move on, and what it
 * tells the backend's health. The rows are those of docs/failover.md, and
 * its test is that table.
 */
import type { AttemptOutcome } from "../engine/cooldown.ts";

/**
 * An error an upstream sent, in an error body or a stream event, in the
 * classifier's words: OpenAI's `type` and `code`. Each API format reads its
 * upstream's errors into these (src/api_formats/).
 */
export interface UpstreamError {
  message?: string;
  type?: string;
  code?: string | null;
}

/** Why an attempt ended the way it did (recorded per attempt). */
export const ATTEMPT_REASONS = [
  "ok",
  "rate_limited",
  "quota",
  "auth",
  "not_found",
  "context_length",
  "client_error",
  "server_error",
  "connection_error",
  "timeout",
  "first_chunk_timeout",
  "stream_error",
  "empty_stream",
  "stream_cut",
  "stalled",
  "cancelled",
  "resumed",
] as const;
export type AttemptReason = typeof ATTEMPT_REASONS[number];

/** A failure below HTTP, or of a stream's timing. */
export type TransportFailure =
  /** Refused, reset, or closed before the answer's head. */
  | "connection"
  /** No head within `attempt_timeout_ms`. */
  | "headers_timeout"
  /** A stream with no first event within `first_chunk_timeout_ms`. */
  | "first_event_timeout"
  /** A stream that ended before its first event. */
  | "empty_stream"
  /** A stream that ended or reset after its first event without finishing. */
  | "stream_cut"
  /** A stream silent for `stream_idle_timeout_ms` after its first event. */
  | "stall";

/** What an upstream said, as far as the classifier needs to know. */
export type UpstreamAnswer =
  /** A 2xx; for a stream, its first event is not an error. */
  | { kind: "ok" }
  /** A non-2xx answer, with the error its body carries. */
  | { kind: "status"; status: number; error?: UpstreamError; retryAfterMs?: number }
  /** An error event in a stream that answered 2xx, as its first event or later. */
  | { kind: "stream_error"; error: UpstreamError; retryAfterMs?: number }
  | { kind: "transport"; failure: TransportFailure };

/**
 * What Sidecar does next:
 * - `commit`: pass the answer on.
 * - `return`: the request is at fault; the upstream's answer goes back unchanged.
 * - `retry`: transient; the pool's other backends first, then this one again after a backoff.
 * - `next`: the next candidate at once; this backend not again in this request.
 * - `other_model`: only candidates whose upstream model differs (a context overflow).
 */
export type Disposition = "commit" | "return" | "retry" | "next" | "other_model";

/** Which cooldown an outcome may start: the (backend, upstream model) pair, or the backend. */
export type CooldownScope = "pair" | "backend";

/** One attempt's outcome. */
export interface FailureClass {
  reason: AttemptReason;
  disposition: Disposition;
  /** What the answer says about the backend's health, reported through the attempt's lease. */
  health: AttemptOutcome;
  /** The cooldown scope `health` counts against; null when it counts against none. */
  scope: CooldownScope | null;
}

const SUCCESS: AttemptOutcome = { kind: "success" };
const NEUTRAL: AttemptOutcome = { kind: "neutral" };
const FAILURE: AttemptOutcome = { kind: "failure" };
const AUTH: AttemptOutcome = { kind: "auth" };

const OK: FailureClass = { reason: "ok", disposition: "commit", health: SUCCESS, scope: null };

/** The outcome of one upstream answer. Pure: the same answer always means the same. */
export function classify(answer: UpstreamAnswer): FailureClass {
  switch (answer.kind) {
    case "ok":
      return OK;
    case "transport":
      return ofTransport(answer.failure);
    case "stream_error":
      return ofStreamError(answer.error, answer.retryAfterMs);
    case "status":
      return ofStatus(answer.status, answer.error, answer.retryAfterMs);
  }
}

function ofStatus(
  status: number,
  error: UpstreamError | undefined,
  retryAfterMs: number | undefined,
): FailureClass {
  if (status >= 200 && status < 300) return OK;
  if (status === 429) return isQuota(error) ? quota(retryAfterMs) : rateLimited(retryAfterMs);
  // Payment required (Anthropic's billing_error, OpenRouter's credits): the account cannot pay.
  if (status === 402) return quota(retryAfterMs);
  if (status === 401 || status === 403) {
    return { reason: "auth", disposition: "next", health: AUTH, scope: "backend" };
  }
  if (status === 404) {
    return { reason: "not_found", disposition: "next", health: NEUTRAL, scope: null };
  }
  // 408 is the upstream's own timeout; 529 is Anthropic's "overloaded"; any 5xx is the backend's.
  if (status === 408 || status >= 500) {
    return { reason: "server_error", disposition: "retry", health: FAILURE, scope: "backend" };
  }
  if (status === 400 && isContextLength(error)) {
    return {
      reason: "context_length",
      disposition: "other_model",
      health: NEUTRAL,
      scope: null,
    };
  }
  // Any other 4xx (a 3xx too: redirects are not followed) is the request's own fault.
  return { reason: "client_error", disposition: "return", health: NEUTRAL, scope: null };
}

function ofStreamError(error: UpstreamError, retryAfterMs: number | undefined): FailureClass {
  if (isQuota(error)) return quota(retryAfterMs);
  if (isRateLimit(error)) return rateLimited(retryAfterMs);
  // Like a 5xx, before or after the first event: transient.
  return transient("stream_error");
}

function ofTransport(failure: TransportFailure): FailureClass {
  switch (failure) {
    case "connection":
      return transient("connection_error");
    case "empty_stream":
      return transient("empty_stream");
    // A backend that timed out is not waited for again in the same request.
    case "headers_timeout":
      return { reason: "timeout", disposition: "next", health: FAILURE, scope: "backend" };
    case "first_event_timeout":
      return {
        reason: "first_chunk_timeout",
        disposition: "next",
        health: FAILURE,
        scope: "backend",
      };
    // A body cut before it completed is transient, like a reset.
    case "stream_cut":
      return transient("stream_cut");
    // A stall is a timeout after the first event.
    case "stall":
      return { reason: "stalled", disposition: "next", health: FAILURE, scope: "backend" };
  }
}

function transient(reason: AttemptReason): FailureClass {
  return { reason, disposition: "retry", health: FAILURE, scope: "backend" };
}

function rateLimited(retryAfterMs: number | undefined): FailureClass {
  return {
    reason: "rate_limited",
    disposition: "next",
    health: retryAfterMs === undefined
      ? { kind: "rate_limited" }
      : { kind: "rate_limited", retryAfterMs },
    scope: "pair",
  };
}

function quota(retryAfterMs: number | undefined): FailureClass {
  return {
    reason: "quota",
    disposition: "next",
    health: retryAfterMs === undefined ? { kind: "quota" } : { kind: "quota", retryAfterMs },
    scope: "backend",
  };
}

function isQuota(e: UpstreamError | undefined): boolean {
  return e?.type === "insufficient_quota" || e?.code === "insufficient_quota";
}

function isRateLimit(e: UpstreamError): boolean {
  return /rate_limit/.test(`${e.type ?? ""} ${e.code ?? ""}`);
}

function isContextLength(e: UpstreamError | undefined): boolean {
  return e?.code === "context_length_exceeded" ||
    /maximum context length|context_length_exceeded/i.test(e?.message ?? "");
}

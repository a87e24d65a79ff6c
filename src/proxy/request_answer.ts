/**
 * @module request_answer
 * Answers that end a request without a committed upstream stream: each
 * records the request once and carries the `x-sidecar-*` headers. Sidecar's
 * own errors are in the shape of the client's API, and an upstream's error
 * answer of the other API family is translated into it.
 */
import type { AppDeps } from "../app_deps.ts";
import { translateErrorBody } from "../api_formats/answer_translation.ts";
import { formatOf } from "../api_formats/formats.ts";
import { jsonOfBody } from "../api_formats/openai/openai_error.ts";
import type { LiveBackend } from "../engine/registry.ts";
import type { SidecarError } from "../errors.ts";
import type { SavedAnswer } from "./attempt.ts";
import { recordRequest, type RequestEnd, type RequestTrace } from "./request_log.ts";
import { forwardableHeaders } from "./upstream_request.ts";

/** Non-standard status for a request the client abandoned (as nginx logs it). */
export const CLIENT_CLOSED = 499;

/** Answers with Sidecar's own error, in the client's API's shape, and records it with `error`. */
export function fail(
  deps: AppDeps,
  trace: RequestTrace,
  outcome: RequestEnd["outcome"],
  err: SidecarError,
  error: string = err.message,
): Response {
  return finish(deps, trace, errorAnswer(trace, err), { status: err.status, outcome, error });
}

/** Sidecar's own error in the shape of the API `trace`'s client speaks (not recorded). */
export function errorAnswer(trace: RequestTrace, err: unknown): Response {
  return formatOf(trace.api).client.errorResponse(err);
}

/**
 * An upstream's error answer handed back to the client: as it came when
 * the client speaks the upstream's API, else its error translated (the
 * status kept, the body in the client's shape).
 */
export function upstreamErrorResponse(trace: RequestTrace, saved: SavedAnswer): Response {
  if (saved.api === trace.api) return new Response(saved.body, saved);
  const body = translateErrorBody(trace.api, saved.status, jsonOfBody(saved.body));
  const headers = new Headers(saved.headers);
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status: saved.status, headers });
}

/** Records a request the client abandoned. */
export function cancelled(deps: AppDeps, trace: RequestTrace): Response {
  return finish(deps, trace, new Response(null, { status: CLIENT_CLOSED }), {
    status: CLIENT_CLOSED,
    outcome: "cancelled",
    error: "client disconnected",
  });
}

/** Records `end` and returns `res` with the Sidecar headers. */
export function finish(
  deps: AppDeps,
  trace: RequestTrace,
  res: Response,
  end: RequestEnd,
): Response {
  recordRequest(deps, trace, end);
  return decorated(res, trace);
}

/** `res` with the upstream headers a client may see and the Sidecar headers. */
export function decorated(res: Response, trace: RequestTrace): Response {
  const headers = forwardableHeaders(res.headers);
  decorate(headers, trace);
  return new Response(res.body, { status: res.status, headers });
}

/** Sets `x-request-id`, `x-sidecar-attempts` and `x-sidecar-backend`. */
export function decorate(headers: Record<string, string>, trace: RequestTrace): void {
  headers["x-request-id"] = trace.id;
  headers["x-sidecar-attempts"] = String(trace.attempts.length);
  if (trace.backendId) headers["x-sidecar-backend"] = trace.backendId;
}

/** Notes which backend answered. */
export function setServedBy(trace: RequestTrace, backend: LiveBackend): void {
  trace.backendId = backend.id;
  trace.poolId = backend.pool_id;
}

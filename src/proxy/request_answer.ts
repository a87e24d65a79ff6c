/**
 * @module request_answer
 * Answers that end a request without a committed upstream stream: each
 * records the request once and carries the `x-sidecar-*` headers.
 */
import type { AppDeps } from "../app_deps.ts";
import type { LiveBackend } from "../engine/registry.ts";
import { type SidecarError, toErrorResponse } from "../errors.ts";
import { recordRequest, type RequestEnd, type RequestTrace } from "./request_log.ts";
import { forwardableHeaders } from "./upstream_request.ts";

/** Non-standard status for a request the client abandoned (as nginx logs it). */
export const CLIENT_CLOSED = 499;

/** Answers with Sidecar's own error and records it. */
export function fail(
  deps: AppDeps,
  trace: RequestTrace,
  outcome: RequestEnd["outcome"],
  err: SidecarError,
): Response {
  return finish(deps, trace, toErrorResponse(err), {
    status: err.status,
    outcome,
    error: err.message,
  });
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

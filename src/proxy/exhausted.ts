/**
 * @module exhausted
 * The answer when attempts, candidates or the deadline ran out without a
 * commit (docs/failover.md): the upstream's own 400 for
 * a context overflow, 5xx naming which backends failed how, 404 when no
 * backend has the model, else 429 with an honest Retry-After.
 */
import type { AppDeps } from "../app_deps.ts";
import { AllBackendsUnavailableError, NotFoundError, UpstreamFailedError } from "../errors.ts";
import type { SavedAnswer } from "./attempt.ts";
import type { AttemptReason } from "./failure_classifier.ts";
import { fail, finish, upstreamErrorResponse } from "./request_answer.ts";
import type { RequestTrace } from "./request_log.ts";
import type { ClientCall } from "./upstream_request.ts";

const SERVER_FAILURES = new Set<AttemptReason>([
  "server_error",
  "connection_error",
  "timeout",
  "first_chunk_timeout",
  "stream_error",
  "empty_stream",
  "stream_cut",
  "stalled",
]);

/**
 * Builds and records the final answer of a request that never committed;
 * `excluded`, the candidates that could not serve it, count for no
 * Retry-After.
 */
export function exhausted(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  saved: SavedAnswer | undefined,
  deadlineHit: boolean,
  excluded: ReadonlySet<string>,
): Response {
  const failures = trace.attempts.filter((a) => SERVER_FAILURES.has(a.reason as AttemptReason));
  const summary = trace.attempts.map((a) =>
    `${a.backend_id}: ${a.status ?? "no response"} ${a.reason}`
  ).join("; ");
  if (saved) {
    // No backend with a larger context could take it: the upstream's own 400 goes back.
    return finish(deps, trace, upstreamErrorResponse(trace, saved), {
      status: saved.status,
      outcome: "client_error",
    });
  }
  const last = failures.at(-1);
  if (last || deadlineHit) {
    const timeout = last?.reason === "timeout" || last?.reason === "first_chunk_timeout";
    const status = !last || timeout
      ? 504
      : last.reason === "server_error" && last.status !== null
      ? last.status
      : 502;
    const why = deadlineHit
      ? `request_deadline_ms (${deps.registry.config.request_deadline_ms}) spent`
      : `${trace.attempts.length} attempt(s) failed`;
    return fail(
      deps,
      trace,
      timeout || (deadlineHit && !last) ? "timeout" : "upstream_error",
      new UpstreamFailedError(status, `Upstream failed: ${why}${summary ? ` (${summary})` : ""}`),
    );
  }
  const now = deps.now();
  const lacking = new Set(excluded);
  for (const a of trace.attempts) if (a.reason === "not_found") lacking.add(a.backend_id);
  const readyAt = deps.registry.readyAt(call.model, now, lacking);
  if (readyAt === Infinity) {
    return fail(
      deps,
      trace,
      "no_backend",
      new NotFoundError(
        `No backend could serve model "${call.model}"${summary ? ` (${summary})` : ""}`,
        "model_not_found",
      ),
    );
  }
  const detail = summary || "every candidate is cooling down or out of rate-limit tokens";
  return fail(
    deps,
    trace,
    "rate_limited",
    new AllBackendsUnavailableError(Math.max(1000, readyAt - now), detail),
  );
}

/**
 * @module dispatch
 * The attempt loop: the plan (attempt_plan.ts) says which backend to try
 * next, or to wait, or that nothing is left; each attempt's outcome
 * (failure_classifier.ts) goes back to the plan and, through the attempt's
 * lease, to the backend's health. The first good answer is committed and
 * relayed, translated when the backend speaks the other API family.
 * Rules: docs/failover.md.
 */
import type { AppDeps } from "../app_deps.ts";
import { estimateInputTokens } from "../api_formats/anthropic/token_count_estimate.ts";
import { NEUTRAL } from "../engine/backend_lease.ts";
import type { AttemptOutcome } from "../engine/cooldown.ts";
import { InternalError, NotFoundError } from "../errors.ts";
import { mark, PHASE } from "../phase_trace.ts";
import { clip } from "../text_bounds.ts";
import { settled } from "../timers.ts";
import { attemptLimits, runAttempt, type SavedAnswer } from "./attempt.ts";
import { AttemptPlan } from "./attempt_plan.ts";
import { callBackends } from "./call_backends.ts";
import { commit } from "./committed_answer.ts";
import { exhausted } from "./exhausted.ts";
import {
  cancelled,
  decorate,
  decorated,
  errorAnswer,
  fail,
  finish,
  setServedBy,
  upstreamErrorResponse,
} from "./request_answer.ts";
import { recordRequest, type RequestTrace } from "./request_log.ts";
import { streamResumer } from "./stream_resumer.ts";
import type { ClientCall } from "./upstream_request.ts";

/**
 * Serves one client call, recording it; always resolves to a response. An
 * exception from anywhere in the attempt loop is answered and recorded as an
 * internal error (each attempt's lease has already been settled by then).
 */
export async function dispatch(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  clientSignal: AbortSignal,
): Promise<Response> {
  mark(PHASE.admitted);
  try {
    return await attemptLoop(deps, call, trace, clientSignal);
  } catch (err) {
    deps.log.error("unhandled error", {
      request_id: trace.id,
      backend: trace.backendId,
      error: err instanceof Error ? err.name : typeof err,
      detail: err instanceof Error ? scrubbed(deps, trace, clip(err.message)) : undefined,
    });
    const internal = new InternalError();
    // An error after the request was recorded (while answering) must not record it twice.
    if (trace.recorded) return decorated(errorAnswer(trace, internal), trace);
    return fail(deps, trace, "upstream_error", internal);
  }
}

/** `text` without the key of the backend that served, if one did. */
function scrubbed(deps: AppDeps, trace: RequestTrace, text: string): string {
  const backend = trace.backendId === null ? undefined : deps.registry.get(trace.backendId);
  return backend ? backend.scrub.text(text) : text;
}

async function attemptLoop(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  clientSignal: AbortSignal,
): Promise<Response> {
  const { registry } = deps;
  const cfg = registry.config;
  const candidates = registry.candidates(call.model);
  const backends = callBackends(call, candidates);
  if (backends.serving === 0) {
    if (backends.untranslatable) return fail(deps, trace, "client_error", backends.untranslatable);
    if (call.endpoint === "/messages/count_tokens" && candidates.length > 0) {
      return estimatedTokenCount(deps, call, trace);
    }
    const on = candidates.length === 0 ? "" : ` on /v1${call.endpoint}`;
    return fail(
      deps,
      trace,
      "no_backend",
      new NotFoundError(`No enabled backend serves model "${call.model}"${on}`, "model_not_found"),
    );
  }
  const plan = new AttemptPlan(
    registry,
    call.model,
    cfg,
    trace.started,
    deps.random,
    deps.now,
    backends.excluded,
  );
  // A context overflow's own 400, returned if no backend with another model can take it.
  let overflow: SavedAnswer | undefined;
  for (;;) {
    const step = plan.next(deps.now());
    if (step.kind === "exhausted") {
      return exhausted(deps, call, trace, overflow, step.deadlineHit, backends.excluded);
    }
    if (step.kind === "wait") {
      if (!(await deps.sleep(step.ms, clientSignal))) return cancelled(deps, trace);
      continue;
    }
    if (step.kind === "tokens") {
      if (!(await settled(step.arriving, clientSignal))) return cancelled(deps, trace);
      continue;
    }
    const { lease } = step;
    mark(PHASE.picked);
    // The lease is settled on every path out of this attempt, an exception
    // included; once committed, the relay settles it when the body is over.
    let handedOver = false;
    try {
      if (step.backoffMs > 0 && !(await deps.sleep(step.backoffMs, clientSignal))) {
        return cancelled(deps, trace);
      }
      if (step.probeClaim && !(await step.probeClaim)) {
        plan.forfeit(lease);
        continue;
      }
      const started = deps.now();
      const limits = attemptLimits(cfg, plan.deadline, started);
      const result = await runAttempt(call, lease, limits, clientSignal, deps);
      mark(PHASE.headers);
      const attempt = { backend_id: lease.backend.id, ms: deps.now() - started };
      trace.upstreamModel = lease.upstreamModel;
      switch (result.kind) {
        case "commit":
          trace.attempts.push({ ...attempt, status: result.response.status, reason: "ok" });
          lease.report(SUCCESS);
          handedOver = true;
          return await commit(
            deps,
            call,
            trace,
            { lease },
            result,
            (current) => streamResumer(deps, call, trace, plan, clientSignal, current),
          );
        case "cancelled":
          trace.attempts.push({ ...attempt, status: null, reason: "cancelled" });
          lease.done(NEUTRAL);
          return cancelled(deps, trace);
        case "failed": {
          const { outcome, answer } = result;
          trace.attempts.push({ ...attempt, status: result.status, reason: outcome.reason });
          lease.done(outcome.health);
          if (outcome.disposition === "return" && answer) {
            setServedBy(trace, lease.backend);
            return finish(deps, trace, upstreamErrorResponse(trace, answer), {
              status: answer.status,
              outcome: "client_error",
            });
          }
          deps.metrics.inc("sidecar_upstream_failures_total", {
            backend: lease.backend.id,
            reason: outcome.reason,
          });
          if (outcome.disposition === "other_model") overflow = answer;
          plan.record(lease, outcome);
        }
      }
    } finally {
      if (!handedOver) lease.done(NEUTRAL);
    }
  }
}

const SUCCESS: AttemptOutcome = Object.freeze({ kind: "success" });

/**
 * A `count_tokens` answer for a model only `openai` backends serve: an
 * estimate (token_count_estimate.ts), marked so, from no backend.
 */
function estimatedTokenCount(deps: AppDeps, call: ClientCall, trace: RequestTrace): Response {
  recordRequest(deps, trace, { status: 200, outcome: "ok" });
  const headers = { "content-type": "application/json", "x-sidecar-estimate": "true" };
  decorate(headers, trace);
  return new Response(JSON.stringify({ input_tokens: estimateInputTokens(call.body) }), {
    headers,
  });
}

/**
 * @module stream_resumer
 * Continues a stream that broke after its client received part of the
 * answer (docs/streaming.md, "Resuming a broken stream"): the same attempt
 * plan picks the next candidate among backends that can resume (a retry
 * inside the pool first), the conversation goes there with the delivered
 * text appended as the assistant's, and the continuation is relayed into
 * the same client stream. A backend that refuses the continuation with a
 * 400 is marked not resumable for that model; that 400 never reaches the
 * client.
 */
import type { AppDeps } from "../app_deps.ts";
import { prefilledBody } from "../api_formats/exact_body.ts";
import { formatOf } from "../api_formats/formats.ts";
import type { StreamAnswer } from "../api_formats/stream_answer.ts";
import { type BackendLease, NEUTRAL } from "../engine/backend_lease.ts";
import type { AttemptOutcome } from "../engine/cooldown.ts";
import { ServedCall } from "../pricing/served_call.ts";
import { settled } from "../timers.ts";
import { attemptLimits, runAttempt } from "./attempt.ts";
import type { AttemptPlan } from "./attempt_plan.ts";
import { classify, type UpstreamAnswer } from "./failure_classifier.ts";
import { type RelayedCall, relayedCall } from "./relayed_call.ts";
import type { RequestTrace } from "./request_log.ts";
import type { Break, Resumer } from "./stream_relay.ts";
import type { ClientCall } from "./upstream_request.ts";

/** The lease of the attempt whose stream the client is reading now. */
export interface CurrentLease {
  lease: BackendLease;
}

const SUCCESS: AttemptOutcome = Object.freeze({ kind: "success" });

/**
 * A resumer for `call`'s stream, or undefined when it cannot be resumed:
 * its client's API never resumes such a stream (several choices, logprobs,
 * not a stream of text), or no candidate resumes at all (then the relay
 * pays nothing for it).
 */
export function streamResumer(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  plan: AttemptPlan,
  clientSignal: AbortSignal,
  current: CurrentLease,
): Resumer | undefined {
  const answer = formatOf(call.api).client.answer(call);
  if (!answer) return undefined;
  if (!deps.registry.candidates(call.model).some((b) => b.resume !== "off")) return undefined;
  return {
    answer,
    continueAfter: (brk) =>
      continueAfter(deps, call, trace, plan, clientSignal, current, answer, brk),
  };
}

async function continueAfter(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  plan: AttemptPlan,
  clientSignal: AbortSignal,
  current: CurrentLease,
  answer: StreamAnswer,
  brk: Break,
): Promise<RelayedCall | null> {
  // The broken attempt is over: it is recorded as what broke it, its slot freed.
  const broken = classify(
    brk.failure === "stream_error"
      ? { kind: "stream_error", error: brk.error ?? {} }
      : { kind: "transport", failure: brk.failure },
  );
  const last = trace.attempts.at(-1);
  if (last) last.reason = broken.reason;
  current.lease.release();
  plan.record(current.lease, broken);
  deps.metrics.inc("sidecar_upstream_failures_total", {
    backend: current.lease.backend.id,
    reason: broken.reason,
  });
  const registry = deps.registry;
  for (;;) {
    const step = plan.next(deps.now(), (b, model) => registry.resumable(b, model));
    if (step.kind === "exhausted") return null;
    if (step.kind === "wait") {
      if (!(await deps.sleep(step.ms, clientSignal))) return null;
      continue;
    }
    if (step.kind === "tokens") {
      if (!(await settled(step.arriving, clientSignal))) return null;
      continue;
    }
    const { lease } = step;
    let kept = false;
    try {
      if (step.backoffMs > 0 && !(await deps.sleep(step.backoffMs, clientSignal))) return null;
      if (step.probeClaim && !(await step.probeClaim)) {
        plan.forfeit(lease);
        continue;
      }
      const mode = lease.backend.resume;
      if (mode === "off") continue; // the plan admits only resumable backends
      const started = deps.now();
      const limits = attemptLimits(registry.config, plan.deadline, started);
      // The prefill as the backend's API takes it; what it leaves out of the
      // delivered text, the continuation may say again.
      const text = formatOf(lease.backend.api).upstream.prefillText(brk.delivered);
      const prefill = { text, mode };
      const result = await runAttempt(call, lease, limits, clientSignal, deps, prefill);
      const attempt = { backend_id: lease.backend.id, ms: deps.now() - started };
      if (result.kind === "cancelled") {
        trace.attempts.push({ ...attempt, status: null, reason: "cancelled" });
        return null;
      }
      if (result.kind === "commit") {
        if (result.stream) {
          trace.attempts.push({ ...attempt, status: result.response.status, reason: "resumed" });
          lease.report(SUCCESS);
          current.lease = lease;
          kept = true;
          const body = prefilledBody(call.body, text);
          const served = new ServedCall(lease.backend, lease.upstreamModel, body, true);
          trace.calls.push(served);
          answer.continuing(brk.delivered.slice(text.length));
          const origin = { requestId: trace.id, nowMs: deps.now() };
          return relayedCall(call, origin, lease, result.controller, result.stream, served);
        }
        // A 2xx that is not a stream cannot continue one.
        result.controller.abort();
        await result.response.body?.cancel().catch(() => {});
        settle(plan, trace, lease, attempt, result.response.status, {
          kind: "transport",
          failure: "empty_stream",
        });
        continue;
      }
      const { outcome } = result;
      trace.attempts.push({ ...attempt, status: result.status, reason: outcome.reason });
      lease.done(outcome.health);
      deps.metrics.inc("sidecar_upstream_failures_total", {
        backend: lease.backend.id,
        reason: outcome.reason,
      });
      if (outcome.disposition === "return" || outcome.disposition === "other_model") {
        // The request is fine (it was answered before): the backend refused
        // the continuation itself. A 400 says it cannot prefill this model.
        if (result.status === 400) {
          registry.markNotResumable(lease.backend.id, lease.upstreamModel, deps.now());
        }
        plan.record(lease, { ...outcome, disposition: "next" });
      } else {
        plan.record(lease, outcome);
      }
    } finally {
      if (!kept) lease.done(NEUTRAL);
    }
  }
}

/** Records a failed continuation attempt classified from `answer`. */
function settle(
  plan: AttemptPlan,
  trace: RequestTrace,
  lease: BackendLease,
  attempt: { backend_id: string; ms: number },
  status: number | null,
  answer: UpstreamAnswer,
): void {
  const outcome = classify(answer);
  trace.attempts.push({ ...attempt, status, reason: outcome.reason });
  lease.done(outcome.health);
  plan.record(lease, outcome);
}

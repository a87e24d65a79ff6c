/**
 * @module dispatch
 * The attempt loop of CONTRACT §2: pick a backend, try it, and on a failure
 * that is the backend's fault move on (cooling it as the rules say), within
 * `max_attempts` and `request_deadline_ms`; commit on the first good answer.
 */
import type { AppDeps } from "../app_deps.ts";
import { jitteredBackoffMs } from "../engine/backoff.ts";
import type { AttemptOutcome } from "../engine/cooldown.ts";
import { upstreamModel } from "../engine/model_match.ts";
import { NotFoundError, SidecarError, toErrorResponse, UpstreamFailedError } from "../errors.ts";
import { clip } from "../text_bounds.ts";
import { sleep } from "./abortable_sleep.ts";
import { type AttemptResult, runAttempt } from "./attempt.ts";
import { AttemptLease, NEUTRAL } from "./attempt_lease.ts";
import { relayBody, usageOfJson } from "./body_relay.ts";
import { exhausted } from "./exhausted.ts";
import { cancelled, decorate, decorated, fail, finish, setServedBy } from "./request_answer.ts";
import { recordRequest, type RequestEnd, type RequestTrace } from "./request_log.ts";
import { relayStream } from "./stream_relay.ts";
import { type ClientCall, forwardableHeaders } from "./upstream_request.ts";

/** Attempt outcomes that start a cooldown at once (errors cool only at a threshold). */
const COOLING = new Set<AttemptOutcome["kind"]>(["rate_limited", "quota", "auth"]);

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
  try {
    return await attemptLoop(deps, call, trace, clientSignal);
  } catch (err) {
    deps.log.error("unhandled error", {
      request_id: trace.id,
      backend: trace.backendId,
      error: err instanceof Error ? err.name : typeof err,
      detail: err instanceof Error ? scrubbed(deps, trace, clip(err.message)) : undefined,
    });
    const internal = new SidecarError(
      500,
      "server_error",
      "Internal server error",
      "internal_error",
    );
    // An error after the request was recorded (while answering) must not record it twice.
    if (trace.recorded) return decorated(toErrorResponse(internal), trace);
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
  const deadline = trace.started + cfg.request_deadline_ms;
  const candidates = registry.candidates(call.model);
  if (candidates.length === 0) {
    return fail(
      deps,
      trace,
      "no_backend",
      new NotFoundError(
        `No enabled backend serves model "${call.model}"`,
        "model_not_found",
      ),
    );
  }
  const tried = new Set<string>();
  const noRetry = new Set<string>(); // timed out, cooled, lacking the model
  // Cooled by this request: not retried at once, but worth waiting for within max_wait_ms.
  const cooledHere = new Set<string>();
  const retries = new Map<string, number>();
  const contextLimited = new Set<string>(); // upstream models that said context_length_exceeded
  let saved: Extract<AttemptResult, { kind: "failover" }>["saved"];
  let deadlineHit = false;

  while (trace.attempts.length < cfg.max_attempts) {
    let now = deps.now();
    if (now >= deadline) {
      deadlineHit = true;
      break;
    }
    let hardExclude: ReadonlySet<string> = noRetry;
    if (contextLimited.size > 0) {
      const limited = new Set(noRetry);
      for (const b of candidates) {
        if (contextLimited.has(upstreamModel(b.model_map, call.model))) limited.add(b.id);
      }
      hardExclude = limited;
    }
    // The first attempt (most requests' only one) excludes nothing: no set to build.
    const exclude = tried.size === 0 ? hardExclude : new Set([...hardExclude, ...tried]);
    let pick = registry.pick(call.model, now, exclude);
    let backoffMs = 0;
    if (pick.kind === "none") {
      // Every fresh candidate is spent: re-try one that failed transiently, after a backoff.
      pick = registry.pick(call.model, now, hardExclude);
      if (pick.kind === "backend") {
        const n = retries.get(pick.backend.id) ?? 0;
        retries.set(pick.backend.id, n + 1);
        backoffMs = jitteredBackoffMs(n, deps.random);
      }
    }
    if (pick.kind === "none") {
      const waitable = new Set([...hardExclude].filter((id) => !cooledHere.has(id)));
      const readyAt = registry.readyAt(call.model, now, waitable);
      const waitMs = readyAt - now;
      if (
        (waitMs > 0 || cooledHere.size > 0) && waitMs <= cfg.max_wait_ms && readyAt < deadline
      ) {
        if (!(await sleep(waitMs, clientSignal))) return cancelled(deps, trace);
        // The registry still keeps away any that is cooling when the wait is over.
        for (const id of cooledHere) noRetry.delete(id);
        cooledHere.clear();
        continue;
      }
      break;
    }
    const backend = pick.backend;
    // Held from the pick: the probe slot and in-flight count are given back
    // on every path out of this attempt, an exception included.
    const lease = new AttemptLease(backend, registry, deps.now);
    let handedOver = false;
    try {
      if (backoffMs > 0) {
        if (!(await sleep(Math.min(backoffMs, deadline - now), clientSignal))) {
          return cancelled(deps, trace);
        }
        now = deps.now();
      }
      tried.add(backend.id);
      const remaining = Math.max(1, deadline - now);
      const result = await runAttempt(
        call,
        backend,
        {
          headersMs: Math.min(cfg.attempt_timeout_ms, remaining),
          firstChunkMs: Math.min(cfg.first_chunk_timeout_ms, remaining),
        },
        clientSignal,
        deps,
      );
      const attempt = { backend_id: backend.id, ms: deps.now() - now };
      trace.upstreamModel = result.upstreamModel;
      switch (result.kind) {
        case "commit":
          trace.attempts.push({ ...attempt, status: result.response.status, reason: "ok" });
          lease.report({ kind: "success" });
          handedOver = true;
          return await commit(deps, call, trace, lease, result);
        case "return":
          trace.attempts.push({
            ...attempt,
            status: result.response.status,
            reason: "client_error",
          });
          lease.done(NEUTRAL);
          setServedBy(trace, backend);
          return finish(deps, trace, result.response, {
            status: result.response.status,
            outcome: "client_error",
          });
        case "cancelled":
          trace.attempts.push({ ...attempt, status: null, reason: "cancelled" });
          lease.done(NEUTRAL);
          return cancelled(deps, trace);
        case "failover":
          trace.attempts.push({ ...attempt, status: result.status, reason: result.reason });
          lease.done(result.health);
          deps.metrics.inc("sidecar_upstream_failures_total", {
            backend: backend.id,
            reason: result.reason,
          });
          if (!result.retryable) noRetry.add(backend.id);
          if (COOLING.has(result.health.kind)) cooledHere.add(backend.id);
          if (result.reason === "context_length") {
            contextLimited.add(result.upstreamModel);
            saved = result.saved;
          }
      }
    } finally {
      // A no-op when a case above settled it; commit() owns it once handed over.
      if (!handedOver) lease.done(NEUTRAL);
    }
  }
  return exhausted(deps, call, trace, saved, deadlineHit);
}

/**
 * Non-stream bodies up to this size are read whole before answering: one
 * native read instead of a JS stream per chunk (the client cannot use half
 * a JSON document anyway). Larger or unsized bodies are relayed as they come.
 */
const WHOLE_BODY_LIMIT = 1024 * 1024;

/** Answers with a committed attempt; the lease is released when its body is over. */
async function commit(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  lease: AttemptLease,
  result: Extract<AttemptResult, { kind: "commit" }>,
): Promise<Response> {
  try {
    return await relayCommitted(deps, call, trace, lease, result);
  } catch (err) {
    // Thrown before a relay took the body over: nothing else will release it.
    result.controller.abort();
    lease.release();
    throw err;
  }
}

async function relayCommitted(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  lease: AttemptLease,
  result: Extract<AttemptResult, { kind: "commit" }>,
): Promise<Response> {
  const backend = lease.backend;
  setServedBy(trace, backend);
  trace.ttfbMs = deps.now() - trace.started;
  const status = result.response.status;
  const headers = forwardableHeaders(result.response.headers, backend.scrub);
  const abort = () => result.controller.abort();
  let done = false;
  const onDone = (s: RequestEnd) => {
    if (done) return;
    done = true;
    lease.release();
    recordRequest(deps, trace, s);
  };
  let body: ReadableStream<Uint8Array> | null = null;
  if (result.stream) {
    headers["content-type"] = "text/event-stream; charset=utf-8";
    headers["cache-control"] = "no-cache";
    body = relayStream(result.stream, {
      idleTimeoutMs: deps.registry.config.stream_idle_timeout_ms,
      deadlines: deps.deadlines,
      forwardUsage: call.clientWantsUsage,
      addDone: call.endpoint !== "/responses",
      abort,
      scrub: backend.scrub,
      onDone: (s) => onDone({ status, outcome: s.outcome, usage: s.usage, error: s.error }),
    });
  } else if (Number(result.response.headers.get("content-length") ?? NaN) <= WHOLE_BODY_LIMIT) {
    try {
      // An echo server can send the key back in a success body too.
      const bytes = backend.scrub.bytes(await result.response.bytes());
      onDone({ status, outcome: "ok", usage: usageOfJson(bytes) });
      decorate(headers, trace);
      return new Response(bytes, { status, headers });
    } catch {
      onDone({ status: 502, outcome: "truncated", error: "The upstream body was cut short" });
      const err = new UpstreamFailedError(
        502,
        "The upstream body was cut short",
        "upstream_body_truncated",
      );
      return decorated(toErrorResponse(err), trace);
    }
  } else if (result.response.body) {
    body = relayBody(
      result.response.body,
      abort,
      (s) => onDone({ status, outcome: s.outcome, usage: s.usage, error: s.error }),
      backend.scrub.chunks(),
    );
  } else {
    onDone({ status, outcome: "ok" });
  }
  decorate(headers, trace);
  return new Response(body, { status, headers });
}

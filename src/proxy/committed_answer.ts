/**
 * @module committed_answer
 * The answer of a committed attempt (docs/failover.md, "One attempt's
 * outcome"): a stream relayed event by event (stream_relay.ts), a body read
 * whole when it is small or relayed as it comes when it is not, or, when
 * the backend speaks the other API family, the answer translated whole
 * (translated_answer.ts). The request is recorded and the attempt's lease
 * released when the body is over, on every path.
 */
import type { AppDeps } from "../app_deps.ts";
import { answerIdentity } from "../api_formats/answer_translation.ts";
import { formatOf } from "../api_formats/formats.ts";
import { UpstreamFailedError } from "../errors.ts";
import { mark, PHASE } from "../phase_trace.ts";
import { ServedCall } from "../pricing/served_call.ts";
import type { AttemptResult } from "./attempt.ts";
import { relayBody, usageOfJson } from "./body_relay.ts";
import { clientStream, relayedCall } from "./relayed_call.ts";
import { decorate, decorated, errorAnswer, setServedBy } from "./request_answer.ts";
import { recordRequest, type RequestEnd, type RequestTrace } from "./request_log.ts";
import { relayStream, type Resumer } from "./stream_relay.ts";
import type { CurrentLease } from "./stream_resumer.ts";
import { translatedAnswer } from "./translated_answer.ts";
import { type ClientCall, forwardableHeaders } from "./upstream_request.ts";

function optionalResumer(resume: Resumer | undefined): { resume?: Resumer } {
  return resume ? { resume } : {};
}

/**
 * Non-stream bodies up to this size are read whole before answering: one
 * native read instead of a JS stream per chunk (the client cannot use half
 * a JSON document anyway). Larger or unsized bodies are relayed as they come.
 */
const WHOLE_BODY_LIMIT = 1024 * 1024;

/**
 * Answers `call` with a committed attempt; the current lease (a resumed stream's
 * changes with each continuation) is released when the body is over.
 */
export async function commit(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  current: CurrentLease,
  result: Extract<AttemptResult, { kind: "commit" }>,
  resumer: (current: CurrentLease) => Resumer | undefined,
): Promise<Response> {
  try {
    return await relayCommitted(deps, call, trace, current, result, resumer);
  } catch (err) {
    // Thrown before a relay took the body over: nothing else will release it.
    result.controller.abort();
    current.lease.release();
    throw err;
  }
}

async function relayCommitted(
  deps: AppDeps,
  call: ClientCall,
  trace: RequestTrace,
  current: CurrentLease,
  result: Extract<AttemptResult, { kind: "commit" }>,
  resumer: (current: CurrentLease) => Resumer | undefined,
): Promise<Response> {
  const backend = current.lease.backend;
  const { usageOf } = formatOf(backend.api).upstream;
  setServedBy(trace, backend);
  trace.ttfbMs = deps.now() - trace.started;
  const served = new ServedCall(backend, current.lease.upstreamModel, call.body, !!result.stream);
  trace.calls.push(served);
  const status = result.response.status;
  const headers = forwardableHeaders(result.response.headers, backend.scrub);
  const abort = () => result.controller.abort();
  let done = false;
  const onDone = (s: RequestEnd) => {
    if (done) return;
    done = true;
    current.lease.release();
    recordRequest(deps, trace, s);
  };
  let body: ReadableStream<Uint8Array> | null = null;
  if (result.stream) {
    headers["content-type"] = "text/event-stream; charset=utf-8";
    headers["cache-control"] = "no-cache";
    const origin = { requestId: trace.id, nowMs: deps.now() };
    const relayed = relayedCall(
      call,
      origin,
      current.lease,
      result.controller,
      result.stream,
      served,
    );
    body = relayStream(relayed, {
      idleTimeoutMs: deps.registry.config.stream_idle_timeout_ms,
      deadlines: deps.deadlines,
      client: clientStream(call),
      ...optionalResumer(resumer(current)),
      onDone: (s) => onDone({ status, outcome: s.outcome, usage: s.usage, error: s.error }),
    });
  } else if (backend.api !== call.api) {
    const identity = answerIdentity(call.api, trace.id, deps.now(), current.lease.upstreamModel);
    const answer = await translatedAnswer(
      result.response,
      call.api,
      identity,
      backend.scrub,
      usageOf,
    );
    if (!answer.ok) {
      result.controller.abort();
      onDone({
        status: answer.error.status,
        outcome: "upstream_error",
        error: answer.error.message,
      });
      return decorated(errorAnswer(trace, answer.error), trace);
    }
    served.usage = answer.usage;
    onDone({ status, outcome: "ok", usage: answer.usage });
    headers["content-type"] = "application/json";
    decorate(headers, trace);
    return new Response(answer.body, { status, headers });
  } else if (Number(result.response.headers.get("content-length") ?? NaN) <= WHOLE_BODY_LIMIT) {
    try {
      // An echo server can send the key back in a success body too.
      const bytes = backend.scrub.bytes(await result.response.bytes());
      mark(PHASE.body);
      served.usage = usageOfJson(bytes, usageOf);
      onDone({ status, outcome: "ok", usage: served.usage });
      mark(PHASE.recorded);
      decorate(headers, trace);
      return new Response(bytes, { status, headers });
    } catch {
      onDone({ status: 502, outcome: "truncated", error: "The upstream body was cut short" });
      const err = new UpstreamFailedError(
        502,
        "The upstream body was cut short",
        "upstream_body_truncated",
      );
      return decorated(errorAnswer(trace, err), trace);
    }
  } else if (result.response.body) {
    body = relayBody(
      result.response.body,
      abort,
      usageOf,
      (s) => {
        served.usage = s.usage;
        onDone({ status, outcome: s.outcome, usage: s.usage, error: s.error });
      },
      backend.scrub.chunks(),
    );
  } else {
    onDone({ status, outcome: "ok" });
  }
  decorate(headers, trace);
  return new Response(body, { status, headers });
}

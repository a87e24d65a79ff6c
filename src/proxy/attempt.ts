/**
 * @module attempt
 * One upstream attempt: send, wait for headers (bounded), and decide before
 * any byte reaches the client whether to commit, fail over, or hand the
 * upstream's answer back. What an answer means is failure_classifier.ts's to say.
 */
import type { AppDeps } from "../app_deps.ts";
import type { Prefill } from "../api_formats/api_format.ts";
import type { EventReader } from "../api_formats/chunk_info.ts";
import { formatOf } from "../api_formats/formats.ts";
import type { ApiFamily } from "../engine/api_family.ts";
import type { BackendLease } from "../engine/backend_lease.ts";
import { type ChunkReader, chunkReader } from "./chunk_reader.ts";
import type { Deadlines } from "./deadlines.ts";
import {
  classify,
  type FailureClass,
  type UpstreamAnswer,
  type UpstreamError,
} from "./failure_classifier.ts";
import { parseRetryAfterMs } from "./retry_after.ts";
import { type SseEvent, SseSplitter } from "./sse.ts";
import { type ClientCall, scrubbedHeaders } from "./upstream_request.ts";
import { concatBytes } from "../bytes.ts";

/** A stream whose first event has been read and judged good. */
export interface OpenStream {
  reader: ChunkReader;
  splitter: SseSplitter;
  /** What its events mean, by the backend's API (the one that judged the first). */
  read: EventReader;
  /** Events read while peeking, to be sent first. */
  pending: SseEvent[];
}

/** What one attempt produced. */
export type AttemptResult =
  | { kind: "commit"; response: Response; controller: AbortController; stream?: OpenStream }
  | {
    kind: "failed";
    outcome: FailureClass;
    /** The upstream's status, when it answered one. */
    status: number | null;
    /** Its answer (key scrubbed), for a `return` or an `other_model` that may go back yet. */
    answer?: SavedAnswer;
  }
  | { kind: "cancelled" };

/** An upstream's non-2xx answer, read whole. */
export interface SavedAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
  /** The API it is written in: the backend's. */
  api: ApiFamily;
}

/** Time limits for one attempt, already clipped to the request deadline. */
export interface AttemptLimits {
  headersMs: number;
  firstChunkMs: number;
}

/** The config's attempt timeouts, clipped to what is left before `deadline` at `now`. */
export function attemptLimits(
  cfg: { attempt_timeout_ms: number; first_chunk_timeout_ms: number },
  deadline: number,
  now: number,
): AttemptLimits {
  const remaining = Math.max(1, deadline - now);
  return {
    headersMs: Math.min(cfg.attempt_timeout_ms, remaining),
    firstChunkMs: Math.min(cfg.first_chunk_timeout_ms, remaining),
  };
}

const ERROR_BODY_LIMIT = 64 * 1024;

/** What an attempt needs from the app. */
export type AttemptDeps = Pick<AppDeps, "fetch" | "now" | "deadlines">;

/**
 * Sends `call` through `lease` (continuing `prefill` when given) and
 * classifies the answer (failure_classifier.ts), read by the format of the
 * API the backend speaks.
 */
export async function runAttempt(
  call: ClientCall,
  lease: BackendLease,
  limits: AttemptLimits,
  clientSignal: AbortSignal,
  deps: AttemptDeps,
  prefill?: Prefill,
): Promise<AttemptResult> {
  const { now, deadlines } = deps;
  const backend = lease.backend;
  const upstream = formatOf(backend.api).upstream;
  const controller = new AbortController();
  const onClientAbort = () => controller.abort();
  clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const release = () => clientSignal.removeEventListener("abort", onClientAbort);
  const req = upstream.request(call, backend, controller.signal, prefill);
  const failed = (answer: UpstreamAnswer, status: number | null): AttemptResult => {
    release();
    controller.abort();
    return { kind: "failed", outcome: classify(answer), status };
  };

  let timedOut = false;
  const timeout = deadlines.after(limits.headersMs, () => {
    timedOut = true;
    controller.abort();
  });
  let res: Response;
  try {
    res = await deps.fetch(req.url, req.init);
  } catch {
    if (clientSignal.aborted) return release(), CANCELLED;
    return failed(
      { kind: "transport", failure: timedOut ? "headers_timeout" : "connection" },
      null,
    );
  } finally {
    deadlines.cancel(timeout);
  }

  const status = res.status;
  if (status >= 200 && status < 300) {
    const isSse = (res.headers.get("content-type") ?? "").includes("text/event-stream");
    if (!call.stream || !isSse || !res.body) return { kind: "commit", response: res, controller };
    const peek = await peekFirstEvent(
      res.body,
      upstream.eventReader(),
      limits.firstChunkMs,
      controller,
      deadlines,
    );
    if (clientSignal.aborted) return release(), CANCELLED;
    switch (peek.kind) {
      case "timeout":
        return failed({ kind: "transport", failure: "first_event_timeout" }, status);
      case "ended":
        return failed({ kind: "transport", failure: "empty_stream" }, status);
      case "error": {
        const retryAfterMs = parseRetryAfterMs(res.headers, now());
        return failed({
          kind: "stream_error",
          error: peek.error,
          ...(retryAfterMs !== undefined && { retryAfterMs }),
        }, status);
      }
      case "ok":
        return { kind: "commit", response: res, controller, stream: peek.stream };
    }
  }

  // From here the answer may go back to the client or into a record: without the key.
  const body = backend.scrub.bytes(await readCapped(res, ERROR_BODY_LIMIT));
  const retryAfterMs = parseRetryAfterMs(res.headers, now());
  const outcome = classify({
    kind: "status",
    status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...optional("error", upstream.errorOf(status, body)),
  });
  release();
  if (outcome.disposition !== "return" && outcome.disposition !== "other_model") {
    controller.abort();
    return { kind: "failed", outcome, status };
  }
  const answer = {
    status,
    headers: scrubbedHeaders(res.headers, backend.scrub),
    body,
    api: backend.api,
  };
  return { kind: "failed", outcome, status, answer };
}

const CANCELLED: AttemptResult = Object.freeze({ kind: "cancelled" });

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

type Peek =
  | { kind: "ok"; stream: OpenStream }
  | { kind: "error"; error: UpstreamError }
  | { kind: "timeout" }
  | { kind: "ended" };

// Reads until the first non-comment event, so an error-only or silent
// stream can still fail over before the client has seen a byte.
async function peekFirstEvent(
  body: ReadableStream<Uint8Array>,
  read: EventReader,
  timeoutMs: number,
  controller: AbortController,
  deadlines: Deadlines,
): Promise<Peek> {
  const reader = chunkReader(body);
  const splitter = new SseSplitter();
  const pending: SseEvent[] = [];
  let timedOut = false;
  // Aborting the upstream request makes the pending read fail at once.
  const timeout = deadlines.after(timeoutMs, () => {
    timedOut = true;
    controller.abort();
  });
  try {
    for (;;) {
      const next = await reader.read().catch(() => "ended" as const);
      if (timedOut) return { kind: "timeout" };
      const events = next === "ended" || next.done ? splitter.flush() : splitter.push(next.value);
      for (const [i, ev] of events.entries()) {
        const info = read(ev);
        if (info.kind === "comment") {
          pending.push(ev);
          continue;
        }
        if (info.kind === "error") return { kind: "error", error: info.error };
        // The rest of this read (often the whole answer) must be relayed too.
        pending.push(...events.slice(i));
        return { kind: "ok", stream: { reader, splitter, read, pending } };
      }
      if (next === "ended" || next.done) return { kind: "ended" };
    }
  } finally {
    deadlines.cancel(timeout);
  }
}

async function readCapped(res: Response, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } catch {
    // A body cut short still classifies by its status.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return concatBytes(parts);
}

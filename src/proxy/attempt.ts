/**
 * @module attempt
 * One upstream attempt: send, wait for headers (bounded), and decide before
 * any byte reaches the client whether to commit, fail over, or hand the
 * upstream's answer back (CONTRACT §2, "One attempt's outcome").
 */
import type { AppDeps } from "../app_deps.ts";
import type { AttemptOutcome } from "../engine/cooldown.ts";
import type { LiveBackend } from "../engine/registry.ts";
import { type ChunkReader, chunkReader } from "./chunk_reader.ts";
import type { Deadlines } from "./deadlines.ts";
import { parseRetryAfterMs } from "./retry_after.ts";
import { classifyEvent, type SseEvent, SseSplitter, type StreamError } from "./sse.ts";
import { buildUpstreamRequest, type ClientCall, scrubbedHeaders } from "./upstream_request.ts";
import { concatBytes } from "../bytes.ts";

/** Why an attempt ended the way it did (recorded per attempt). */
export type AttemptReason =
  | "ok"
  | "rate_limited"
  | "quota"
  | "auth"
  | "not_found"
  | "context_length"
  | "client_error"
  | "server_error"
  | "connection_error"
  | "timeout"
  | "first_chunk_timeout"
  | "stream_error"
  | "empty_stream"
  | "cancelled";

/** A stream whose first event has been read and judged good. */
export interface OpenStream {
  reader: ChunkReader;
  splitter: SseSplitter;
  /** Events read while peeking, to be sent first. */
  pending: SseEvent[];
}

/** What one attempt produced. */
export type AttemptResult =
  | {
    kind: "commit";
    response: Response;
    upstreamModel: string;
    controller: AbortController;
    stream?: OpenStream;
  }
  /** Any other 4xx: the request is at fault; the answer goes back unchanged. */
  | { kind: "return"; response: Response; upstreamModel: string }
  | {
    kind: "failover";
    reason: AttemptReason;
    status: number | null;
    health: AttemptOutcome;
    upstreamModel: string;
    /** A 5xx/reset may be retried on this backend after a backoff; others may not. */
    retryable: boolean;
    /** Kept for `context_length_exceeded`, returned if no other model can serve. */
    saved?: { status: number; headers: Headers; body: Uint8Array<ArrayBuffer> };
  }
  | { kind: "cancelled"; upstreamModel: string };

/** Time limits for one attempt, already clipped to the request deadline. */
export interface AttemptLimits {
  headersMs: number;
  firstChunkMs: number;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/** What an attempt needs from the app. */
export type AttemptDeps = Pick<AppDeps, "fetch" | "now" | "deadlines">;

/** Sends `call` to `backend` and classifies the answer. */
export async function runAttempt(
  call: ClientCall,
  backend: LiveBackend,
  limits: AttemptLimits,
  clientSignal: AbortSignal,
  deps: AttemptDeps,
): Promise<AttemptResult> {
  const { now, deadlines } = deps;
  const controller = new AbortController();
  const onClientAbort = () => controller.abort();
  clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const release = () => clientSignal.removeEventListener("abort", onClientAbort);
  const req = buildUpstreamRequest(call, backend, controller.signal);
  const upstreamModel = req.upstreamModel;
  const fail = (
    reason: AttemptReason,
    status: number | null,
    health: AttemptOutcome,
    retryable: boolean,
  ): AttemptResult => {
    release();
    controller.abort();
    return { kind: "failover", reason, status, health, upstreamModel, retryable };
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
    if (clientSignal.aborted) return release(), { kind: "cancelled", upstreamModel };
    if (timedOut) return fail("timeout", null, { kind: "failure" }, false);
    return fail("connection_error", null, { kind: "failure" }, true);
  } finally {
    deadlines.cancel(timeout);
  }

  const status = res.status;
  if (status >= 200 && status < 300) {
    const isSse = (res.headers.get("content-type") ?? "").includes("text/event-stream");
    if (!call.stream || !isSse || !res.body) {
      return { kind: "commit", response: res, upstreamModel, controller };
    }
    const peek = await peekFirstEvent(res.body, limits.firstChunkMs, controller, deadlines);
    if (clientSignal.aborted) return release(), { kind: "cancelled", upstreamModel };
    switch (peek.kind) {
      case "timeout":
        return fail("first_chunk_timeout", status, { kind: "failure" }, false);
      case "ended":
        return fail("empty_stream", status, { kind: "failure" }, true);
      case "error": {
        const health = healthOfStreamError(peek.error, parseRetryAfterMs(res.headers, now()));
        const reason = health.kind === "failure" ? "stream_error" : reasonOf(health);
        return fail(reason, status, health, health.kind === "failure");
      }
      case "ok":
        return { kind: "commit", response: res, upstreamModel, controller, stream: peek.stream };
    }
  }

  // From here the answer may go back to the client or into a record: without the key.
  const body = backend.scrub.bytes(await readCapped(res, ERROR_BODY_LIMIT));
  const error = errorOf(body);
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(res.headers, now());
    const quota = error?.type === "insufficient_quota" || error?.code === "insufficient_quota";
    const health: AttemptOutcome = quota
      ? { kind: "quota", ...(retryAfterMs !== undefined && { retryAfterMs }) }
      : { kind: "rate_limited", ...(retryAfterMs !== undefined && { retryAfterMs }) };
    return fail(quota ? "quota" : "rate_limited", status, health, false);
  }
  if (status === 401 || status === 403) return fail("auth", status, { kind: "auth" }, false);
  if (status === 404) return fail("not_found", status, { kind: "neutral" }, false);
  if (status === 408 || status >= 500) {
    return fail("server_error", status, { kind: "failure" }, true);
  }
  if (status === 400 && isContextLength(error)) {
    release();
    return {
      kind: "failover",
      reason: "context_length",
      status,
      health: { kind: "neutral" },
      upstreamModel,
      retryable: false,
      saved: { status, headers: scrubbedHeaders(res.headers, backend.scrub), body },
    };
  }
  release();
  return {
    kind: "return",
    upstreamModel,
    response: new Response(body, { status, headers: scrubbedHeaders(res.headers, backend.scrub) }),
  };
}

type Peek =
  | { kind: "ok"; stream: OpenStream }
  | { kind: "error"; error: StreamError }
  | { kind: "timeout" }
  | { kind: "ended" };

// Reads until the first non-comment event, so an error-only or silent
// stream can still fail over before the client has seen a byte.
async function peekFirstEvent(
  body: ReadableStream<Uint8Array>,
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
        const info = classifyEvent(ev);
        if (info.kind === "comment") {
          pending.push(ev);
          continue;
        }
        if (info.kind === "error") return { kind: "error", error: info.error };
        // The rest of this read (often the whole answer) must be relayed too.
        pending.push(...events.slice(i));
        return { kind: "ok", stream: { reader, splitter, pending } };
      }
      if (next === "ended" || next.done) return { kind: "ended" };
    }
  } finally {
    deadlines.cancel(timeout);
  }
}

function healthOfStreamError(e: StreamError, retryAfterMs: number | undefined): AttemptOutcome {
  const ra = retryAfterMs !== undefined ? { retryAfterMs } : {};
  if (e.type === "insufficient_quota" || e.code === "insufficient_quota") {
    return { kind: "quota", ...ra };
  }
  if (/rate_limit/.test(`${e.type ?? ""} ${e.code ?? ""}`)) return { kind: "rate_limited", ...ra };
  return { kind: "failure" };
}

function reasonOf(h: AttemptOutcome): AttemptReason {
  return h.kind === "quota" ? "quota" : h.kind === "rate_limited" ? "rate_limited" : "stream_error";
}

function isContextLength(e: StreamError | undefined): boolean {
  return e?.code === "context_length_exceeded" ||
    /maximum context length|context_length_exceeded/i.test(e?.message ?? "");
}

function errorOf(body: Uint8Array): StreamError | undefined {
  try {
    const json = JSON.parse(new TextDecoder().decode(body));
    const e = json?.error;
    if (typeof e !== "object" || e === null) return undefined;
    return {
      ...(typeof e.message === "string" && { message: e.message }),
      ...(typeof e.type === "string" && { type: e.type }),
      ...(typeof e.code === "string" && { code: e.code }),
    };
  } catch {
    return undefined;
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

/**
 * @module stream_relay
 * Relays a committed upstream SSE stream to the client event by event, as it
 * arrives (pull-driven, so a slow client slows the upstream read instead of
 * growing a buffer). It never lets a broken stream look finished: a cut, a
 * stall or an error event is resumed on another backend when the request
 * allows it (the continuation relayed into the same client stream), else
 * ends with an in-band error event (docs/streaming.md).
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import type { KeyScrubber } from "../key_scrubber.ts";
import type { ServedCall } from "../pricing/served_call.ts";
import type { OpenStream } from "./attempt.ts";
import type { ChatAnswer } from "./chat_answer.ts";
import type { Deadlines } from "./deadlines.ts";
import type { TransportFailure } from "./failure_classifier.ts";
import { classifyEvent, DONE_EVENT, encodeSseData, type SseEvent, type Usage } from "./sse.ts";
import type { UpstreamError } from "./upstream_error.ts";

/** How a relayed stream ended. */
export interface StreamSummary {
  outcome: "ok" | "truncated" | "stalled" | "cancelled";
  usage: Usage | undefined;
  error: string | null;
}

/** Options of {@link relayStream}. */
export interface RelayOptions {
  idleTimeoutMs: number;
  deadlines: Deadlines;
  /** Forward the usage-only chunk (the client asked for it). */
  forwardUsage: boolean;
  /**
   * Add `data: [DONE]` when the upstream finished without it. Chat and
   * completions streams end with it; Responses API streams never do, and a
   * client of those may parse every event as JSON.
   */
  addDone: boolean;
  /** Aborts the upstream request. */
  abort: () => void;
  /** Takes the backend's key out of every event before it is sent or kept. */
  scrub: KeyScrubber;
  /** The upstream call being relayed, told each event for its cost. */
  served: ServedCall;
  /** Continues a broken chat stream elsewhere; absent when the request cannot be resumed. */
  resume?: Resumer;
  onDone: (summary: StreamSummary) => void;
}

/** How a stream broke, and what its client has received. */
export interface Break {
  /** A cut (`stream_cut`) or a stall (`stall`); an error event carries `error`. */
  failure: Extract<TransportFailure, "stream_cut" | "stall"> | "stream_error";
  error?: UpstreamError;
  /** The answer's text the client has received. */
  delivered: string;
}

/** A continuation of a broken stream on another attempt. */
export interface Continuation {
  stream: OpenStream;
  abort: () => void;
  scrub: KeyScrubber;
  served: ServedCall;
}

/** Resumes broken chat streams: what was delivered, and where to continue. */
export interface Resumer {
  answer: ChatAnswer;
  /** Opens a continuation of the answer after `brk`, or null when none can be had. */
  continueAfter(brk: Break): Promise<Continuation | null>;
}

/** A byte stream for the client that relays `open` with the rules of docs/streaming.md. */
export function relayStream(open: OpenStream, opts: RelayOptions): ReadableStream<Uint8Array> {
  let { reader, splitter } = open;
  let pending: SseEvent[] = open.pending;
  let abort = opts.abort;
  let scrub = opts.scrub;
  let served = opts.served;
  const resume = opts.resume;
  const answer = resume?.answer;
  let continued = false;
  let finished = false;
  /** Usage reported by upstream calls that came before the current one (a resumed answer's). */
  let carried: Usage | undefined;
  let usage: Usage | undefined;
  let closed = false;
  let sent = 0;

  const end = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    summary: StreamSummary,
    tail?: Uint8Array,
  ) => {
    if (closed) return;
    closed = true;
    try {
      if (tail) controller.enqueue(tail);
      controller.close();
    } catch {
      // The client side is already errored or closed; the summary still counts.
    }
    opts.onDone(summary);
  };
  const errorEnd = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    code: "upstream_stream_truncated" | "upstream_stream_stalled",
    message: string,
  ) => {
    abort();
    reader.cancel().catch(() => {});
    const tail = encodeSseData({
      error: { message: scrub.text(message), type: "server_error", code },
    });
    end(controller, {
      outcome: code === "upstream_stream_stalled" ? "stalled" : "truncated",
      usage,
      error: message,
    }, tail);
  };

  /**
   * The stream broke: continue it elsewhere when the request allows it
   * (returns true, the relay goes on), else end it with the in-band error.
   */
  const broke = async (
    controller: ReadableStreamDefaultController<Uint8Array>,
    brk: Omit<Break, "delivered">,
    code: "upstream_stream_truncated" | "upstream_stream_stalled",
    message: string,
  ): Promise<boolean> => {
    if (resume && answer?.resumable) {
      abort();
      reader.cancel().catch(() => {});
      const next = await resume.continueAfter({ ...brk, delivered: answer.delivered });
      if (closed) {
        next?.abort();
        return true;
      }
      if (next) {
        ({ reader, splitter } = next.stream);
        pending = next.stream.pending;
        abort = next.abort;
        scrub = next.scrub;
        served = next.served;
        carried = usage;
        continued = true;
        answer.continuing();
        return true;
      }
    }
    errorEnd(controller, code, message);
    return false;
  };

  // Returns "end" when the stream is over, "broken" when it broke (the caller resumes or ends it).
  const forward = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    events: SseEvent[],
  ): "more" | "end" | { error: UpstreamError } => {
    for (const ev of events) {
      const info = classifyEvent(ev);
      switch (info.kind) {
        case "comment":
          // Keep-alives keep client-side idle timers honest.
          controller.enqueue(scrub.bytes(ev.raw));
          sent++;
          break;
        case "malformed":
          break;
        case "done":
          reader.cancel().catch(() => {});
          end(controller, { outcome: "ok", usage, error: null }, ev.raw);
          return "end";
        case "error":
          return { error: info.error };
        case "data": {
          if (info.usage) usage = sum(carried, info.usage);
          served.observe(info.json, info.usage);
          if (info.finished) finished = true;
          if (info.usageOnly && !opts.forwardUsage) break;
          let raw = ev.raw;
          if (continued && answer) {
            const json = answer.rewrite(info.json);
            if (json === null) break;
            if (info.usage && usage) json.usage = { ...(json.usage as object), ...counts(usage) };
            raw = encodeSseData(json);
            answer.observe(json);
          } else {
            answer?.observe(info.json);
          }
          // An event is whole here, so a key cannot be split across two searches.
          controller.enqueue(scrub.bytes(raw));
          sent++;
          break;
        }
      }
    }
    return "more";
  };

  /** Forwards `events`; true when the relay should stop reading for this pull. */
  const relay = async (
    controller: ReadableStreamDefaultController<Uint8Array>,
    events: SseEvent[],
  ): Promise<boolean> => {
    const r = forward(controller, events);
    if (r === "more") return false;
    if (r === "end") return true;
    // One error event, always Sidecar's own code, so clients need to
    // recognise a single shape; the upstream's message is kept inside.
    const message = `The upstream stream failed mid-answer: ${r.error.message ?? "unknown error"}`;
    return !(await broke(
      controller,
      { failure: "stream_error", error: r.error },
      "upstream_stream_truncated",
      message,
    ));
  };

  const finishAtEnd = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (finished) {
      end(controller, { outcome: "ok", usage, error: null }, opts.addDone ? DONE_EVENT : undefined);
      return true;
    }
    return !(await broke(
      controller,
      { failure: "stream_cut" },
      "upstream_stream_truncated",
      "The upstream stream ended before the answer finished",
    ));
  };

  const step = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    // Read until something was enqueued or the stream ended, so each pull makes progress.
    for (;;) {
      if (closed) return;
      if (pending.length > 0) {
        const first = pending;
        pending = [];
        const before = sent;
        if (await relay(controller, first) || sent !== before) return;
        continue;
      }
      const before = sent;
      let stalled = false;
      // Aborting the upstream request makes the pending read fail at once.
      const idle = opts.deadlines.after(opts.idleTimeoutMs, () => {
        stalled = true;
        abort();
      });
      let next: ReadableStreamReadResult<Uint8Array> | "broken";
      try {
        next = await reader.read();
      } catch {
        next = "broken";
      } finally {
        opts.deadlines.cancel(idle);
      }
      if (closed) return;
      if (stalled) {
        const message = `The upstream sent nothing for ${opts.idleTimeoutMs} ms`;
        if (await broke(controller, { failure: "stall" }, "upstream_stream_stalled", message)) {
          continue;
        }
        return;
      }
      if (next === "broken" || next.done) {
        if (await relay(controller, splitter.flush())) return;
        if (closed) return;
        if (await finishAtEnd(controller)) return;
        continue;
      }
      if (await relay(controller, splitter.push(next.value))) return;
      if (sent !== before) return;
    }
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        await step(controller);
      } catch {
        // A fault in Sidecar's own relaying (not the upstream's): the stream
        // still ends in band, and onDone frees the backend and records it.
        errorEnd(controller, "upstream_stream_truncated", "Sidecar failed relaying the stream");
      }
    },
    cancel() {
      // The client went away: stop the upstream and record what was delivered.
      closed = true;
      abort();
      reader.cancel().catch(() => {});
      opts.onDone({ outcome: "cancelled", usage, error: "client disconnected" });
    },
  }, { highWaterMark: 0 });
}

/** The three counts a client's usage object carries (its details stay the upstream's). */
function counts(u: Usage): Pick<Usage, "prompt_tokens" | "completion_tokens" | "total_tokens"> {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.total_tokens,
  };
}

/** Token counts of two upstream calls together. */
function sum(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b;
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

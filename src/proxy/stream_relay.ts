/**
 * @module stream_relay
 * Relays a committed upstream SSE stream to the client event by event, as it
 * arrives (pull-driven, so a slow client slows the upstream read instead of
 * growing a buffer): each event read by the upstream's API format, passed on
 * as it came when the client speaks that API, else translated. It never lets
 * a broken stream look finished: a cut, a stall or an error event is resumed
 * on another backend when the request allows it (the continuation relayed
 * into the same client stream), else ends with an in-band error event in the
 * client's API's shape (docs/streaming.md).
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import type { StreamBreak } from "../api_formats/api_format.ts";
import type { StreamTranslator } from "../api_formats/answer_translation.ts";
import type { StreamAnswer } from "../api_formats/stream_answer.ts";
import type { Json } from "../api_formats/translate/json.ts";
import type { Usage } from "../api_formats/usage.ts";
import type { Deadlines } from "./deadlines.ts";
import type { TransportFailure, UpstreamError } from "./failure_classifier.ts";
import type { ClientStream, RelayedCall } from "./relayed_call.ts";
import type { SseEvent } from "./sse.ts";

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
  client: ClientStream;
  /** Continues a broken stream elsewhere; absent when the request cannot be resumed. */
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

/** Resumes broken streams: what was delivered, and where to continue. */
export interface Resumer {
  answer: StreamAnswer;
  /** Opens a continuation of the answer after `brk`, or null when none can be had. */
  continueAfter(brk: Break): Promise<RelayedCall | null>;
}

/** A byte stream for the client that relays `first` with the rules of docs/streaming.md. */
export function relayStream(first: RelayedCall, opts: RelayOptions): ReadableStream<Uint8Array> {
  const client = opts.client;
  let { reader, splitter, read } = first.stream;
  let pending: SseEvent[] = first.stream.pending;
  let { abort, scrub, served, translator, closing } = first;
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
    ...tail: (Uint8Array | undefined)[]
  ) => {
    if (closed) return;
    closed = true;
    try {
      for (const bytes of tail) if (bytes) controller.enqueue(bytes);
      controller.close();
    } catch {
      // The client side is already errored or closed; the summary still counts.
    }
    opts.onDone(summary);
  };
  const errorEnd = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    code: StreamBreak,
    message: string,
  ) => {
    abort();
    reader.cancel().catch(() => {});
    end(controller, {
      outcome: code === "upstream_stream_stalled" ? "stalled" : "truncated",
      usage,
      error: message,
    }, client.streamError(code, scrub.text(message)));
  };

  /**
   * The stream broke: continue it elsewhere when the request allows it
   * (returns true, the relay goes on), else end it with the in-band error.
   */
  const broke = async (
    controller: ReadableStreamDefaultController<Uint8Array>,
    brk: Omit<Break, "delivered">,
    code: StreamBreak,
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
        ({ reader, splitter, read } = next.stream);
        pending = next.stream.pending;
        ({ abort, scrub, served, translator, closing } = next);
        carried = usage;
        continued = true;
        return true;
      }
    }
    errorEnd(controller, code, message);
    return false;
  };

  /** Sends events Sidecar writes itself: translated ones, and a continuation's rewritten ones. */
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, events: Json[]) => {
    for (const ev of events) {
      const json = continued && answer ? answer.rewrite(ev, usage) : ev;
      if (json === null) continue;
      answer?.observe(json);
      controller.enqueue(scrub.bytes(client.encode(json)));
      sent++;
    }
  };

  /**
   * Ends a translated stream with its last events and the client's
   * terminator; false when the translation says the answer was cut.
   */
  const finishTranslated = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    t: StreamTranslator,
  ): boolean => {
    const last = t.end();
    if (t.outcome !== "complete") return false;
    emit(controller, last);
    reader.cancel().catch(() => {});
    end(controller, { outcome: "ok", usage, error: null }, client.terminator);
    return true;
  };

  // "end" when the stream is over; "cut" or an error when it broke (the caller resumes or ends it).
  const forward = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    events: SseEvent[],
  ): "more" | "end" | "cut" | { error: UpstreamError } => {
    for (const ev of events) {
      const info = read(ev);
      switch (info.kind) {
        case "comment":
          // Keep-alives keep client-side idle timers honest.
          controller.enqueue(scrub.bytes(ev.raw));
          sent++;
          break;
        case "malformed":
          break;
        case "done":
          if (translator) {
            if (info.json) emit(controller, translator.push(info.json));
            return finishTranslated(controller, translator) ? "end" : "cut";
          }
          reader.cancel().catch(() => {});
          end(controller, { outcome: "ok", usage, error: null }, ev.raw);
          return "end";
        case "error":
          return { error: info.error };
        case "data": {
          if (info.usage) usage = sum(carried, info.usage);
          served.observe(info.json, info.usage);
          if (info.finished) finished = true;
          if (translator) {
            emit(controller, translator.push(info.json));
          } else if (info.usageOnly && !client.forwardUsage) {
            // Recorded above, not sent: the client did not ask for it.
          } else if (continued) {
            emit(controller, [info.json]);
          } else {
            answer?.observe(info.json);
            // An event is whole here, so a key cannot be split across two searches.
            controller.enqueue(scrub.bytes(ev.raw));
            sent++;
          }
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
    if (r === "cut") return !(await cut(controller));
    // One error event, always Sidecar's own, so clients need to recognise
    // a single shape; the upstream's message is kept inside.
    const message = `The upstream stream failed mid-answer: ${r.error.message ?? "unknown error"}`;
    return !(await broke(
      controller,
      { failure: "stream_error", error: r.error },
      "upstream_stream_truncated",
      message,
    ));
  };

  const cut = (controller: ReadableStreamDefaultController<Uint8Array>) =>
    broke(
      controller,
      { failure: "stream_cut" },
      "upstream_stream_truncated",
      "The upstream stream ended before the answer finished",
    );

  const finishAtEnd = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (finished) {
      if (!translator) {
        end(controller, { outcome: "ok", usage, error: null }, closing, client.terminator);
        return true;
      }
      if (finishTranslated(controller, translator)) return true;
    }
    return !(await cut(controller));
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

/** Token counts of two upstream calls together. */
function sum(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b;
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

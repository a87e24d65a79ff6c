/**
 * @module stream_relay
 * Relays a committed upstream SSE stream to the client event by event, as it
 * arrives (pull-driven, so a slow client slows the upstream read instead of
 * growing a buffer). It never lets a broken stream look finished: a cut or a
 * stall ends with an in-band error event (docs/streaming.md).
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import type { KeyScrubber } from "../key_scrubber.ts";
import type { OpenStream } from "./attempt.ts";
import type { Deadlines } from "./deadlines.ts";
import { classifyEvent, DONE_EVENT, encodeSseData, type SseEvent, type Usage } from "./sse.ts";

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
  onDone: (summary: StreamSummary) => void;
}

/** A byte stream for the client that relays `open` with the contract's rules. */
export function relayStream(open: OpenStream, opts: RelayOptions): ReadableStream<Uint8Array> {
  const { reader, splitter } = open;
  let pending: SseEvent[] = open.pending;
  let finished = false;
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
    opts.abort();
    reader.cancel().catch(() => {});
    const tail = encodeSseData({
      error: { message: opts.scrub.text(message), type: "server_error", code },
    });
    end(controller, {
      outcome: code === "upstream_stream_stalled" ? "stalled" : "truncated",
      usage,
      error: message,
    }, tail);
  };

  // Returns true when the stream is complete.
  const forward = (controller: ReadableStreamDefaultController<Uint8Array>, events: SseEvent[]) => {
    for (const ev of events) {
      const info = classifyEvent(ev);
      switch (info.kind) {
        case "comment":
          // Keep-alives keep client-side idle timers honest.
          controller.enqueue(opts.scrub.bytes(ev.raw));
          sent++;
          break;
        case "malformed":
          break;
        case "done":
          reader.cancel().catch(() => {});
          end(controller, { outcome: "ok", usage, error: null }, ev.raw);
          return true;
        case "error":
          // One error event, always Sidecar's own code, so clients need to
          // recognise a single shape; the upstream's message is kept inside.
          errorEnd(
            controller,
            "upstream_stream_truncated",
            `The upstream stream failed mid-answer: ${info.error.message ?? "unknown error"}`,
          );
          return true;
        case "data":
          if (info.usage) usage = info.usage;
          if (info.finished) finished = true;
          if (info.usageOnly && !opts.forwardUsage) break;
          // An event is whole here, so a key cannot be split across two searches.
          controller.enqueue(opts.scrub.bytes(ev.raw));
          sent++;
          break;
      }
    }
    return false;
  };

  const finishAtEnd = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (finished) {
      end(controller, { outcome: "ok", usage, error: null }, opts.addDone ? DONE_EVENT : undefined);
    } else {
      errorEnd(
        controller,
        "upstream_stream_truncated",
        "The upstream stream ended before the answer finished",
      );
    }
  };

  const step = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (pending.length > 0) {
      const first = pending;
      pending = [];
      const before = sent;
      if (forward(controller, first) || sent !== before) return;
    }
    // Read until something was enqueued or the stream ended, so each pull makes progress.
    for (;;) {
      if (closed) return;
      const before = sent;
      let stalled = false;
      // Aborting the upstream request makes the pending read fail at once.
      const idle = opts.deadlines.after(opts.idleTimeoutMs, () => {
        stalled = true;
        opts.abort();
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
        return errorEnd(
          controller,
          "upstream_stream_stalled",
          `The upstream sent nothing for ${opts.idleTimeoutMs} ms`,
        );
      }
      if (next === "broken" || next.done) {
        if (forward(controller, splitter.flush())) return;
        return finishAtEnd(controller);
      }
      if (forward(controller, splitter.push(next.value))) return;
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
      opts.abort();
      reader.cancel().catch(() => {});
      opts.onDone({ outcome: "cancelled", usage, error: "client disconnected" });
    },
  }, { highWaterMark: 0 });
}

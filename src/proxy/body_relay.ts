/**
 * @module body_relay
 * Passes a non-stream upstream body to the client as it arrives (never
 * re-serialised), keeping a bounded copy to read the usage from at the end,
 * as the upstream's API format reads it.
 */
import type { Usage } from "../api_formats/usage.ts";
import { concatBytes } from "../bytes.ts";

/** Reads the usage of a whole parsed answer (an API format's `usageOf`). */
export type UsageReader = (json: unknown) => Usage | undefined;

/** How a relayed body ended. */
export interface BodySummary {
  outcome: "ok" | "truncated" | "cancelled";
  usage: Usage | undefined;
  error: string | null;
}

/** Bodies larger than this are relayed but not parsed for usage. */
const USAGE_SCAN_LIMIT = 8 * 1024 * 1024;

/** Relays `body`, calling `onDone` once with the outcome and the usage `usageOf` reads. */
export function relayBody(
  body: ReadableStream<Uint8Array>,
  abort: () => void,
  usageOf: UsageReader,
  onDone: (summary: BodySummary) => void,
  /** Takes the backend's key out of the bytes, across chunk boundaries. */
  scrub: (chunk: Uint8Array | null) => Uint8Array = (chunk) => chunk ?? new Uint8Array(),
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let done = false;
  const finish = (s: BodySummary) => {
    if (done) return;
    done = true;
    onDone(s);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        controller.error(new Error("upstream body broken"));
        finish({
          outcome: "truncated",
          usage: undefined,
          error: "The upstream body was cut short",
        });
        return;
      }
      if (next.done) {
        const held = scrub(null);
        if (held.length > 0) controller.enqueue(held);
        controller.close();
        finish({
          outcome: "ok",
          usage: size <= USAGE_SCAN_LIMIT ? usageOfJson(concatBytes(parts), usageOf) : undefined,
          error: null,
        });
        return;
      }
      try {
        const clean = scrub(next.value);
        size += clean.length;
        if (size <= USAGE_SCAN_LIMIT) parts.push(clean);
        controller.enqueue(clean);
      } catch {
        // A fault in Sidecar's own relaying: stop, and still free the backend and record it.
        abort();
        reader.cancel().catch(() => {});
        controller.error(new Error("relay failed"));
        finish({
          outcome: "truncated",
          usage: undefined,
          error: "Sidecar failed relaying the body",
        });
      }
    },
    cancel() {
      abort();
      reader.cancel().catch(() => {});
      finish({ outcome: "cancelled", usage: undefined, error: "client disconnected" });
    },
  }, { highWaterMark: 0 });
}

const utf8 = new TextDecoder();

/** The usage a JSON response body reports, if it is JSON and reports any. */
export function usageOfJson(bytes: Uint8Array, usageOf: UsageReader): Usage | undefined {
  try {
    return usageOf(JSON.parse(utf8.decode(bytes)));
  } catch {
    return undefined;
  }
}

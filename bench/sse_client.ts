/**
 * @module Reads one streamed chat completion from a target and times every
 * chunk as it reaches the client, through `fetch` (a real client) or
 * through {@link RawHttpClient} (precise timing).
 *
 * SSE framing: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */

import type { RawHttpClient } from "./raw_http.ts";
import type { Target } from "./target.ts";

/** One content chunk as the client saw it. */
export interface ChunkTiming {
  /** The chunk's index as the mock numbered it. */
  index: number;
  /** Wall-clock ms when the mock sent it. */
  sentMs: number;
  /** Wall-clock ms when the client read it. */
  recvMs: number;
}

/** One streamed answer as the client saw it. */
export interface StreamRead {
  status: number;
  /** Request start to the first body bytes, ms. */
  ttfbMs: number;
  chunks: ChunkTiming[];
  sawDone: boolean;
  /** Why the stream does not count as a success, or null. */
  error: string | null;
}

const CONTENT = /^(\d+)@([\d.]+) $/;

/** The model name that asks the mock for `chunks` chunks `delayMs` apart. */
export function streamModel(chunks: number, delayMs: number): string {
  return `bench-s${chunks}-d${delayMs}`;
}

function streamBody(chunks: number, delayMs: number): string {
  return JSON.stringify({
    model: streamModel(chunks, delayMs),
    messages: [{ role: "user", content: "stream please" }],
    stream: true,
  });
}

/** Collects SSE events from body pieces, each stamped with when it arrived. */
class SseCollector {
  readonly read: StreamRead = {
    status: 0,
    ttfbMs: NaN,
    chunks: [],
    sawDone: false,
    error: null,
  };
  #buffer = "";
  #decoder = new TextDecoder();
  readonly #started: number;

  constructor(started: number) {
    this.#started = started;
  }

  push(bytes: Uint8Array, atMs: number): void {
    if (Number.isNaN(this.read.ttfbMs)) this.read.ttfbMs = atMs - this.#started;
    const recvMs = performance.timeOrigin + atMs;
    this.#buffer += this.#decoder.decode(bytes, { stream: true }).replaceAll(
      "\r\n",
      "\n",
    );
    let end: number;
    while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
      const event = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") {
          this.read.sawDone = true;
          continue;
        }
        const content = JSON.parse(data)?.choices?.[0]?.delta?.content;
        const m = typeof content === "string" ? CONTENT.exec(content) : null;
        if (m) {
          this.read.chunks.push({
            index: Number(m[1]),
            sentMs: Number(m[2]),
            recvMs,
          });
        }
      }
    }
  }

  finish(expectedChunks: number): StreamRead {
    const r = this.read;
    if (r.error) return r;
    if (r.status !== 200) r.error = `status ${r.status}`;
    else if (!r.sawDone) r.error = "stream ended without [DONE]";
    else if (r.chunks.length !== expectedChunks) {
      r.error = `got ${r.chunks.length} of ${expectedChunks} chunks`;
    } else if (r.chunks.some((c, i) => c.index !== i)) {
      r.error = "chunks out of order";
    }
    return r;
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Streams one answer through `fetch` and checks it arrived whole and in order. */
export async function readStream(
  target: Target,
  chunks: number,
  delayMs: number,
  timeoutMs: number,
): Promise<StreamRead> {
  const collector = new SseCollector(performance.now());
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: { ...target.headers, "content-type": "application/json" },
      body: streamBody(chunks, delayMs),
      signal: AbortSignal.timeout(timeoutMs),
    });
    collector.read.status = res.status;
    if (res.status !== 200 || !res.body) {
      collector.read.error = `status ${res.status}: ${(await res.text()).slice(0, 300)}`;
      return collector.read;
    }
    for await (const bytes of res.body) {
      collector.push(bytes, performance.now());
    }
  } catch (e) {
    collector.read.error = describe(e);
  }
  return collector.finish(chunks);
}

/** Streams one answer over a raw keep-alive connection and checks it arrived whole and in order. */
export async function readStreamRaw(
  client: RawHttpClient,
  target: Target,
  chunks: number,
  delayMs: number,
  timeoutMs: number,
): Promise<StreamRead> {
  const collector = new SseCollector(performance.now());
  try {
    const res = await client.post(
      new URL(target.url).pathname,
      { ...target.headers, "content-type": "application/json" },
      streamBody(chunks, delayMs),
      (bytes, atMs) => collector.push(bytes, atMs),
      timeoutMs,
    );
    collector.read.status = res.status;
  } catch (e) {
    collector.read.error = describe(e);
  }
  return collector.finish(chunks);
}

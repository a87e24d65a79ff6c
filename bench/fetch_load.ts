/**
 * @module A bounded fetch loop for the smoke mode: a few hundred requests,
 * each answer checked, no load generator needed.
 */

import { readStream } from "./sse_client.ts";
import { percentile } from "./stats.ts";
import type { Target } from "./target.ts";

/** Options of {@link fetchLoad}. */
export interface FetchLoadOptions {
  /** Non-stream requests to send. */
  requests: number;
  /** Streamed requests to send (5 chunks, no delay); none to a target measured without streams. */
  streams: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Per-request timeout. @default 10000 */
  timeoutMs?: number;
}

/** What a smoke pass against one target saw. */
export interface FetchLoadResult {
  requests: number;
  ok: number;
  failed: number;
  /** The first few failures, for the log. */
  failures: string[];
  p50Ms: number;
  p99Ms: number;
}

/** The checked request of a target without a body of its own. */
const BODY = JSON.stringify({
  model: "bench",
  messages: [{ role: "user", content: "hi" }],
});

async function oneCompletion(
  target: Target,
  timeoutMs: number,
): Promise<string | null> {
  const res = await fetch(target.url, {
    method: "POST",
    headers: { ...target.headers, "content-type": "application/json" },
    body: target.body ?? BODY,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (res.status !== 200) return `status ${res.status}: ${text.slice(0, 300)}`;
  const answer = JSON.parse(text);
  const content = target.messagesApi
    ? answer?.content?.[0]?.text
    : answer?.choices?.[0]?.message?.content;
  return typeof content === "string" ? null : `no message content in ${text.slice(0, 300)}`;
}

/** Sends the requests with bounded concurrency and checks every answer. */
export async function fetchLoad(
  target: Target,
  o: FetchLoadOptions,
): Promise<FetchLoadResult> {
  const timeoutMs = o.timeoutMs ?? 10000;
  const streams = target.noStreams ? 0 : o.streams;
  const total = o.requests + streams;
  // Spread the streams through the run rather than bunching them at one end.
  const every = streams > 0 ? Math.max(1, Math.floor(total / streams)) : Infinity;
  const jobs: ("plain" | "stream")[] = [];
  let streamsLeft = streams;
  for (let i = 0; i < total; i++) {
    const stream = streamsLeft > 0 &&
      (i % every === every - 1 || total - i <= streamsLeft);
    if (stream) streamsLeft--;
    jobs.push(stream ? "stream" : "plain");
  }
  const latencies: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const started = performance.now();
      let error: string | null;
      try {
        if (job === "plain") error = await oneCompletion(target, timeoutMs);
        else error = (await readStream(target, 5, 0, timeoutMs)).error;
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
      latencies.push(performance.now() - started);
      if (error !== null) {
        failed++;
        if (failures.length < 5) failures.push(`${job}: ${error}`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return {
    requests: jobs.length,
    ok: jobs.length - failed,
    failed,
    failures,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

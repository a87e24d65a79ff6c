/**
 * @module Streaming figures: time to first byte, whether chunks reach the
 * client as the upstream sent them (no buffering), and the target's peak
 * resident memory while many slow streams are open at once.
 */

import { processTree, resetPeakRss, rssOf } from "./procfs.ts";
import { RawHttpClient } from "./raw_http.ts";
import { readStreamRaw, type StreamRead } from "./sse_client.ts";
import { mean, median, percentile } from "./stats.ts";
import type { Target } from "./target.ts";

/** Time to first byte over sequential short streams, ms. */
export interface TtfbResult {
  streams: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** Measures time to first byte over `streams` sequential streams on one keep-alive connection. */
export async function probeTtfb(
  target: Target,
  streams: number,
): Promise<TtfbResult> {
  const ttfb: number[] = [];
  let failed = 0;
  const client = new RawHttpClient(target.url);
  try {
    // The first stream opens the connection and warms the path; it is not counted.
    await readStreamRaw(client, target, 3, 0, 10000);
    for (let i = 0; i < streams; i++) {
      const read = await readStreamRaw(client, target, 3, 0, 10000);
      if (read.error) failed++;
      else ttfb.push(read.ttfbMs);
    }
  } finally {
    client.close();
  }
  return {
    streams,
    failed,
    p50Ms: percentile(ttfb, 50),
    p99Ms: percentile(ttfb, 99),
    meanMs: mean(ttfb),
  };
}

/** How chunk timing at the client compares with the upstream's. */
export interface GapResult {
  streams: number;
  chunksPerStream: number;
  delayMs: number;
  failed: number;
  /** Upstream send to client read, per chunk, ms. */
  transitP50Ms: number;
  transitMaxMs: number;
  /** |client gap - upstream gap| between consecutive chunks, ms. */
  gapDeviationP50Ms: number;
  gapDeviationMaxMs: number;
  /** Chunks that reached the client more than half a delay later than the stream's median transit. */
  heldBack: number;
}

function analyse(reads: StreamRead[], delayMs: number) {
  const transit: number[] = [];
  const deviation: number[] = [];
  let heldBack = 0;
  for (const r of reads) {
    const t = r.chunks.map((c) => c.recvMs - c.sentMs);
    const typical = median(t);
    for (const x of t) if (x > typical + delayMs / 2) heldBack++;
    transit.push(...t);
    for (let i = 1; i < r.chunks.length; i++) {
      const a = r.chunks[i - 1]!;
      const b = r.chunks[i]!;
      deviation.push(Math.abs((b.recvMs - a.recvMs) - (b.sentMs - a.sentMs)));
    }
  }
  return { transit, deviation, heldBack };
}

/** Streams `streams` answers one after another and compares client gaps with upstream gaps. */
export async function probeGaps(
  target: Target,
  streams: number,
  chunks: number,
  delayMs: number,
): Promise<GapResult> {
  const reads: StreamRead[] = [];
  let failed = 0;
  const client = new RawHttpClient(target.url);
  try {
    for (let i = 0; i < streams; i++) {
      const read = await readStreamRaw(
        client,
        target,
        chunks,
        delayMs,
        chunks * delayMs + 10000,
      );
      if (read.error) failed++;
      else reads.push(read);
    }
  } finally {
    client.close();
  }
  const { transit, deviation, heldBack } = analyse(reads, delayMs);
  return {
    streams,
    chunksPerStream: chunks,
    delayMs,
    failed,
    transitP50Ms: percentile(transit, 50),
    transitMaxMs: Math.max(...transit),
    gapDeviationP50Ms: percentile(deviation, 50),
    gapDeviationMaxMs: Math.max(...deviation),
    heldBack,
  };
}

/** What many concurrent slow streams cost the target. */
export interface ConcurrentResult {
  streams: number;
  ok: number;
  failed: number;
  firstFailures: string[];
  chunksPerStream: number;
  delayMs: number;
  /** Target RSS before the streams opened, MB. */
  idleRssMb: number;
  /** Peak target RSS while they were open, MB (kernel high-water mark, else sampled). */
  peakRssMb: number;
  /** Whether the peak is the kernel's exact mark rather than 4 samples a second. */
  peakIsExact: boolean;
  wallS: number;
}

const MB = 1024 * 1024;

/** Opens `count` slow streams at once and measures the peak RSS of the target while they run. */
export async function probeConcurrent(
  target: Target,
  count: number,
  chunks: number,
  delayMs: number,
): Promise<ConcurrentResult> {
  const pids = await processTree(target.pid);
  const idle = (await rssOf(pids)).rss;
  // With the kernel's peak mark reset, VmHWM afterwards is the exact peak of this window.
  const exact = await resetPeakRss(pids);
  let sampled = idle;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sampled = Math.max(sampled, (await rssOf(pids)).rss);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const started = performance.now();
  const timeoutMs = chunks * delayMs + 30000;
  let reads: StreamRead[];
  try {
    reads = await Promise.all(Array.from({ length: count }, async () => {
      const client = new RawHttpClient(target.url);
      try {
        return await readStreamRaw(client, target, chunks, delayMs, timeoutMs);
      } finally {
        client.close();
      }
    }));
  } finally {
    sampling = false;
    await sampler;
  }
  const after = await rssOf(pids);
  const peak = Math.max(sampled, after.rss, exact ? after.peak : 0);
  const ok = reads.filter((r) => r.error === null).length;
  return {
    streams: count,
    ok,
    failed: count - ok,
    firstFailures: [
      ...new Set(reads.filter((r) => r.error).map((r) => r.error!)),
    ].slice(0, 3),
    chunksPerStream: chunks,
    delayMs,
    idleRssMb: idle / MB,
    peakRssMb: peak / MB,
    peakIsExact: exact,
    wallS: (performance.now() - started) / 1000,
  };
}

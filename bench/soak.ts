/**
 * @module Memory over a sustained run: a mixed wrk load (every 10th request
 * streamed) while the target's RSS is sampled once a second.
 */

import { treeRss } from "./child.ts";
import { median } from "./stats.ts";
import type { Target } from "./target.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

/** Options of {@link soak}. */
export interface SoakOptions {
  durationS: number;
  /** Samples before this are the warm-up and do not count. */
  warmupS: number;
  connections: number;
  body: string;
  streamBody: string;
}

/** RSS over a sustained run. */
export interface SoakResult {
  durationS: number;
  warmupS: number;
  connections: number;
  wrk: WrkResult;
  /** [seconds since start, RSS MB]. */
  samples: [number, number][];
  /** Median RSS over the first 15 s after warm-up, MB. */
  baselineMb: number;
  /** Median RSS over the last 15 s, MB. */
  endMb: number;
  /** (end - baseline) / baseline, percent. */
  growthPct: number;
  /** Largest deviation of any post-warm-up sample from the baseline, percent. */
  maxDeviationPct: number;
}

/** Runs the soak against `target`. */
export async function soak(
  target: Target,
  o: SoakOptions,
): Promise<SoakResult> {
  const samples: [number, number][] = [];
  const started = performance.now();
  const sample = async () =>
    samples.push([
      (performance.now() - started) / 1000,
      (await treeRss(target.pid)) / 2 ** 20,
    ]);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sample();
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  let wrk: WrkResult;
  try {
    wrk = await runWrk({
      url: target.url,
      headers: target.headers,
      body: o.body,
      streamBody: o.streamBody,
      streamEvery: 10,
      connections: o.connections,
      durationS: o.durationS,
    });
  } finally {
    sampling = false;
    await sampler;
  }
  await sample();
  const window = Math.min(15, Math.max(1, (o.durationS - o.warmupS) / 3));
  const after = samples.filter(([t]) => t >= o.warmupS);
  const baselineMb = median(
    after.filter(([t]) => t < o.warmupS + window).map(([, m]) => m),
  );
  const endMb = median(
    after.filter(([t]) => t >= o.durationS - window).map(([, m]) => m),
  );
  const maxDeviationPct = Math.max(
    0,
    ...after.map(([, m]) => (Math.abs(m - baselineMb) / baselineMb) * 100),
  );
  return {
    durationS: o.durationS,
    warmupS: o.warmupS,
    connections: o.connections,
    wrk,
    samples: samples.map((
      [t, m],
    ) => [Math.round(t * 10) / 10, Math.round(m * 10) / 10]),
    baselineMb,
    endMb,
    growthPct: ((endMb - baselineMb) / baselineMb) * 100,
    maxDeviationPct,
  };
}

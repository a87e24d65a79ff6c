/**
 * @module Latency distributions from wrk: the exact histogram its `done()`
 * hook can list (one bucket per microsecond), wrk's coordinated-omission
 * correction undone, percentiles, merging, and log-spaced buckets for a
 * picture.
 *
 * wrk 4 corrects its latency histogram before `done()` sees it
 * (`stats_correct` in wrk's src/stats.c): with `e` the run's mean interval
 * per connection (duration / (requests / connections), in whole µs), every
 * request that took `n ≥ 2e` adds one synthetic sample at each of `n - e`,
 * `n - 2e`, … while above `e`. So wrk's percentiles weigh a stall by its
 * length (what a client sending at a steady rate would have met), not by
 * the one request it held up. Both views are kept: wrk's own (the figures
 * the targets are checked on) and the per-request one, recovered exactly by
 * {@link uncorrect}.
 */

/** `[µs, count]` pairs, ascending by latency, no zero counts. */
export type Distribution = [number, number][];

/** Parses wrk's `v:c,v:c,…` listing (what the Lua `done()` prints). */
export function parseDistribution(text: string): Distribution {
  const out: Distribution = [];
  for (const pair of text.split(",")) {
    const colon = pair.indexOf(":");
    if (colon <= 0) continue;
    const v = Number(pair.slice(0, colon));
    const c = Number(pair.slice(colon + 1));
    if (Number.isFinite(v) && Number.isFinite(c) && c > 0) out.push([v, c]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The interval wrk's correction uses, in µs (0: none applied). */
export function wrkInterval(durationUs: number, requests: number, connections: number): number {
  const perConnection = Math.floor(requests / connections);
  return perConnection > 0 ? Math.floor(durationUs / perConnection) : 0;
}

/**
 * The per-request distribution behind a wrk-corrected one: from the top
 * down, each value's synthetic samples (those of every slower request in its
 * residue class modulo `intervalUs`) are taken off.
 */
export function uncorrect(corrected: Distribution, intervalUs: number): Distribution {
  if (intervalUs <= 0) return corrected.map(([v, c]) => [v, c]);
  /** Per residue class: the raw count of the slower values seen so far. */
  const above = new Map<number, number>();
  const out: Distribution = [];
  for (let i = corrected.length - 1; i >= 0; i--) {
    const [v, c] = corrected[i]!;
    const r = v % intervalUs;
    const synthetic = v > intervalUs ? above.get(r) ?? 0 : 0;
    const raw = Math.max(0, c - synthetic);
    if (raw > 0) {
      out.push([v, raw]);
      above.set(r, (above.get(r) ?? 0) + raw);
    }
  }
  return out.reverse();
}

/** Samples in `d`. */
export function total(d: Distribution): number {
  let n = 0;
  for (const [, c] of d) n += c;
  return n;
}

/**
 * The `p`-th percentile (0..100) in µs by nearest rank, as wrk computes its
 * own (the smallest value with at least p% of the samples at or below it).
 */
export function distPercentile(d: Distribution, p: number): number {
  const n = total(d);
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  let seen = 0;
  for (const [v, c] of d) {
    seen += c;
    if (seen >= rank) return v;
  }
  return d[d.length - 1]![0];
}

/** One distribution holding the samples of all of `ds`. */
export function mergeDistributions(ds: readonly Distribution[]): Distribution {
  const counts = new Map<number, number>();
  for (const d of ds) for (const [v, c] of d) counts.set(v, (counts.get(v) ?? 0) + c);
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}

/** A histogram bucket: latencies in `[fromUs, toUs)`. */
export interface Bucket {
  fromUs: number;
  toUs: number;
  count: number;
}

/**
 * Log-spaced buckets, `perDecade` to a factor of ten, from the decade
 * holding `d`'s fastest sample to the one holding its slowest.
 */
export function logBuckets(
  d: Distribution,
  perDecade: number,
  fromUs?: number,
  toUs?: number,
): Bucket[] {
  if (d.length === 0) return [];
  const lo = fromUs ?? 10 ** Math.floor(Math.log10(Math.max(1, d[0]![0])));
  const hi = toUs ?? 10 ** Math.ceil(Math.log10(d[d.length - 1]![0] + 1));
  const steps = Math.max(1, Math.round(perDecade * Math.log10(hi / lo)));
  const edges = Array.from({ length: steps + 1 }, (_, i) => lo * (hi / lo) ** (i / steps));
  const buckets = edges.slice(0, -1).map((from, i) => ({
    fromUs: from,
    toUs: edges[i + 1]!,
    count: 0,
  }));
  let b = 0;
  for (const [v, c] of d) {
    if (v < lo) {
      buckets[0]!.count += c;
      continue;
    }
    while (b < buckets.length - 1 && v >= buckets[b]!.toUs) b++;
    buckets[b]!.count += c;
  }
  return buckets;
}

/**
 * @module latency_dist_test
 * wrk's coordinated-omission correction undone exactly (against a copy of
 * wrk's own `stats_correct`), nearest-rank percentiles as wrk computes them,
 * merging, log buckets, and the listing `done()` prints.
 */
import assert from "node:assert/strict";
import {
  distPercentile,
  type Distribution,
  logBuckets,
  mergeDistributions,
  parseDistribution,
  total,
  uncorrect,
  wrkInterval,
} from "../../bench/latency_dist.ts";

/** wrk 4's src/stats.c `stats_correct`, on a dense histogram. */
function wrkCorrect(raw: Distribution, expected: number): Distribution {
  const max = raw[raw.length - 1]![0];
  const data = new Array<number>(max + 1).fill(0);
  for (const [v, c] of raw) data[v] = c;
  for (let n = expected * 2; n <= max; n++) {
    const count = data[n]!;
    let m = n - expected;
    while (count && m > expected) {
      data[m] = data[m]! + count;
      m -= expected;
    }
  }
  return data.flatMap((c, v) => (c > 0 ? [[v, c] as [number, number]] : []));
}

Deno.test("uncorrect() gives back the per-request histogram behind wrk's corrected one", () => {
  // Mostly fast requests, a few stalls, some in the same residue class modulo the interval.
  const raw: Distribution = [[40, 900], [45, 300], [51, 7], [120, 3], [1_003, 1], [2_100, 2], [
    5_007,
    1,
  ]];
  for (const interval of [50, 73, 100]) {
    const corrected = wrkCorrect(raw, interval);
    assert.ok(total(corrected) > total(raw), "wrk's correction adds samples");
    assert.deepEqual(uncorrect(corrected, interval), raw);
  }
});

Deno.test("uncorrect() leaves a histogram alone when wrk applied no correction", () => {
  const d: Distribution = [[10, 1], [20, 2]];
  assert.deepEqual(uncorrect(d, 0), d);
});

Deno.test("wrkInterval() is wrk's: duration over whole requests per connection, in whole µs", () => {
  assert.equal(wrkInterval(6_000_000, 18_000, 1), 333);
  assert.equal(wrkInterval(6_000_000, 100_001, 32), 1_920);
  assert.equal(wrkInterval(1_000, 10, 32), 0);
});

Deno.test("distPercentile() is nearest rank, the smallest value with p% at or below it", () => {
  const d: Distribution = [[1, 98], [50, 1], [900, 1]];
  assert.equal(distPercentile(d, 50), 1);
  assert.equal(distPercentile(d, 98), 1);
  assert.equal(distPercentile(d, 99), 50);
  assert.equal(distPercentile(d, 99.9), 900);
  assert.ok(Number.isNaN(distPercentile([], 50)));
});

Deno.test("mergeDistributions() adds counts value by value, in order", () => {
  assert.deepEqual(mergeDistributions([[[5, 1], [9, 2]], [[1, 1], [9, 3]]]), [[1, 1], [5, 1], [
    9,
    5,
  ]]);
});

Deno.test("parseDistribution() reads wrk's listing and skips what is not a pair", () => {
  assert.deepEqual(parseDistribution("40:3,38:2,junk,41:0,7:1"), [[7, 1], [38, 2], [40, 3]]);
});

Deno.test("logBuckets() spans whole decades and puts every sample in one bucket", () => {
  const d: Distribution = [[12, 5], [99, 1], [100, 2], [4_500, 1]];
  const b = logBuckets(d, 2);
  assert.equal(b[0]!.fromUs, 10);
  assert.ok(Math.abs(b[b.length - 1]!.toUs - 10_000) < 1e-6);
  assert.equal(b.length, 6);
  assert.equal(b.reduce((n, x) => n + x.count, 0), total(d));
  // 99 µs in the bucket below 100, 100 µs in the one from 100.
  const at = (us: number) => b.find((x) => us >= x.fromUs && us < x.toUs)!;
  assert.equal(at(99).count, 1);
  assert.equal(at(100).count, 2);
});

/**
 * @module format_test
 * How numbers, durations and instants read on the dashboard.
 */
import assert from "node:assert/strict";
import {
  formatAgo,
  formatBucket,
  formatBucketSize,
  formatBytes,
  formatCount,
  formatInstant,
  formatMs,
  formatPercent,
  formatRemaining,
  formatSeconds,
  formatTimeOfDay,
  plural,
} from "../../views/format.ts";

const NOW = Date.UTC(2026, 10, 27, 16, 5, 9);

Deno.test("formatCount groups small numbers and abbreviates large ones", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [999, "999"],
    [9999, "9,999"],
    [12_345, "12.3k"],
    [100_000, "100k"],
    [4_500_000, "4.5M"],
    [1_200_000_000, "1.2B"],
  ];
  for (const [n, want] of cases) assert.equal(formatCount(n), want, String(n));
});

Deno.test("formatMs picks ms, seconds or minutes", () => {
  assert.equal(formatMs(412), "412 ms");
  assert.equal(formatMs(1234), "1.23 s");
  assert.equal(formatMs(12_345), "12.3 s");
  assert.equal(formatMs(123_000), "2m 03s");
  assert.equal(formatMs(null), "—");
});

Deno.test("formatRemaining matches the countdown static/app.js ticks", () => {
  assert.equal(formatRemaining(0), "0s");
  assert.equal(formatRemaining(26_001), "27s");
  assert.equal(formatRemaining(245_000), "4m 05s");
  assert.equal(formatRemaining(3_720_000), "1h 02m");
  assert.equal(formatRemaining(3 * 86_400_000 + 4 * 3_600_000), "3d 4h");
});

Deno.test("formatSeconds, formatBytes, formatBucketSize read as a person would say them", () => {
  assert.equal(formatSeconds(5), "5 s");
  assert.equal(formatSeconds(300), "5 min");
  assert.equal(formatSeconds(3600), "60 min");
  assert.equal(formatSeconds(86_400), "24 h");
  assert.equal(formatSeconds(604_800), "7 days");
  assert.equal(formatBytes(33_554_432), "32 MiB");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBucketSize(60_000), "1 min");
  assert.equal(formatBucketSize(3 * 3_600_000), "3 h");
  assert.equal(formatBucketSize(86_400_000), "1 day");
});

Deno.test("formatPercent avoids false precision and empty divisions", () => {
  assert.equal(formatPercent(1, 1), "100%");
  assert.equal(formatPercent(19, 20), "95%");
  assert.equal(formatPercent(20, 21), "95.2%");
  assert.equal(formatPercent(0, 5), "0%");
  assert.equal(formatPercent(0, 0), "—");
});

Deno.test("instants are UTC; today's show the time only", () => {
  assert.equal(formatInstant(NOW), "2026-11-27 16:05:09");
  assert.equal(formatTimeOfDay(NOW - 60_000, NOW), "16:04:09");
  assert.equal(formatTimeOfDay(NOW - 86_400_000, NOW), "2026-11-26 16:05:09");
  assert.equal(formatBucket(NOW, 60_000), "16:05");
  assert.equal(formatBucket(NOW, 86_400_000), "11-27");
});

Deno.test("formatAgo and plural", () => {
  assert.equal(formatAgo(NOW - 2000, NOW), "just now");
  assert.equal(formatAgo(NOW - 42_000, NOW), "42s ago");
  assert.equal(formatAgo(NOW - 5 * 60_000, NOW), "5 min ago");
  assert.equal(formatAgo(NOW - 3 * 3_600_000, NOW), "3 h ago");
  assert.equal(formatAgo(NOW - 3 * 86_400_000, NOW), "3 days ago");
  assert.equal(plural(1, "error"), "1 error");
  assert.equal(plural(12_000, "token"), "12k tokens");
});

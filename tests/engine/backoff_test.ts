/**
 * @module backoff_test
 * Full-jitter backoff with injected randomness.
 */

import assert from "node:assert/strict";
import { jitteredBackoffMs } from "../../src/engine/backoff.ts";

const one = () => 0.999_999;
const half = () => 0.5;
const zero = () => 0;

Deno.test("jitteredBackoffMs() doubles its ceiling per retry up to the cap", () => {
  const want = [50, 100, 200, 400, 800, 1_000, 1_000, 1_000];
  want.forEach((w, retry) => assert.equal(jitteredBackoffMs(retry, half), w, `retry ${retry}`));
});

Deno.test("jitteredBackoffMs() stays within [0, ceiling)", () => {
  assert.equal(jitteredBackoffMs(3, zero), 0);
  const high = jitteredBackoffMs(3, one);
  assert.ok(high < 800 && high > 799, String(high));
  assert.ok(jitteredBackoffMs(50, one) < 2_000);
});

Deno.test("jitteredBackoffMs() honours custom base and cap", () => {
  assert.equal(jitteredBackoffMs(0, half, 250, 10_000), 125);
  assert.equal(jitteredBackoffMs(2, half, 250, 10_000), 500);
  assert.equal(jitteredBackoffMs(10, half, 250, 10_000), 5_000);
});

Deno.test("jitteredBackoffMs() treats a negative retry as the first", () => {
  assert.equal(jitteredBackoffMs(-2, half), 50);
});

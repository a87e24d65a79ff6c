/**
 * @module token_bucket_test
 * TokenBucket at fixed instants, including a clock that jumps backwards.
 */

import assert from "node:assert/strict";
import { TokenBucket } from "../../src/engine/token_bucket.ts";

const T0 = 1_700_000_000_000;

Deno.test("TokenBucket starts full", () => {
  const b = new TokenBucket(10, 1, T0);
  assert.equal(b.available(T0), 10);
  assert.equal(b.capacity, 10);
  assert.equal(b.refillPerSecond, 1);
});

Deno.test("TokenBucket.tryTake() takes until empty, then refuses without taking", () => {
  const b = new TokenBucket(3, 1, T0);
  assert.equal(b.tryTake(T0), true);
  assert.equal(b.tryTake(T0, 2), true);
  assert.equal(b.tryTake(T0), false);
  assert.equal(b.available(T0), 0);
});

Deno.test("TokenBucket.tryTake() refuses n above available and takes nothing", () => {
  const b = new TokenBucket(5, 1, T0);
  assert.equal(b.tryTake(T0, 6), false);
  assert.equal(b.available(T0), 5);
});

Deno.test("TokenBucket.available() refills lazily, capped at capacity", () => {
  // rpm 60: capacity 60, one token a second.
  const b = new TokenBucket(60, 1, T0);
  assert.equal(b.tryTake(T0, 60), true);
  const table: [number, number][] = [
    [0, 0],
    [500, 0.5],
    [1_000, 1],
    [30_000, 30],
    [60_000, 60],
    [3_600_000, 60],
  ];
  for (const [dt, want] of table) assert.equal(b.available(T0 + dt), want, `at +${dt} ms`);
});

Deno.test("TokenBucket.available() does not change state", () => {
  const b = new TokenBucket(2, 1, T0);
  b.tryTake(T0, 2);
  b.available(T0 + 1_000);
  b.available(T0 + 500);
  assert.equal(b.available(T0 + 2_000), 2);
});

Deno.test("TokenBucket refills nothing when the clock goes backwards", () => {
  const b = new TokenBucket(10, 1, T0);
  assert.equal(b.tryTake(T0 + 5_000, 10), true);
  assert.equal(b.available(T0), 0);
  assert.equal(b.tryTake(T0 - 60_000), false);
  assert.equal(b.available(T0 + 5_000), 0);
});

Deno.test("TokenBucket does not move the refill point back, so a forward jump is not counted twice", () => {
  const b = new TokenBucket(10, 1, T0);
  assert.equal(b.tryTake(T0, 10), true);
  // The clock steps back 5 s; a take there must not rewind the reference point.
  assert.equal(b.tryTake(T0 - 5_000), false);
  // Back to T0 + 2 s: only the 2 s past T0 count, not 7.
  assert.equal(b.available(T0 + 2_000), 2);
});

Deno.test("TokenBucket.charge() may go negative and refill pays the debt back", () => {
  // tpm 6000: 100 tokens a second.
  const b = new TokenBucket(6_000, 100, T0);
  b.charge(T0, 8_000);
  const table: [number, number][] = [
    [0, -2_000],
    [10_000, -1_000],
    [20_000, 0],
    [30_000, 1_000],
    [120_000, 6_000],
  ];
  for (const [dt, want] of table) assert.equal(b.available(T0 + dt), want, `at +${dt} ms`);
  assert.equal(b.tryTake(T0 + 10_000), false);
});

Deno.test("TokenBucket.msUntil() is 0 when available, else the time to refill", () => {
  const b = new TokenBucket(10, 2, T0);
  assert.equal(b.msUntil(T0), 0);
  b.tryTake(T0, 10);
  const table: [number, number, number][] = [
    // [now offset, n, want]
    [0, 1, 500],
    [0, 3, 1_500],
    [250, 1, 250],
    [500, 1, 0],
    [0, 10, 5_000],
  ];
  for (const [dt, n, want] of table) assert.equal(b.msUntil(T0 + dt, n), want, `+${dt} n=${n}`);
});

Deno.test("TokenBucket.msUntil() rounds up so waiting that long is enough", () => {
  const b = new TokenBucket(1, 3, T0);
  b.tryTake(T0);
  const wait = b.msUntil(T0);
  assert.equal(wait, 334);
  assert.equal(b.tryTake(T0 + wait), true);
});

Deno.test("TokenBucket.msUntil() is Infinity with no refill or n above capacity", () => {
  const still = new TokenBucket(1, 0, T0);
  still.tryTake(T0);
  assert.equal(still.msUntil(T0), Infinity);
  assert.equal(new TokenBucket(5, 1, T0).msUntil(T0, 6), Infinity);
});

Deno.test("TokenBucket.reconfigure() clamps tokens to a smaller capacity", () => {
  const b = new TokenBucket(100, 1, T0);
  b.reconfigure(10, 0.5, T0 + 1_000);
  assert.equal(b.available(T0 + 1_000), 10);
  assert.equal(b.capacity, 10);
  b.tryTake(T0 + 1_000, 10);
  assert.equal(b.available(T0 + 3_000), 1);
});

Deno.test("TokenBucket.reconfigure() keeps tokens (and debt) when capacity grows", () => {
  const b = new TokenBucket(10, 1, T0);
  b.charge(T0, 15);
  b.reconfigure(100, 10, T0 + 2_000);
  // -5 + 2 s at the old rate = -3, then 10 a second.
  assert.equal(b.available(T0 + 2_000), -3);
  assert.equal(b.available(T0 + 3_000), 7);
});

Deno.test("TokenBucket rejects a negative or non-finite capacity or rate", () => {
  assert.throws(() => new TokenBucket(-1, 1, T0), RangeError);
  assert.throws(() => new TokenBucket(1, Number.NaN, T0), RangeError);
  assert.throws(() => new TokenBucket(1, 1, T0).reconfigure(Infinity, 1, T0), RangeError);
});

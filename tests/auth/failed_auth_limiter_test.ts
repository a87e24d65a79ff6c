/**
 * @module failed_auth_limiter_test
 * FailedAuthLimiter as a table of fixed instants: the sliding window, failures
 * while limited not counted, eviction beyond maxClients (persisted too), a
 * clock that jumps backwards, and state handed back after a restart.
 */
import assert from "node:assert/strict";
import { FailedAuthLimiter } from "../../src/auth/failed_auth_limiter.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

Deno.test("FailedAuthLimiter.fail() allows maxFailures a window, then limits until the oldest leaves it", () => {
  const l = new FailedAuthLimiter({ maxFailures: 3, windowMs: 60_000 });
  for (let i = 0; i < 3; i++) assert.equal(l.fail("ip", T0 + i * 1000), 0, `failure ${i + 1}`);
  assert.equal(l.retryAfterMs("ip", T0 + 3000), 57_000);
  assert.equal(
    l.fail("ip", T0 + 3000),
    57_000,
    "a failure while limited is answered with the wait",
  );
  assert.equal(l.retryAfterMs("other", T0 + 3000), 0, "per client");
  assert.equal(l.retryAfterMs("ip", T0 + 60_000), 0, "the first failure left the window");
  assert.equal(l.fail("ip", T0 + 60_000), 0);
  assert.equal(l.retryAfterMs("ip", T0 + 60_000), 1000, "failures while limited were not counted");
});

Deno.test("FailedAuthLimiter forgets the least recently failed client beyond maxClients, in its log too", () => {
  const removed: string[] = [];
  const saved: string[] = [];
  const l = new FailedAuthLimiter({
    maxFailures: 1,
    maxClients: 2,
    log: { save: (c) => saved.push(c), remove: (c) => removed.push(c) },
  });
  for (const c of ["a", "b", "c"]) l.fail(c, T0);
  assert.equal(l.retryAfterMs("a", T0), 0);
  assert.ok(l.retryAfterMs("c", T0) > 0);
  assert.equal(l.size, 2);
  assert.deepEqual(saved, ["a", "b", "c"]);
  assert.deepEqual(removed, ["a"]);
});

Deno.test("FailedAuthLimiter ignores a clock that jumps backwards", () => {
  const l = new FailedAuthLimiter({ maxFailures: 1 });
  l.fail("ip", T0);
  assert.equal(l.retryAfterMs("ip", T0 - 120_000), 0);
});

Deno.test("FailedAuthLimiter starts from the state it is given", () => {
  const l = new FailedAuthLimiter({ maxFailures: 2 }, [["ip", [T0, T0 + 1000]]]);
  assert.equal(l.retryAfterMs("ip", T0 + 2000), 58_000);
});

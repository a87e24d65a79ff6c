/**
 * @module in_process_state_test
 * The in-process shared state: nothing goes out or comes in, every probe
 * claim is granted at once, buckets are plain token buckets, slots count.
 */
import assert from "node:assert/strict";
import { InProcessState } from "../../src/state/in_process_state.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

Deno.test("InProcessState.claimProbe() grants every claim synchronously", () => {
  const s = new InProcessState();
  assert.equal(s.mode, "in_process");
  assert.equal(s.claimProbe({ backendId: "a" }, T0), true);
  assert.equal(s.claimProbe({ backendId: "a", model: "gpt-4o" }, T0), true);
});

Deno.test("InProcessState.attach() never calls back or asks, publish() goes nowhere, no shared cooldowns", async () => {
  const s = new InProcessState();
  let asked = 0;
  await s.attach({
    onChange: () => asked++,
    liveScopes: () => (asked++, []),
    probeTimeoutMs: () => (asked++, 1),
  });
  s.publish({ kind: "clear", backendId: "a", at: T0 });
  assert.equal(asked, 0);
  assert.deepEqual(await s.sharedCooldowns(), []);
});

Deno.test("InProcessState.bucket() is a full token bucket with time as an argument", () => {
  const b = new InProcessState().bucket({ owner: "backend", id: "a", limit: "rpm" }, 2, 1, T0);
  assert.equal(b.tryTake(T0), true);
  assert.equal(b.tryTake(T0), true);
  assert.equal(b.tryTake(T0), false);
  assert.equal(b.msUntil(T0), 1000);
  assert.equal(b.tryTake(T0 + 1000), true);
});

Deno.test("InProcessState.slots() counts acquires and releases per backend", () => {
  const s = new InProcessState();
  const a = s.slots({ owner: "backend", id: "a" });
  const b = s.slots({ owner: "backend", id: "b" });
  a.acquire();
  a.acquire();
  b.acquire();
  a.release();
  assert.equal(a.count, 1);
  assert.equal(b.count, 1);
  assert.equal(a.clusterCount, 1);
});

Deno.test("InProcessState.slots().tryAcquire() takes a slot only below the limit", () => {
  const k = new InProcessState().slots({ owner: "key", id: "k" });
  assert.equal(k.tryAcquire(2), true);
  assert.equal(k.tryAcquire(2), true);
  assert.equal(k.tryAcquire(2), false);
  assert.equal(k.count, 2);
  k.release();
  assert.equal(k.tryAcquire(2), true);
  assert.equal(k.count, 2);
});

Deno.test("InProcessState.clusterStatus() is in_process, checked or not", async () => {
  const s = new InProcessState();
  assert.deepEqual(s.clusterStatus(), { state: "in_process" });
  assert.deepEqual(await s.checkClusterStatus(), { state: "in_process" });
});

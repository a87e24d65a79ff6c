/**
 * @module request_id_test
 * Request ids: the `req_` + 32 hex shape, time order, and uniqueness within
 * one millisecond.
 */
import assert from "node:assert/strict";
import { newRequestId } from "../../src/proxy/request_id.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

Deno.test("newRequestId() is req_ + 12 hex of epoch ms + 20 random hex", () => {
  const id = newRequestId(T0);
  assert.match(id, /^req_[0-9a-f]{32}$/);
  assert.equal(parseInt(id.slice(4, 16), 16), T0);
});

Deno.test("newRequestId() sorts by time, and ids of one millisecond differ", () => {
  const ids = [T0 + 5, T0, T0 + 1_000_000, T0 + 1].map(newRequestId);
  assert.deepEqual([...ids].sort(), [ids[1], ids[3], ids[0], ids[2]]);
  const same = new Set(Array.from({ length: 1000 }, () => newRequestId(T0)));
  assert.equal(same.size, 1000);
});

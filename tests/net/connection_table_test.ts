/**
 * @module connection_table_test
 * ConnectionTable: admission at the cap (evict the longest idle, else shed),
 * header and idle expiry as tables of instants, and which requests count as
 * waiting for their response to start.
 */
import assert from "node:assert/strict";
import { type Connection, ConnectionTable } from "../../src/net/connection_table.ts";

const LIMITS = { maxConnections: 3, headerTimeoutMs: 1_000, idleTimeoutMs: 5_000 };
const T0 = 10_000;

function table(limits = LIMITS) {
  const t = new ConnectionTable(limits);
  const closed: Connection[] = [];
  const add = (at: number) => {
    const c: Connection = t.add(at, { hostname: "127.0.0.1", port: at }, () => closed.push(c));
    return c;
  };
  return { t, add, closed };
}

/** One request received at `at` and fully answered at `sentAt` (if given). */
function served(c: Connection, at: number, sentAt?: number): void {
  c.requests++;
  c.inFlight++;
  c.awaiting++;
  c.awaitingSince = at;
  if (sentAt !== undefined) {
    c.awaiting--;
    c.inFlight--;
    c.lastActive = sentAt;
  }
}

Deno.test("ConnectionTable.admit() admits below the cap", () => {
  const { t, add } = table();
  add(T0);
  add(T0);
  assert.deepEqual(t.admit(), { kind: "admit" });
});

Deno.test("ConnectionTable.admit() at the cap evicts the longest-idle connection with nothing in flight", () => {
  const { t, add } = table();
  const busy = add(T0);
  served(busy, T0);
  const recent = add(T0 + 50);
  served(recent, T0 + 60, T0 + 900);
  const silent = add(T0 + 100); // never sent a request: idle since accepted
  const a = t.admit();
  assert.equal(a.kind, "evict");
  assert.equal(a.kind === "evict" && a.victim, silent);
});

Deno.test("ConnectionTable.admit() sheds when every connection has a request in flight", () => {
  const { t, add } = table();
  for (let i = 0; i < 3; i++) served(add(T0), T0);
  assert.deepEqual(t.admit(), { kind: "shed" });
});

Deno.test("ConnectionTable.expired() closes header-less connections after the header timeout", () => {
  const { t, add } = table({ ...LIMITS, maxConnections: 100 });
  const c = add(T0);
  for (
    const [now, expect] of [[T0, false], [T0 + 999, false], [T0 + 1_000, true], [
      T0 - 5,
      false,
    ]] as const
  ) {
    assert.equal(t.expired(now).includes(c), expect, `at +${now - T0}`);
  }
});

Deno.test("ConnectionTable.expired() closes idle keep-alive connections after the idle timeout since the last response", () => {
  const { t, add } = table({ ...LIMITS, maxConnections: 100 });
  const c = add(T0);
  served(c, T0 + 10, T0 + 2_000);
  for (
    const [now, expect] of [
      [T0 + 1_500, false], // past the header timeout, but it sent a request
      [T0 + 6_999, false],
      [T0 + 7_000, true],
    ] as const
  ) {
    assert.equal(t.expired(now).includes(c), expect, `at +${now - T0}`);
  }
});

Deno.test("ConnectionTable.expired() never closes a connection with a request in flight, however long", () => {
  const { t, add } = table({ ...LIMITS, maxConnections: 100 });
  const c = add(T0);
  served(c, T0 + 10); // a stream still being sent
  c.awaiting = 0; // its response has started
  assert.deepEqual(t.expired(T0 + 3_600_000), []);
});

Deno.test("ConnectionTable.waiting() lists connections whose request has waited at least ms for its response to start", () => {
  const { t, add } = table({ ...LIMITS, maxConnections: 100 });
  const waiting = add(T0);
  served(waiting, T0 + 100);
  const answered = add(T0);
  served(answered, T0 + 100);
  answered.awaiting = 0; // streaming its answer
  const done = add(T0);
  served(done, T0 + 100, T0 + 200);
  assert.deepEqual(t.waiting(T0 + 1_099, 1_000), []);
  assert.deepEqual(t.waiting(T0 + 1_100, 1_000), [waiting]);
});

Deno.test("ConnectionTable.delete() frees a place", () => {
  const { t, add } = table();
  const cs = [add(T0), add(T0), add(T0)];
  for (const c of cs) served(c, T0);
  t.delete(cs[0]!);
  assert.equal(t.size, 2);
  assert.deepEqual(t.admit(), { kind: "admit" });
  assert.deepEqual(t.all(), cs.slice(1));
});

/**
 * @module write_queue_test
 * WriteQueue batching: nothing written before a flush, one transaction per
 * batch, flush on a full batch and on close, failed batches reported.
 */
import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/store/database.ts";
import { createStore } from "../../src/store/store.ts";
import { WriteQueue } from "../../src/store/write_queue.ts";
import { tempStore } from "./temp_store.ts";

/** Long enough that the timer never fires during a test. */
const NEVER = 3_600_000;

function count(db: DatabaseSync): number {
  return Number((db.prepare("SELECT COUNT(*) AS n FROM meta").get() as { n: number }).n);
}

function putter(db: DatabaseSync) {
  const put = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  return (key: string) => () => void put.run(key, "v");
}

Deno.test("WriteQueue.enqueue() writes nothing until flush(), which writes the whole batch", () => {
  using t = tempStore();
  const db = t.store.db;
  const q = new WriteQueue(db, { intervalMs: NEVER, maxBatch: 1000 });
  const put = putter(db);
  const before = count(db);
  for (let i = 0; i < 50; i++) q.enqueue(put(`k${i}`));
  assert.equal(q.pending, 50);
  assert.equal(count(db), before);
  q.flush();
  assert.equal(q.pending, 0);
  assert.equal(count(db), before + 50);
});

Deno.test("WriteQueue.flush() runs the batch inside one transaction", () => {
  using t = tempStore();
  const db = t.store.db;
  const q = new WriteQueue(db, { intervalMs: NEVER });
  const seen: boolean[] = [];
  for (let i = 0; i < 5; i++) q.enqueue(() => seen.push(db.isTransaction));
  assert.deepEqual(seen, []);
  q.flush();
  assert.deepEqual(seen, [true, true, true, true, true]);
  assert.equal(db.isTransaction, false);
});

Deno.test("WriteQueue.flush() on an empty queue does nothing", () => {
  using t = tempStore();
  let errors = 0;
  const q = new WriteQueue(t.store.db, { onError: () => errors++ });
  q.flush();
  assert.equal(q.pending, 0);
  assert.equal(errors, 0);
});

Deno.test("WriteQueue.enqueue() flushes at once when maxBatch writes are queued", () => {
  using t = tempStore();
  const db = t.store.db;
  const q = new WriteQueue(db, { intervalMs: NEVER, maxBatch: 10 });
  const put = putter(db);
  const before = count(db);
  for (let i = 0; i < 9; i++) q.enqueue(put(`k${i}`));
  assert.equal(count(db), before);
  q.enqueue(put("k9"));
  assert.equal(q.pending, 0);
  assert.equal(count(db), before + 10);
  q.enqueue(put("k10"));
  assert.equal(q.pending, 1);
  q.close();
});

Deno.test("WriteQueue flushes by itself after intervalMs", async () => {
  using t = tempStore();
  const db = t.store.db;
  const q = new WriteQueue(db, { intervalMs: 1 });
  const put = putter(db);
  const before = count(db);
  q.enqueue(put("a"));
  q.enqueue(put("b"));
  for (let i = 0; i < 200 && q.pending > 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(q.pending, 0);
  assert.equal(count(db), before + 2);
});

Deno.test("WriteQueue.close() flushes pending writes; later writes go straight through", () => {
  using t = tempStore();
  const db = t.store.db;
  const q = new WriteQueue(db, { intervalMs: NEVER });
  const put = putter(db);
  const before = count(db);
  q.enqueue(put("a"));
  q.enqueue(put("b"));
  q.close();
  assert.equal(count(db), before + 2);
  q.enqueue(put("c"));
  assert.equal(q.pending, 0);
  assert.equal(count(db), before + 3);
});

Deno.test("Store.close() flushes the write queue before closing the file", () => {
  using t = tempStore({ intervalMs: NEVER });
  t.store.writes.enqueue(() => t.store.meta.put("late", "yes"));
  t.store.close();
  const reopened = createStore(openDatabase(t.path));
  try {
    assert.equal(reopened.meta.get("late"), "yes");
  } finally {
    reopened.close();
  }
});

Deno.test("WriteQueue: a failing batch calls onError with its size, rolls back, and does not throw", () => {
  using t = tempStore();
  const db = t.store.db;
  const failures: { err: unknown; dropped: number }[] = [];
  const q = new WriteQueue(db, {
    intervalMs: NEVER,
    onError: (err, dropped) => failures.push({ err, dropped }),
  });
  const put = putter(db);
  const before = count(db);
  q.enqueue(put("a"));
  q.enqueue(put("a")); // duplicate primary key: the batch fails
  q.enqueue(put("b"));
  q.flush(); // must not throw
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.dropped, 3);
  assert.match(String(failures[0]!.err), /UNIQUE/);
  assert.equal(count(db), before, "the whole batch is rolled back");
  assert.equal(q.pending, 0, "a failed batch is dropped, not retried");
  assert.equal(db.isTransaction, false);

  q.enqueue(put("c"));
  q.flush();
  assert.equal(count(db), before + 1, "the queue keeps working after a failure");
});

Deno.test("WriteQueue: a write throwing after close() is reported, not thrown", () => {
  using t = tempStore();
  const failures: number[] = [];
  const q = new WriteQueue(t.store.db, { onError: (_e, n) => failures.push(n) });
  q.close();
  q.enqueue(() => {
    throw new Error("disk full");
  });
  assert.deepEqual(failures, [1]);
});

Deno.test("WriteQueue.commit() writes the batch, and throws (after reporting) when it cannot", () => {
  using t = tempStore();
  const db = t.store.db;
  const failures: number[] = [];
  const q = new WriteQueue(db, { intervalMs: NEVER, onError: (_e, n) => failures.push(n) });
  const put = putter(db);
  const before = count(db);
  q.enqueue(put("a"));
  q.commit();
  assert.equal(count(db), before + 1);
  q.commit(); // nothing queued: nothing to do
  q.enqueue(put("a"));
  assert.throws(() => q.commit(), /Could not write 1 change/);
  assert.deepEqual(failures, [1]);
  assert.equal(q.pending, 0);
});

/**
 * @module request_writer_test
 * The request writer on a real SQLite file and a real worker thread: records
 * reach the table once flushed (and not before), a full batch is taken at
 * once, the thread takes them on its own timer too, a full ring waits for
 * the thread (wrapping around it many times), long records and any UTF-8
 * cross intact, a key's spend is stored once a batch, purge runs on the
 * thread, a failed batch is reported and the
 * writer goes on, close() flushes, and records for an in-memory database are
 * reported as dropped.
 */
import assert from "node:assert/strict";
import { openDatabase } from "../../src/store/database.ts";
import type { RequestEntry } from "../../src/store/request_repo.ts";
import { RequestWriter } from "../../src/store/request_writer.ts";
import { tempStore } from "./temp_store.ts";
import { requestEntry } from "../helpers/request_entry.ts";

/** Long enough that the batch timer never fires during a test. */
const NEVER = 3_600_000;
const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

function entry(id: string, ts = T0): RequestEntry {
  return requestEntry({
    id,
    ts,
    attempts: [{ backend_id: "b1", status: 200, reason: "ok", ms: 4 }],
    prompt_tokens: 3,
    completion_tokens: 4,
    total_tokens: 7,
  });
}

function ids(t: ReturnType<typeof tempStore>): string[] {
  return t.store.requests.list(100).map((r) => r.id).sort();
}

Deno.test("RequestWriter: records are written by the thread and visible after flush()", () => {
  using t = tempStore();
  const w = new RequestWriter(t.path, { intervalMs: NEVER });
  try {
    w.add(entry("r1"));
    w.add(entry("r2"));
    assert.deepEqual(ids(t), [], "written before the batch was posted");
    w.flush();
    assert.deepEqual(ids(t), ["r1", "r2"]);
    const [row] = t.store.requests.list(1);
    assert.equal(row?.total_tokens, 7);
    assert.deepEqual(row?.attempts, [{ backend_id: "b1", status: 200, reason: "ok", ms: 4 }]);
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter.addSpend(): the thread stores the latest spend of each key and period in a batch, beside the records", () => {
  using t = tempStore();
  const w = new RequestWriter(t.path, { intervalMs: NEVER });
  const spend = () =>
    t.store.keySpend.loadAll().sort((a, b) =>
      a.key_id.localeCompare(b.key_id) || a.period_start - b.period_start
    );
  try {
    w.add(entry("r1"));
    w.addSpend({ key_id: "k1", period: "month", period_start: T0, spend_usd: 1 });
    w.addSpend({ key_id: "k2", period: "day", period_start: T0, spend_usd: 0.25 });
    w.addSpend({ key_id: "k1", period: "month", period_start: T0, spend_usd: 2.5 });
    w.add(entry("r2"));
    assert.deepEqual(spend(), [], "stored before the batch was taken");
    w.flush();
    assert.deepEqual(ids(t), ["r1", "r2"]);
    assert.deepEqual(spend(), [
      { key_id: "k1", period: "month", period_start: T0, spend_usd: 2.5 },
      { key_id: "k2", period: "day", period_start: T0, spend_usd: 0.25 },
    ]);
    // A later batch replaces the period's row; another period gets its own.
    w.addSpend({ key_id: "k1", period: "month", period_start: T0, spend_usd: 3 });
    w.addSpend({ key_id: "k1", period: "month", period_start: T0 + 1, spend_usd: 0.5 });
    w.flush();
    assert.deepEqual(spend().map((r) => [r.key_id, r.period_start, r.spend_usd]), [
      ["k1", T0, 3],
      ["k1", T0 + 1, 0.5],
      ["k2", T0, 0.25],
    ]);
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter.addSpend() alone reaches the table within an interval, and close() stores what is pending", async () => {
  using t = tempStore();
  const w = new RequestWriter(t.path, { intervalMs: 20 });
  try {
    w.addSpend({ key_id: "k1", period: "day", period_start: T0, spend_usd: 0.5 });
    // No flush() and no record: the spend's own timer must put it in the ring.
    for (let i = 0; i < 200 && t.store.keySpend.loadAll().length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(t.store.keySpend.loadAll().map((r) => r.spend_usd), [0.5]);
    w.addSpend({ key_id: "k1", period: "day", period_start: T0, spend_usd: 0.75 });
  } finally {
    w.close();
  }
  assert.deepEqual(t.store.keySpend.loadAll().map((r) => r.spend_usd), [0.75]);
});

Deno.test("RequestWriter posts a full batch at once, without waiting for its timer", async () => {
  using t = tempStore();
  const w = new RequestWriter(t.path, { intervalMs: NEVER, maxBatch: 3 });
  try {
    for (const id of ["a", "b", "c"]) w.add(entry(id));
    // No flush(): the batch must arrive on its own.
    for (let i = 0; i < 200 && ids(t).length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(ids(t), ["a", "b", "c"]);
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter waits for a thread that falls behind instead of queueing without bound", () => {
  using t = tempStore();
  // A ring of 1 KiB holds two or three records; the thread is never asked until it is full.
  const w = new RequestWriter(t.path, { intervalMs: NEVER, ringBytes: 1024 });
  try {
    let worst = 0;
    for (let i = 0; i < 60; i++) {
      w.add(entry(`r${String(i).padStart(2, "0")}`));
      worst = Math.max(worst, w.backlog);
    }
    assert.ok(worst > 0 && worst <= 1024, `${worst} bytes waited in the ring`);
    w.flush();
    assert.equal(w.backlog, 0);
    assert.equal(ids(t).length, 60, "a record was dropped");
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter's thread takes the records on its own timer", async () => {
  using t = tempStore();
  const w = new RequestWriter(t.path, { intervalMs: 20 });
  try {
    w.add(entry("r1"));
    w.add(entry("r2"));
    // No flush(): the thread's timer must find them.
    for (let i = 0; i < 200 && ids(t).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(ids(t), ["r1", "r2"]);
    assert.equal(w.backlog, 0);
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter carries records whose JSON is longer than its scratch buffer, and any UTF-8", () => {
  using t = tempStore();
  const w = new RequestWriter(t.path, { intervalMs: NEVER, ringBytes: 256 * 1024 });
  try {
    const long = requestEntry({ id: "long", ts: T0, error: "é€😀".repeat(10_000) });
    w.add(long);
    w.add(entry("after"));
    w.flush();
    assert.deepEqual(ids(t), ["after", "long"]);
    const row = t.store.requests.list(10).find((r) => r.id === "long");
    assert.equal(row?.error, long.error);
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter.purge() deletes older records on the thread", () => {
  using t = tempStore();
  const w = new RequestWriter(t.path, { intervalMs: NEVER });
  try {
    w.add(entry("old", T0 - 10_000));
    w.add(entry("new", T0));
    w.purge(T0 - 1);
    w.flush();
    assert.deepEqual(ids(t), ["new"]);
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter reports a failed batch with its size and keeps writing", async () => {
  using t = tempStore();
  const failures: { message: string; dropped: number }[] = [];
  const w = new RequestWriter(t.path, {
    intervalMs: NEVER,
    onError: (message, dropped) => failures.push({ message, dropped }),
  });
  try {
    w.add(entry("dup"));
    w.flush();
    w.add(entry("other"));
    w.add(entry("dup")); // primary key clash: the whole batch rolls back
    w.flush();
    w.add(entry("later"));
    w.flush();
    assert.deepEqual(ids(t), ["dup", "later"]);
    // The report travels back as a message, after the rows above were committed.
    for (let i = 0; i < 200 && failures.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.dropped, 2);
    assert.match(failures[0]?.message ?? "", /UNIQUE/);
  } finally {
    w.close();
  }
});

Deno.test("RequestWriter.close() flushes what is pending; later records are reported", () => {
  using t = tempStore();
  const dropped: number[] = [];
  const w = new RequestWriter(t.path, { intervalMs: NEVER, onError: (_, n) => dropped.push(n) });
  w.add(entry("r1"));
  w.close();
  assert.deepEqual(ids(t), ["r1"]);
  w.add(entry("r2"));
  assert.deepEqual(dropped, [1]);
});

Deno.test("RequestWriter reports records for an in-memory database as dropped, never throws", () => {
  const db = openDatabase(":memory:");
  const dropped: { message: string; n: number }[] = [];
  try {
    const w = new RequestWriter(db.location(), {
      intervalMs: NEVER,
      onError: (message, n) => dropped.push({ message, n }),
    });
    w.add(entry("r1"));
    w.add(entry("r2"));
    w.purge(T0);
    w.checkpoint();
    w.flush();
    w.close();
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]?.n, 2);
    assert.match(dropped[0]?.message ?? "", /database file/);
  } finally {
    db.close();
  }
});

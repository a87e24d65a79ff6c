/**
 * @module request_writer_worker
 * The request writer's thread: its own SQLite connection, one transaction
 * per batch of request records and key spend taken from the shared ring (on
 * its own timer, or when asked), purges of old records, and the WAL
 * checkpoints (the WAL is mostly these records; copying it into the file
 * must not stall the event loop either). Messages are handled in order, each after taking the
 * records written before it, and each one's sequence number is published
 * when it is done, so a number seen by the main thread means everything
 * added before it is committed.
 */
/// <reference lib="deno.worker" />
import type { DatabaseSync } from "node:sqlite";
import { dumpPhases, mark, PHASE } from "../phase_trace.ts";
import { openConnection, transaction } from "./connection.ts";
import type { SpendRow } from "../state/in_process_budget.ts";
import type { RequestEntry } from "./request_repo.ts";
import { type FromWriter, SPEND_MARK, type ToWriter, WORD } from "./request_writer_protocol.ts";
import { createRequestWrites, createSpendWrites } from "./writer_statements.ts";

let db: DatabaseSync | undefined;
let repo: ReturnType<typeof createRequestWrites> | undefined;
let spend: ReturnType<typeof createSpendWrites> | undefined;
let control: Int32Array | undefined;
let ring: Uint8Array | undefined;
const utf8 = new TextDecoder();
/**
 * Every this many rows the thread sleeps a moment, giving up its core. It
 * shares the two cores with the event loop, the upstream and the client:
 * inserting a batch in one go, it held one of them for the whole insert
 * (0.7 ms at one connection, up to 28 ms), and a process woken onto that
 * core waited for it. Now one waits at most for a few rows.
 */
const YIELD_ROWS = 8;
const YIELD_MS = 0.05;
const pause = new Int32Array(new SharedArrayBuffer(4));

function report(message: string, dropped: number): void {
  self.postMessage({ kind: "failed", message, dropped } satisfies FromWriter);
}

/** Takes the records written so far out of the ring and commits them in one transaction. */
function drain(): void {
  if (!control || !ring) return;
  const written = Atomics.load(control, WORD.written);
  const read = Atomics.load(control, WORD.read);
  const n = (written - read) | 0;
  if (n <= 0) return;
  const at = (read >>> 0) % ring.length;
  // Copied out first: a decoder takes no view of shared memory.
  const bytes = at + n <= ring.length
    ? ring.slice(at, at + n)
    : concat(ring.slice(at), ring.slice(0, n - (ring.length - at)));
  const lines = utf8.decode(bytes).split("\n");
  lines.pop(); // after the last record's end
  try {
    if (!db || !repo || !spend) throw new Error("the request writer's database did not open");
    mark(PHASE.writerInsert);
    transaction(db, () => {
      for (let i = 0; i < lines.length; i++) {
        if (i > 0 && i % YIELD_ROWS === 0) Atomics.wait(pause, 0, 0, YIELD_MS);
        const line = lines[i]!;
        // Spend lines are already one per key and period an interval (RequestWriter.addSpend).
        if (line.startsWith(SPEND_MARK)) {
          spend!.save(JSON.parse(line.slice(SPEND_MARK.length)) as SpendRow);
        } else {
          repo!.insert(JSON.parse(line) as RequestEntry);
        }
      }
    });
    mark(PHASE.writerInsertEnd);
  } catch (err) {
    // A failed batch is dropped and reported; the writer keeps serving the next ones.
    report(err instanceof Error ? err.message : String(err), lines.length);
  } finally {
    Atomics.store(control, WORD.read, written);
    Atomics.notify(control, WORD.read);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

self.onmessage = (e: MessageEvent<ToWriter>) => {
  const m = e.data;
  try {
    if (m.kind === "open") {
      control = new Int32Array(m.control);
      ring = new Uint8Array(m.ring);
      db = openConnection(m.path);
      repo = createRequestWrites(db);
      spend = createSpendWrites(db);
      setInterval(drain, m.drainMs);
      return;
    }
    drain();
    switch (m.kind) {
      case "drain":
        return;
      case "purge":
        repo?.purge(m.before);
        return;
      case "checkpoint":
        mark(PHASE.writerCheckpoint);
        db?.exec("PRAGMA wal_checkpoint(PASSIVE)");
        mark(PHASE.writerCheckpointEnd);
        return;
      case "close":
        dumpPhases("writer");
        db?.close();
        db = undefined;
        repo = undefined;
        spend = undefined;
        return;
    }
  } catch (err) {
    report(err instanceof Error ? err.message : String(err), 0);
  } finally {
    if (control) {
      Atomics.store(control, WORD.done, m.seq);
      Atomics.notify(control, WORD.done);
    }
  }
};

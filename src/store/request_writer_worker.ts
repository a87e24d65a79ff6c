/**
 * @module request_writer_worker
 * The request writer's thread: its own SQLite connection, one transaction
 * per batch of request records, purges of old records, and the WAL
 * checkpoints (the WAL is mostly these records; copying it into the file
 * must not stall the event loop either). Messages are handled in order and
 * each one's sequence number is published when it is done, so a number
 * seen by the main thread means everything sent up to it is committed.
 */
/// <reference lib="deno.worker" />
import type { DatabaseSync } from "node:sqlite";
import { dumpPhases, mark, PHASE } from "../phase_trace.ts";
import { openConnection, transaction } from "./database.ts";
import { createRequestRepo, type RequestEntry } from "./request_repo.ts";
import type { FromWriter, ToWriter } from "./request_writer_protocol.ts";

let db: DatabaseSync | undefined;
let repo: ReturnType<typeof createRequestRepo> | undefined;
let done: Int32Array | undefined;

function report(message: string, dropped: number): void {
  self.postMessage({ kind: "failed", message, dropped } satisfies FromWriter);
}

self.onmessage = (e: MessageEvent<ToWriter>) => {
  const m = e.data;
  let rows: RequestEntry[] = [];
  try {
    switch (m.kind) {
      case "open":
        done = new Int32Array(m.done);
        db = openConnection(m.path);
        repo = createRequestRepo(db);
        return;
      case "insert": {
        rows = JSON.parse(m.rows) as RequestEntry[];
        if (!db || !repo) throw new Error("the request writer's database did not open");
        mark(PHASE.writerInsert);
        transaction(db, () => {
          for (const row of rows) repo!.insert(row);
        });
        mark(PHASE.writerInsertEnd);
        return;
      }
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
        return;
    }
  } catch (err) {
    // A failed batch is dropped and reported; the writer keeps serving the next ones.
    report(err instanceof Error ? err.message : String(err), rows.length);
  } finally {
    if (done) {
      Atomics.store(done, 0, m.seq);
      Atomics.notify(done, 0);
    }
  }
};

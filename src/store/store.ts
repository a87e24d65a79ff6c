/**
 * @module store
 * Assembles the repositories over one open database, with the batched writer.
 */
import type { DatabaseSync } from "node:sqlite";
import { createBackendRepo } from "./backend_repo.ts";
import { createClientKeyRepo } from "./client_key_repo.ts";
import { createConfigRepo } from "./config_repo.ts";
import { transaction } from "./database.ts";
import { createHealthRepo } from "./health_repo.ts";
import { createMetaRepo } from "./meta_repo.ts";
import { createPoolRepo } from "./pool_repo.ts";
import { createRequestRepo } from "./request_repo.ts";
import { createSessionRepo } from "./session_repo.ts";
import { WriteQueue, type WriteQueueOptions } from "./write_queue.ts";

/** Every table's repository plus the write-behind queue. */
export function createStore(db: DatabaseSync, writeOptions: WriteQueueOptions = {}) {
  return {
    db,
    pools: createPoolRepo(db),
    backends: createBackendRepo(db),
    keys: createClientKeyRepo(db),
    config: createConfigRepo(db),
    meta: createMetaRepo(db),
    sessions: createSessionRepo(db),
    requests: createRequestRepo(db),
    health: createHealthRepo(db),
    writes: new WriteQueue(db, writeOptions),
    /** Runs `fn` in one transaction. */
    transaction<T>(fn: () => T): T {
      return transaction(db, fn);
    },
    /** Copies the WAL into the database file (see `openDatabase` for why this is manual). */
    checkpoint(): void {
      this.writes.flush();
      db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    },
    /** Flushes pending writes and closes the file. */
    close(): void {
      this.writes.close();
      db.close();
    },
  };
}
export type Store = ReturnType<typeof createStore>;

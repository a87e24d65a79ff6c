/**
 * @module store
 * Assembles the repositories over one open database, with the batched writer.
 */
import type { DatabaseSync } from "node:sqlite";
import { createAuthFailureRepo } from "./auth_failure_repo.ts";
import { createBackendRepo } from "./backend_repo.ts";
import { createClientKeyRepo } from "./client_key_repo.ts";
import { createConfigRepo } from "./config_repo.ts";
import { transaction } from "./connection.ts";
import { createHealthRepo } from "./health_repo.ts";
import { createKeySpendRepo } from "./key_spend_repo.ts";
import { createMetaRepo } from "./meta_repo.ts";
import { createPoolRepo } from "./pool_repo.ts";
import { createPriceRepo } from "./price_repo.ts";
import { createRequestRepo } from "./request_repo.ts";
import { createResumeMarkRepo } from "./resume_mark_repo.ts";
import { RequestWriter, type RequestWriterOptions } from "./request_writer.ts";
import { createSessionRepo } from "./session_repo.ts";
import { WriteQueue, type WriteQueueOptions } from "./write_queue.ts";

/** Options of {@link createStore}: the write-behind queue's and the request writer's. */
export interface StoreOptions extends WriteQueueOptions {
  requestWriter?: RequestWriterOptions;
}

/** Every table's repository, the write-behind queue and the request writer. */
export function createStore(db: DatabaseSync, opts: StoreOptions = {}) {
  const { requestWriter, ...writeOptions } = opts;
  return {
    db,
    pools: createPoolRepo(db),
    backends: createBackendRepo(db),
    keys: createClientKeyRepo(db),
    keySpend: createKeySpendRepo(db),
    config: createConfigRepo(db),
    prices: createPriceRepo(db),
    meta: createMetaRepo(db),
    sessions: createSessionRepo(db),
    requests: createRequestRepo(db),
    health: createHealthRepo(db),
    authFailures: createAuthFailureRepo(db),
    resumeMarks: createResumeMarkRepo(db),
    writes: new WriteQueue(db, writeOptions),
    /** Request records, inserted on the writer thread. */
    requestLog: new RequestWriter(db.location(), requestWriter),
    /** Runs `fn` in one transaction. */
    transaction<T>(fn: () => T): T {
      return transaction(db, fn);
    },
    /** Commits every write queued so far, so a read that follows sees it. */
    flush(): void {
      this.writes.flush();
      this.requestLog.flush();
    },
    /**
     * Copies the WAL into the database file (see `openDatabase` for why this
     * is manual), on the request writer's thread; a later `flush()` waits for it.
     */
    checkpoint(): void {
      this.writes.flush();
      this.requestLog.checkpoint();
    },
    /** Flushes pending writes, stops the writer thread and closes the file. */
    close(): void {
      this.writes.close();
      this.requestLog.close();
      db.close();
    },
  };
}
export type Store = ReturnType<typeof createStore>;

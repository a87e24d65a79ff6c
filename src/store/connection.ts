/**
 * @module connection
 * A SQLite connection with the pragmas Sidecar relies on, and transactions
 * on it. Apart from the migrations (database.ts), so the request writer's
 * thread loads only this: every module a thread imports costs its isolate
 * memory (the migrations' price table brought zod, 15 MB of it).
 */
import { DatabaseSync } from "node:sqlite";
import { StartupError } from "../errors.ts";

/**
 * Another connection to a database `openDatabase` (database.ts) has
 * prepared: the request writer's, on its own thread. Same per-connection
 * pragmas, no migrations.
 */
export function openConnection(path: string): DatabaseSync {
  return connect(path, () => {});
}

/**
 * A connection to `path` with the per-connection pragmas, then `prepare`;
 * the ways that can fail (not a database, not writable) become clear
 * start-up errors.
 */
export function connect(path: string, prepare: (db: DatabaseSync) => void): DatabaseSync {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (err) {
    throw new StartupError(`Cannot open database "${path}": ${describe(err)}`);
  }
  try {
    // busy_timeout rides out the short overlaps between the two connections
    // (main thread, request writer) and with `sidecar rotate-key` in another process.
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA synchronous = NORMAL");
    // No automatic checkpoints: SQLite runs one inside whichever commit
    // crosses 1,000 WAL pages, and its fsync stalled every request in flight
    // (p99 35 ms → 18 ms without). `serve` checkpoints on a timer instead.
    db.exec("PRAGMA wal_autocheckpoint = 0");
    db.exec("PRAGMA foreign_keys = ON");
    prepare(db);
  } catch (err) {
    db.close();
    const msg = describe(err);
    if (/not a database|file is encrypted/i.test(msg)) {
      throw new StartupError(`"${path}" is not a SQLite database`);
    }
    if (/readonly|read-only|unable to open|permission/i.test(msg)) {
      throw new StartupError(`Database "${path}" is not writable: ${msg}`);
    }
    throw new StartupError(`Cannot prepare database "${path}": ${msg}`);
  }
  return db;
}

/** Runs `fn` inside one transaction; rolls back when it throws. */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

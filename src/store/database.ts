/**
 * @module database
 * Opens Sidecar's SQLite file: a connection (connection.ts) with WAL on,
 * the migrations applied and any WAL a killed process left folded in.
 */
import type { DatabaseSync } from "node:sqlite";
import { connect } from "./connection.ts";
import { migrate } from "./migrations.ts";

/**
 * Opens (creating if needed) the database at `path`, applies pragmas and
 * migrations. `":memory:"` works for tests.
 */
export function openDatabase(path: string): DatabaseSync {
  return connect(path, (db) => {
    // WAL lets the dashboard read while the usage writer commits.
    if (path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
    migrate(db);
    // A process killed before its periodic checkpoint leaves its WAL behind,
    // and a crash loop grows it without bound (90 MB seen). Nothing else is
    // serving yet, so fold it in and truncate it now, off any request.
    if (path !== ":memory:") db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  });
}

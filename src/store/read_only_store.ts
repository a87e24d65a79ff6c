/**
 * @module read_only_store
 * The config tables of a database opened read-only, for the commands that
 * must not write (`config check`, `config export`) and may run beside a
 * server that holds the data dir.
 */
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { StartupError } from "../errors.ts";
import { createBackendRepo } from "./backend_repo.ts";
import { createClientKeyRepo } from "./client_key_repo.ts";
import { createConfigRepo } from "./config_repo.ts";
import { MIGRATIONS } from "./migrations.ts";
import { createPoolRepo } from "./pool_repo.ts";
import { createPriceRepo } from "./price_repo.ts";

/** Read access to pools, backends, client keys, config and prices; close it when done. */
export interface ReadOnlyStore {
  pools: ReturnType<typeof createPoolRepo>;
  backends: ReturnType<typeof createBackendRepo>;
  keys: ReturnType<typeof createClientKeyRepo>;
  config: ReturnType<typeof createConfigRepo>;
  prices: ReturnType<typeof createPriceRepo>;
  close(): void;
}

/**
 * Opens `path` read-only; undefined when there is no such file. A database
 * at another schema version is refused: start the server once to migrate it.
 */
export function openReadOnlyStore(path: string): ReadOnlyStore | undefined {
  if (path !== ":memory:" && !existsSync(path)) return undefined;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 5000");
  } catch (err) {
    throw new StartupError(`Cannot open database "${path}": ${(err as Error).message}`);
  }
  try {
    const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (Number(row.user_version) !== MIGRATIONS.length) {
      throw new StartupError(
        `Database "${path}" is at schema version ${row.user_version}, this Sidecar reads ${MIGRATIONS.length}: start the server on it once`,
      );
    }
    return {
      pools: createPoolRepo(db),
      backends: createBackendRepo(db),
      keys: createClientKeyRepo(db),
      config: createConfigRepo(db),
      prices: createPriceRepo(db),
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    if (err instanceof StartupError) throw err;
    throw new StartupError(`Cannot read database "${path}": ${(err as Error).message}`);
  }
}

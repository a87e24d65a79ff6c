/**
 * @module meta_repo
 * Small key/value facts about this database (key-check value, admin token hash).
 */
import type { DatabaseSync } from "node:sqlite";

/** Reads and writes `meta` rows. */
export function createMetaRepo(db: DatabaseSync) {
  const get = db.prepare("SELECT value FROM meta WHERE key = ?");
  const put = db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  );
  return {
    get: (key: string): string | undefined =>
      (get.get(key) as { value: string } | undefined)?.value,
    put(key: string, value: string): void {
      put.run(key, value);
    },
  };
}
export type MetaRepo = ReturnType<typeof createMetaRepo>;

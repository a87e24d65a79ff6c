/**
 * @module pool_repo
 * Pools table access.
 */
import type { DatabaseSync } from "node:sqlite";
import { type Managed, type Pool, PoolRow } from "./rows.ts";

/** Fields a pool is created or updated with. */
export interface PoolFields {
  name: string;
  priority: number;
}

/** CRUD over pools; ordered by priority then id. */
export function createPoolRepo(db: DatabaseSync) {
  const list = db.prepare("SELECT * FROM pools ORDER BY priority, id");
  const get = db.prepare("SELECT * FROM pools WHERE id = ?");
  const insert = db.prepare(
    `INSERT INTO pools (id, name, priority, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const update = db.prepare("UPDATE pools SET name = ?, priority = ?, updated_at = ? WHERE id = ?");
  const remove = db.prepare("DELETE FROM pools WHERE id = ?");
  const members = db.prepare("SELECT COUNT(*) AS n FROM backends WHERE pool_id = ?");
  const setManaged = db.prepare("UPDATE pools SET managed = ? WHERE id = ?");

  return {
    list: (): Pool[] => list.all().map((r) => PoolRow.parse(r)),
    get: (id: string): Pool | undefined => {
      const row = get.get(id);
      return row ? PoolRow.parse(row) : undefined;
    },
    /** Adds a pool; false when the id is taken (creates may race past the caller's check). */
    insert(id: string, f: PoolFields, nowIso: string): boolean {
      return Number(insert.run(id, f.name, f.priority, nowIso, nowIso).changes) > 0;
    },
    update(id: string, f: PoolFields, nowIso: string): void {
      update.run(f.name, f.priority, nowIso, id);
    },
    remove(id: string): void {
      remove.run(id);
    },
    memberCount: (id: string): number => Number((members.get(id) as { n: number }).n),
    /** Marks who owns the row (docs/config.md); null hands it to the dashboard. */
    setManaged(id: string, managed: Managed): void {
      setManaged.run(managed, id);
    },
  };
}
export type PoolRepo = ReturnType<typeof createPoolRepo>;

/**
 * @module backend_repo
 * Backends table access. The API key arrives and leaves sealed only.
 */
import type { DatabaseSync } from "node:sqlite";
import { type BackendRecord, BackendRow, type Managed } from "./rows.ts";

/** A backend's stored fields apart from id, owner and timestamps. */
export type BackendFields = Omit<BackendRecord, "id" | "managed" | "created_at" | "updated_at">;

/** CRUD over backends. */
export function createBackendRepo(db: DatabaseSync) {
  const list = db.prepare("SELECT * FROM backends ORDER BY pool_id, id");
  const get = db.prepare("SELECT * FROM backends WHERE id = ?");
  const insert = db.prepare(
    `INSERT INTO backends (id, name, base_url, api_key_enc, api_key_hint, pool_id, models,
       model_map, weight, rpm_limit, tpm_limit, enabled, resume, prices, api, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const update = db.prepare(
    `UPDATE backends SET name = ?, base_url = ?, api_key_enc = ?, api_key_hint = ?, pool_id = ?,
       models = ?, model_map = ?, weight = ?, rpm_limit = ?, tpm_limit = ?, enabled = ?,
       resume = ?, prices = ?, api = ?, updated_at = ? WHERE id = ?`,
  );
  const setKey = db.prepare("UPDATE backends SET api_key_enc = ? WHERE id = ?");
  const remove = db.prepare("DELETE FROM backends WHERE id = ?");
  const setManaged = db.prepare("UPDATE backends SET managed = ? WHERE id = ?");

  const values = (f: BackendFields) =>
    [
      f.name,
      f.base_url,
      f.api_key_enc,
      f.api_key_hint,
      f.pool_id,
      JSON.stringify(f.models),
      JSON.stringify(f.model_map),
      f.weight,
      f.rpm_limit,
      f.tpm_limit,
      f.enabled ? 1 : 0,
      f.resume,
      JSON.stringify(f.prices),
      f.api,
    ] as const;

  return {
    list: (): BackendRecord[] => list.all().map((r) => BackendRow.parse(r)),
    get: (id: string): BackendRecord | undefined => {
      const row = get.get(id);
      return row ? BackendRow.parse(row) : undefined;
    },
    /**
     * Adds a backend; false when the id is taken. A duplicate is an answer,
     * not an error: two creates may race past the caller's own check.
     */
    insert(id: string, f: BackendFields, nowIso: string): boolean {
      const [name, ...rest] = values(f);
      return Number(insert.run(id, name, ...rest, nowIso, nowIso).changes) > 0;
    },
    update(id: string, f: BackendFields, nowIso: string): void {
      update.run(...values(f), nowIso, id);
    },
    /** Replaces only the sealed key (used by key rotation). */
    setSealedKey(id: string, sealed: string): void {
      setKey.run(sealed, id);
    },
    remove(id: string): void {
      remove.run(id);
    },
    /** Marks who owns the row (docs/config.md); null hands it to the dashboard. */
    setManaged(id: string, managed: Managed): void {
      setManaged.run(managed, id);
    },
  };
}
export type BackendRepo = ReturnType<typeof createBackendRepo>;

/**
 * @module client_key_repo
 * Client keys: hashes and hints only.
 */
import type { DatabaseSync } from "node:sqlite";
import { type ClientKeyRecord, ClientKeyRow, type Managed } from "./rows.ts";

/** What a new key is stored with; its owner is set apart ({@link ClientKeyRepo.setManaged}). */
export type NewClientKey = Omit<ClientKeyRecord, "managed">;

/** CRUD over client keys. */
export function createClientKeyRepo(db: DatabaseSync) {
  const list = db.prepare("SELECT * FROM client_keys ORDER BY created_at, id");
  const get = db.prepare("SELECT * FROM client_keys WHERE id = ?");
  const insert = db.prepare(
    `INSERT INTO client_keys (id, name, key_hash, key_hint, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const update = db.prepare(
    "UPDATE client_keys SET name = ?, key_hash = ?, key_hint = ? WHERE id = ?",
  );
  const remove = db.prepare("DELETE FROM client_keys WHERE id = ?");
  const setManaged = db.prepare("UPDATE client_keys SET managed = ? WHERE id = ?");
  return {
    list: (): ClientKeyRecord[] => list.all().map((r) => ClientKeyRow.parse(r)),
    get: (id: string): ClientKeyRecord | undefined => {
      const row = get.get(id);
      return row ? ClientKeyRow.parse(row) : undefined;
    },
    /** Adds a key; false when its id or hash is taken. */
    insert(k: NewClientKey): boolean {
      return Number(insert.run(k.id, k.name, k.key_hash, k.key_hint, k.created_at).changes) > 0;
    },
    /** Replaces a key's name and secret hash (the config file's keys). */
    update(id: string, k: Pick<ClientKeyRecord, "name" | "key_hash" | "key_hint">): void {
      update.run(k.name, k.key_hash, k.key_hint, id);
    },
    /** Marks who owns the row (docs/config.md); null hands it to the dashboard. */
    setManaged(id: string, managed: Managed): void {
      setManaged.run(managed, id);
    },
    remove(id: string): boolean {
      return Number(remove.run(id).changes) > 0;
    },
  };
}
export type ClientKeyRepo = ReturnType<typeof createClientKeyRepo>;

/**
 * @module client_key_repo
 * Client keys: hashes and hints only, with each key's policy (docs/keys.md).
 */
import type { DatabaseSync } from "node:sqlite";
import type { KeyPolicy } from "../keys/key_policy.ts";
import { type ClientKeyRecord, ClientKeyRow, type Managed } from "./rows.ts";

/** What a new key is stored with; its owner is set apart ({@link ClientKeyRepo.setManaged}). */
export type NewClientKey = Omit<ClientKeyRecord, "managed" | "last_used_at">;

/** What an edit replaces: the name, the secret's hash and hint, the policy. */
export type ClientKeyFields = Pick<ClientKeyRecord, "name" | "key_hash" | "key_hint"> & KeyPolicy;

const FIELDS = [
  "name",
  "key_hash",
  "key_hint",
  "models",
  "rpm_limit",
  "tpm_limit",
  "max_concurrent",
  "budget_usd",
  "budget_period",
  "expires_at",
  "enabled",
  "metadata",
] as const;

/** The SQLite values of the fields, in {@link FIELDS} order. */
function values(k: ClientKeyFields) {
  return [
    k.name,
    k.key_hash,
    k.key_hint,
    k.models === null ? null : JSON.stringify(k.models),
    k.rpm_limit,
    k.tpm_limit,
    k.max_concurrent,
    k.budget_usd,
    k.budget_period,
    k.expires_at,
    k.enabled ? 1 : 0,
    JSON.stringify(k.metadata),
  ];
}

/** CRUD over client keys. */
export function createClientKeyRepo(db: DatabaseSync) {
  const list = db.prepare("SELECT * FROM client_keys ORDER BY created_at, id");
  const get = db.prepare("SELECT * FROM client_keys WHERE id = ?");
  const insert = db.prepare(
    `INSERT INTO client_keys (id, created_at, ${FIELDS.join(", ")})
     VALUES (?, ?, ${FIELDS.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`,
  );
  const update = db.prepare(
    `UPDATE client_keys SET ${FIELDS.map((f) => `${f} = ?`).join(", ")} WHERE id = ?`,
  );
  // ISO-8601 UTC strings of one format compare in time order.
  const touch = db.prepare(
    `UPDATE client_keys SET last_used_at = ?1
     WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)`,
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
      return Number(insert.run(k.id, k.created_at, ...values(k)).changes) > 0;
    },
    /** Replaces a key's name, secret hash and policy (an edit, a rotation, the config file). */
    update(id: string, k: ClientKeyFields): void {
      update.run(...values(k), id);
    },
    /** Notes a use at `iso` (written behind, so never moved back by a late write). */
    touch(id: string, iso: string): void {
      touch.run(iso, id);
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

/**
 * @module session_repo
 * Dashboard sessions, keyed by the SHA-256 of the cookie value.
 */
import type { DatabaseSync } from "node:sqlite";

/** A signed-in dashboard session. */
export interface SessionRecord {
  token_hash: string;
  csrf_token: string;
  /** Which admin token the session was made under (see `session.ts`). */
  admin_binding: string;
  created_at: number;
  expires_at: number;
}

/** Create, find, delete and expire sessions. */
export function createSessionRepo(db: DatabaseSync) {
  const insert = db.prepare(
    `INSERT INTO sessions (token_hash, csrf_token, admin_binding, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const get = db.prepare("SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?");
  const remove = db.prepare("DELETE FROM sessions WHERE token_hash = ?");
  const expire = db.prepare("DELETE FROM sessions WHERE expires_at <= ?");
  return {
    insert(s: SessionRecord): void {
      insert.run(s.token_hash, s.csrf_token, s.admin_binding, s.created_at, s.expires_at);
    },
    find(tokenHash: string, now: number): SessionRecord | undefined {
      const row = get.get(tokenHash, now) as Record<string, unknown> | undefined;
      if (!row) return undefined;
      return {
        token_hash: String(row.token_hash),
        csrf_token: String(row.csrf_token),
        admin_binding: String(row.admin_binding),
        created_at: Number(row.created_at),
        expires_at: Number(row.expires_at),
      };
    },
    remove(tokenHash: string): void {
      remove.run(tokenHash);
    },
    expire(now: number): void {
      expire.run(now);
    },
  };
}
export type SessionRepo = ReturnType<typeof createSessionRepo>;

/**
 * @module auth_failure_repo
 * The failed-authentication limiter's state, so a restart does not reset it:
 * per client address, the times of its recent failures.
 */
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";

const Row = z.object({
  client: z.string(),
  failures: z.string().transform((t, ctx) => {
    try {
      return z.array(z.number()).parse(JSON.parse(t));
    } catch {
      ctx.addIssue({ code: "custom", message: "Invalid failures JSON" });
      return z.NEVER;
    }
  }),
});

/** Load, save and drop per-address failure times. */
export function createAuthFailureRepo(db: DatabaseSync) {
  const recent = db.prepare(
    "SELECT client, failures FROM auth_failures WHERE last_at > ? ORDER BY last_at DESC LIMIT ?",
  );
  const upsert = db.prepare(
    `INSERT INTO auth_failures (client, failures, last_at) VALUES (?, ?, ?)
     ON CONFLICT(client) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at`,
  );
  const remove = db.prepare("DELETE FROM auth_failures WHERE client = ?");
  const purge = db.prepare("DELETE FROM auth_failures WHERE last_at <= ?");
  return {
    /** Addresses that failed after `since`, at most `limit`, least recently failed first. */
    loadRecent(since: number, limit: number): [string, number[]][] {
      const out: [string, number[]][] = [];
      for (const raw of recent.all(since, limit)) {
        const r = Row.safeParse(raw);
        // An unreadable row only forgets that address's failures.
        if (r.success) out.push([r.data.client, r.data.failures]);
      }
      return out.reverse();
    },
    save(client: string, failures: readonly number[]): void {
      upsert.run(client, JSON.stringify(failures), failures[failures.length - 1] ?? 0);
    },
    remove(client: string): void {
      remove.run(client);
    },
    /** Drops addresses whose last failure is at or before `before`. */
    purge(before: number): number {
      return Number(purge.run(before).changes);
    },
  };
}
export type AuthFailureRepo = ReturnType<typeof createAuthFailureRepo>;

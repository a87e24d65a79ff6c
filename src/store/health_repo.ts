/**
 * @module health_repo
 * Persisted backend health (so a cooling backend is still cooling after a
 * restart) and the cooldown event history.
 */
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import type { BackendHealth } from "../engine/cooldown.ts";
import { type CooldownEvent, CooldownEventRow } from "./rows.ts";

const HealthState = z.discriminatedUnion("state", [
  z.object({ state: z.literal("healthy") }),
  z.object({
    state: z.literal("cooling"),
    reason: z.enum(["429", "quota", "auth", "errors"]),
    since: z.number(),
    until: z.number(),
  }),
  z.object({
    state: z.literal("probing"),
    reason: z.enum(["429", "quota", "auth", "errors"]),
    probeSince: z.number(),
  }),
]);

const StateRow = z.object({
  backend_id: z.string(),
  // A throw inside a transform escapes safeParse: report an issue instead.
  health: z.string().transform((t, ctx) => {
    try {
      return HealthState.parse(JSON.parse(t));
    } catch {
      ctx.addIssue({ code: "custom", message: "Invalid health JSON" });
      return z.NEVER;
    }
  }),
  consecutive_429: z.number(),
  failures: z.number(),
});

/** A new cooldown event. */
export interface CooldownEventInput {
  backend_id: string;
  reason: CooldownEvent["reason"];
  consecutive: number;
  seconds: number;
  started_at: number;
  ended_at: number;
}

/** Health rows and cooldown events. */
export function createHealthRepo(db: DatabaseSync) {
  const all = db.prepare("SELECT * FROM backend_state");
  const upsert = db.prepare(
    // The backend may have been deleted while this write waited in the queue.
    `INSERT INTO backend_state (backend_id, health, consecutive_429, failures)
     SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM backends WHERE id = ?)
     ON CONFLICT(backend_id) DO UPDATE SET health = excluded.health,
       consecutive_429 = excluded.consecutive_429, failures = excluded.failures`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO cooldown_events (backend_id, reason, consecutive, seconds, started_at, ended_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // Extending or clearing touches the backend's latest event only.
  const endLatest = db.prepare(
    `UPDATE cooldown_events SET ended_at = ?, seconds = (? - started_at) / 1000.0
     WHERE id = (SELECT MAX(id) FROM cooldown_events WHERE backend_id = ?) AND ended_at > ?`,
  );
  const listAll = db.prepare("SELECT * FROM cooldown_events ORDER BY id DESC LIMIT ?");
  const listFor = db.prepare(
    "SELECT * FROM cooldown_events WHERE backend_id = ? ORDER BY id DESC LIMIT ?",
  );
  const purge = db.prepare("DELETE FROM cooldown_events WHERE started_at < ?");

  return {
    loadAll(): Map<string, BackendHealth> {
      const out = new Map<string, BackendHealth>();
      for (const raw of all.all()) {
        const r = StateRow.safeParse(raw);
        // An unreadable row means "no known trouble": start healthy rather than fail start-up.
        if (r.success) {
          out.set(r.data.backend_id, {
            health: r.data.health,
            consecutive429: r.data.consecutive_429,
            failures: r.data.failures,
          });
        }
      }
      return out;
    },
    save(backendId: string, h: BackendHealth): void {
      upsert.run(backendId, JSON.stringify(h.health), h.consecutive429, h.failures, backendId);
    },
    addEvent(e: CooldownEventInput): void {
      insertEvent.run(e.backend_id, e.reason, e.consecutive, e.seconds, e.started_at, e.ended_at);
    },
    /** Moves the end of the backend's latest event if still running at `now` (extended or cleared). */
    endLatest(backendId: string, endedAt: number, now: number): void {
      endLatest.run(endedAt, endedAt, backendId, now);
    },
    events(limit: number, backendId?: string): CooldownEvent[] {
      const rows = backendId ? listFor.all(backendId, limit) : listAll.all(limit);
      return rows.map((r) => CooldownEventRow.parse(r));
    },
    purge(before: number): number {
      return Number(purge.run(before).changes);
    },
  };
}
export type HealthRepo = ReturnType<typeof createHealthRepo>;

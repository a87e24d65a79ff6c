/**
 * @module health_repo
 * Persisted health in both cooldown scopes (so a cooling backend, or a
 * cooling model of a backend, is still cooling after a restart) and the
 * cooldown event history. A backend's own scope is the row with model `''`;
 * a (backend, upstream model) pair has a row only while it is not healthy.
 */
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import {
  type BackendHealth,
  COOLDOWN_REASONS,
  HEALTHY,
  isPristine,
  type ScopedHealth,
} from "../engine/cooldown.ts";
import { type CooldownEvent, CooldownEventRow } from "./rows.ts";

const HealthState = z.discriminatedUnion("state", [
  z.object({ state: z.literal("healthy") }),
  z.object({
    state: z.literal("cooling"),
    reason: z.enum(COOLDOWN_REASONS),
    since: z.number(),
    until: z.number(),
  }),
  z.object({
    state: z.literal("probing"),
    reason: z.enum(COOLDOWN_REASONS),
    probeSince: z.number(),
  }),
  z.object({ state: z.literal("paused"), since: z.number() }),
]);

const StateRow = z.object({
  backend_id: z.string(),
  model: z.string(),
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
  /** The upstream model of a pair cooldown; null or absent for the whole backend. */
  model?: string | null;
  reason: CooldownEvent["reason"];
  consecutive: number;
  seconds: number;
  started_at: number;
  ended_at: number;
}

/** Health rows and cooldown events. */
export function createHealthRepo(db: DatabaseSync) {
  // The backend's own row first, so its pairs find it in loadAll().
  const all = db.prepare("SELECT * FROM backend_state ORDER BY backend_id, model");
  const upsert = db.prepare(
    // The backend may have been deleted while this write waited in the queue.
    `INSERT INTO backend_state (backend_id, model, health, consecutive_429, failures)
     SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM backends WHERE id = ?)
     ON CONFLICT(backend_id, model) DO UPDATE SET health = excluded.health,
       consecutive_429 = excluded.consecutive_429, failures = excluded.failures`,
  );
  const removePair = db.prepare("DELETE FROM backend_state WHERE backend_id = ? AND model = ?");
  const insertEvent = db.prepare(
    `INSERT INTO cooldown_events
       (backend_id, model, reason, consecutive, seconds, started_at, ended_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  // Extending or clearing touches the scope's latest event only.
  const endLatest = db.prepare(
    `UPDATE cooldown_events SET ended_at = ?, seconds = (? - started_at) / 1000.0
     WHERE id = (SELECT MAX(id) FROM cooldown_events WHERE backend_id = ? AND model IS ?)
       AND ended_at > ?`,
  );
  const listAll = db.prepare("SELECT * FROM cooldown_events ORDER BY id DESC LIMIT ?");
  const listFor = db.prepare(
    "SELECT * FROM cooldown_events WHERE backend_id = ? ORDER BY id DESC LIMIT ?",
  );
  const purge = db.prepare("DELETE FROM cooldown_events WHERE started_at < ?");

  return {
    /** Every backend's health by id, its cooling models in `models`. */
    loadAll(): Map<string, ScopedHealth> {
      const own = new Map<string, BackendHealth>();
      const models = new Map<string, Map<string, BackendHealth>>();
      for (const raw of all.all()) {
        const r = StateRow.safeParse(raw);
        // An unreadable row means "no known trouble": start healthy rather than fail start-up.
        if (!r.success) continue;
        const h: BackendHealth = {
          health: r.data.health,
          consecutive429: r.data.consecutive_429,
          failures: r.data.failures,
        };
        const id = r.data.backend_id;
        if (r.data.model === "") own.set(id, h);
        else models.set(id, (models.get(id) ?? new Map()).set(r.data.model, h));
      }
      const out = new Map<string, ScopedHealth>();
      for (const [id, h] of own) out.set(id, h);
      for (const [id, m] of models) out.set(id, { ...(own.get(id) ?? HEALTHY), models: m });
      return out;
    },
    /**
     * Writes one scope: the backend's own without `model`, else that pair's
     * (deleted once healthy, so healthy pairs never pile up).
     */
    save(backendId: string, h: BackendHealth, model?: string): void {
      if (model !== undefined && model !== "" && isPristine(h)) {
        removePair.run(backendId, model);
        return;
      }
      const m = model ?? "";
      upsert.run(backendId, m, JSON.stringify(h.health), h.consecutive429, h.failures, backendId);
    },
    addEvent(e: CooldownEventInput): void {
      insertEvent.run(
        e.backend_id,
        e.model ?? null,
        e.reason,
        e.consecutive,
        e.seconds,
        e.started_at,
        e.ended_at,
      );
    },
    /**
     * Moves the end of the scope's latest event (the backend's own without
     * `model`) if still running at `now` (extended or cleared).
     */
    endLatest(backendId: string, endedAt: number, now: number, model?: string): void {
      endLatest.run(endedAt, endedAt, backendId, model ?? null, now);
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

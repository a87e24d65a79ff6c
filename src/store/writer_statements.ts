/**
 * @module writer_statements
 * The statements of the writes that happen with every request: a request
 * record's insert (and the purge of old ones) and a client key's spend.
 * They run on the request writer's thread; the repositories use them too
 * (request_repo.ts, key_spend_repo.ts), so there is one of each. Apart from
 * the repositories' reads (through zod row schemas) because a module the
 * thread imports costs its isolate memory.
 */
import type { DatabaseSync } from "node:sqlite";
import type { SpendRow } from "../state/in_process_budget.ts";
import type { RequestEntry } from "./request_repo.ts";

/** Inserts and purges request records on `db`. */
export function createRequestWrites(db: DatabaseSync) {
  const insert = db.prepare(
    `INSERT INTO requests (id, ts, model, upstream_model, backend_id, pool_id, key_id, api,
       status, outcome, stream, attempts, latency_ms, ttfb_ms, prompt_tokens, completion_tokens,
       total_tokens, cost_usd, unpriced, usage_estimated, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const purge = db.prepare("DELETE FROM requests WHERE ts < ?");
  return {
    insert(e: RequestEntry): void {
      insert.run(
        e.id,
        e.ts,
        e.model,
        e.upstream_model,
        e.backend_id,
        e.pool_id,
        e.key_id,
        e.api,
        e.status,
        e.outcome,
        e.stream ? 1 : 0,
        JSON.stringify(e.attempts),
        Math.round(e.latency_ms),
        e.ttfb_ms === null ? null : Math.round(e.ttfb_ms),
        e.prompt_tokens,
        e.completion_tokens,
        e.total_tokens,
        e.cost_usd,
        e.unpriced ? 1 : 0,
        e.usage_estimated ? 1 : 0,
        e.error,
      );
    },
    /** Deletes records older than `before`; returns how many. */
    purge(before: number): number {
      return Number(purge.run(before).changes);
    },
  };
}

/** Stores a key's spend for one budget period (the latest value wins). */
export function createSpendWrites(db: DatabaseSync) {
  const upsert = db.prepare(
    `INSERT INTO key_spend (key_id, period, period_start, spend_usd) VALUES (?, ?, ?, ?)
     ON CONFLICT(key_id, period, period_start) DO UPDATE SET spend_usd = excluded.spend_usd`,
  );
  return {
    save(row: SpendRow): void {
      upsert.run(row.key_id, row.period, row.period_start, row.spend_usd);
    },
  };
}

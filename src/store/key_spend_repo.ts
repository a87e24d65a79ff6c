/**
 * @module key_spend_repo
 * What each client key spent per budget period (docs/keys.md, "Budgets"),
 * so a restart does not hand a key its budget again: one row per key,
 * period kind and period start, written on the request writer's thread
 * (request_writer.ts) and read once at boot.
 */
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { BudgetPeriod } from "../keys/key_policy.ts";
import type { SpendRow } from "../state/in_process_budget.ts";
import { createSpendWrites } from "./writer_statements.ts";

const Row = z.object({
  key_id: z.string(),
  period: BudgetPeriod,
  period_start: z.number(),
  spend_usd: z.number().min(0),
});

/** The longest period that is not `total` (a month) is never longer than this. */
const LONGEST_PERIOD_MS = 31 * 86_400_000;

/** Load, save and purge key spend. */
export function createKeySpendRepo(db: DatabaseSync) {
  const all = db.prepare("SELECT key_id, period, period_start, spend_usd FROM key_spend");
  const writes = createSpendWrites(db);
  const purge = db.prepare(
    `DELETE FROM key_spend
     WHERE (period <> 'total' AND period_start < ?)
        OR key_id NOT IN (SELECT id FROM client_keys)`,
  );
  return {
    /** Every stored row; an unreadable one is skipped (that period counts from 0). */
    loadAll(): SpendRow[] {
      const out: SpendRow[] = [];
      for (const raw of all.all()) {
        const r = Row.safeParse(raw);
        if (r.success) out.push(r.data);
      }
      return out;
    },
    save: writes.save,
    /**
     * Drops periods that ended before `now` could be in them (started more
     * than a month ago; `total` never ends) and the rows of deleted keys.
     */
    purge(now: number): number {
      return Number(purge.run(now - LONGEST_PERIOD_MS).changes);
    },
  };
}
export type KeySpendRepo = ReturnType<typeof createKeySpendRepo>;

/**
 * @module price_repo
 * The price table (docs/accounting.md, "Cost"): one row per model glob, with
 * who owns it (`'file'`: the config file; NULL: the API or the dashboard).
 */
import type { DatabaseSync } from "node:sqlite";
import type { PriceEntry } from "../pricing/price_entry.ts";
import { type Managed, type PriceRecord, PriceRow } from "./rows.ts";

/** Reads and replaces price table entries; callers hold the transaction. */
export function createPriceRepo(db: DatabaseSync) {
  const list = db.prepare("SELECT * FROM prices ORDER BY model");
  const upsert = db.prepare(
    `INSERT INTO prices (model, input_per_mtok, cached_input_per_mtok, output_per_mtok,
       reasoning_per_mtok, max_output_tokens, managed) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(model) DO UPDATE SET input_per_mtok = excluded.input_per_mtok,
       cached_input_per_mtok = excluded.cached_input_per_mtok,
       output_per_mtok = excluded.output_per_mtok,
       reasoning_per_mtok = excluded.reasoning_per_mtok,
       max_output_tokens = excluded.max_output_tokens, managed = excluded.managed`,
  );
  const remove = db.prepare("DELETE FROM prices WHERE model = ?");
  const setManaged = db.prepare("UPDATE prices SET managed = ? WHERE managed IS NOT NULL");

  return {
    list: (): PriceRecord[] => list.all().map((r) => PriceRow.parse(r)),
    /** Inserts `entry`, or replaces the entry of the same glob, owned by `managed`. */
    put(entry: PriceEntry, managed: Managed): void {
      upsert.run(
        entry.model,
        entry.input_per_mtok,
        entry.cached_input_per_mtok,
        entry.output_per_mtok,
        entry.reasoning_per_mtok,
        entry.max_output_tokens,
        managed,
      );
    },
    remove(model: string): void {
      remove.run(model);
    },
    /** Hands every entry the file owned to the dashboard. */
    releaseManaged(): void {
      setManaged.run(null);
    },
  };
}
export type PriceRepo = ReturnType<typeof createPriceRepo>;

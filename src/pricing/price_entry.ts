/**
 * @module price_entry
 * One price of the price table (docs/accounting.md, "Cost"): a model glob and
 * what its tokens cost, in USD per million tokens. One zod schema for the
 * admin API, a backend's own `prices`, the config file and the stored row,
 * so a field means the same everywhere.
 */
import { z } from "zod";

/** Above any published list price by far; low enough to catch a slipped decimal point. */
export const MAX_USD_PER_MTOK = 100_000;
/** Entries in one table or one backend's `prices`. */
export const MAX_PRICE_ENTRIES = 10_000;

const Usd = z
  .number({ error: "Must be a number (USD per million tokens)" })
  .min(0, "Must not be negative")
  .max(MAX_USD_PER_MTOK, `Must be at most ${MAX_USD_PER_MTOK}`);

/** A price as written: the optional fields may be absent. */
export const PriceInput = z.strictObject({
  /** An exact model name or a `*` glob (engine/model_match.ts). */
  model: z.string().trim().min(1, "Must not be empty").max(256),
  input_per_mtok: Usd,
  /** Prompt tokens read from the provider's cache; absent: they cost `input_per_mtok`. */
  cached_input_per_mtok: Usd.nullable().default(null),
  output_per_mtok: Usd,
  /** Reasoning tokens (counted inside completion tokens); absent: they cost `output_per_mtok`. */
  reasoning_per_mtok: Usd.nullable().default(null),
  /** The model's largest answer: a request's worst case when it sets no limit itself. */
  max_output_tokens: z.number().int().min(1).max(100_000_000).nullable().default(null),
});

/** A price with every field present (`null` where it does not apply). */
export type PriceEntry = z.output<typeof PriceInput>;

/** A list of prices in which each glob appears once, for a table or a backend's `prices`. */
export const PriceList = z
  .array(PriceInput)
  .max(MAX_PRICE_ENTRIES)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      if (seen.has(e.model)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "model"],
          message: `Duplicate model glob "${e.model}"`,
        });
      }
      seen.add(e.model);
    });
  });

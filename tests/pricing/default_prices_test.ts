/**
 * @module default_prices_test
 * The shipped table: valid as any table must be, and priced as published
 * for a few models and their dated snapshots.
 */
import assert from "node:assert/strict";
import { DEFAULT_PRICES } from "../../src/pricing/default_prices.ts";
import { PriceList } from "../../src/pricing/price_entry.ts";
import { PriceBook } from "../../src/pricing/price_book.ts";

Deno.test("DEFAULT_PRICES passes the table's own validation (no glob twice, no bad price)", () => {
  const parsed = PriceList.safeParse(DEFAULT_PRICES);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues[0]));
  assert.deepEqual(parsed.data, DEFAULT_PRICES);
});

const book = new PriceBook(DEFAULT_PRICES);
const priced = (model: string) => book.priceFor({ prices: [] }, model, model);

const EXPECTED: [string, number, number | null, number][] = [
  // model, input, cached input, output (USD per million tokens)
  ["gpt-4o", 2.5, 1.25, 10],
  ["gpt-4o-2024-08-06", 2.5, 1.25, 10],
  ["gpt-4o-2024-05-13", 5, null, 15],
  ["gpt-4o-mini", 0.15, 0.075, 0.6],
  ["gpt-4o-mini-2024-07-18", 0.15, 0.075, 0.6],
  ["gpt-4.1-mini-2025-04-14", 0.4, 0.1, 1.6],
  ["gpt-5-mini-2025-08-07", 0.25, 0.025, 2],
  ["o4-mini", 1.1, 0.275, 4.4],
  ["text-embedding-3-small", 0.02, null, 0],
  ["claude-sonnet-4-5-20250929", 3, 0.3, 15],
  ["claude-opus-4-5-20251101", 5, 0.5, 25],
  ["claude-opus-4-1-20250805", 15, 1.5, 75],
  ["claude-opus-4-20250514", 15, 1.5, 75],
  ["claude-3-5-haiku-20241022", 0.8, 0.08, 4],
];

for (const [model, input, cached, output] of EXPECTED) {
  Deno.test(`DEFAULT_PRICES prices ${model} at ${input} / ${cached} / ${output}`, () => {
    const p = priced(model);
    assert.ok(p, `no price for ${model}`);
    assert.deepEqual(
      [p.input_per_mtok, p.cached_input_per_mtok, p.output_per_mtok],
      [input, cached, output],
    );
  });
}

Deno.test("DEFAULT_PRICES leaves an unknown model unpriced rather than guessing", () => {
  assert.equal(priced("llama-3.1-70b"), undefined);
  assert.equal(priced("gpt-4o-realtime-preview"), undefined);
});

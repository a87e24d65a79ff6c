/**
 * @module price_fixture
 * A price table entry for the pricing tests: round prices so the expected
 * costs can be worked out by hand.
 */
import type { PriceEntry } from "../../src/pricing/price_entry.ts";

/** `model` at $1 in, $2 out per million tokens, no cached or reasoning price, unless `over` says. */
export function price(model: string, over: Partial<PriceEntry> = {}): PriceEntry {
  return {
    model,
    input_per_mtok: 1,
    cached_input_per_mtok: null,
    output_per_mtok: 2,
    reasoning_per_mtok: null,
    max_output_tokens: null,
    ...over,
  };
}

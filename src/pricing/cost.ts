/**
 * @module cost
 * What one upstream call's tokens cost at one price (docs/accounting.md,
 * "Cost"). Counts follow OpenAI's usage: cached tokens are part of
 * `prompt_tokens` and reasoning tokens part of `completion_tokens`, so each
 * is priced instead of, never on top of, its plain rate.
 */
import type { Usage } from "../api_formats/usage.ts";
import type { PriceEntry } from "./price_entry.ts";

/** Prices are per million tokens. */
export const PER_MTOK = 1_000_000;

/** USD for `usage` at `price`. */
export function callCost(usage: Usage, price: PriceEntry): number {
  const prompt = usage.prompt_tokens;
  const completion = usage.completion_tokens;
  const cached = Math.min(usage.cached_tokens ?? 0, prompt);
  // Without a reasoning price, reasoning is output like the rest of the answer.
  const reasoning = price.reasoning_per_mtok === null
    ? 0
    : Math.min(usage.reasoning_tokens ?? 0, completion);
  const micro = (prompt - cached) * price.input_per_mtok +
    cached * (price.cached_input_per_mtok ?? price.input_per_mtok) +
    (completion - reasoning) * price.output_per_mtok +
    reasoning * (price.reasoning_per_mtok ?? 0);
  return micro / PER_MTOK;
}

/** Rounds to 1e-10 USD, so sums of binary fractions read as the decimal they are. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e10) / 1e10;
}

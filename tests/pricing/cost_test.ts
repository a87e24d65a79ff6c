/**
 * @module cost_test
 * callCost(): a call's USD from its usage at one price, as a table of cases
 * worked out by hand (prices per million tokens).
 */
import assert from "node:assert/strict";
import { callCost, roundUsd } from "../../src/pricing/cost.ts";
import type { Usage } from "../../src/api_formats/usage.ts";
import { price } from "./price_fixture.ts";

const usage = (prompt: number, completion: number, extra: Partial<Usage> = {}): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  ...extra,
});

const CASES: { name: string; usage: Usage; price: ReturnType<typeof price>; usd: number }[] = [
  {
    name: "prompt at input, completion at output",
    usage: usage(1_000_000, 500_000),
    price: price("m", { input_per_mtok: 2.5, output_per_mtok: 10 }),
    usd: 2.5 + 5,
  },
  {
    name: "cached tokens are part of the prompt, at the cached price",
    usage: usage(1000, 0, { cached_tokens: 400 }),
    price: price("m", { input_per_mtok: 2, cached_input_per_mtok: 0.5 }),
    usd: (600 * 2 + 400 * 0.5) / 1e6,
  },
  {
    name: "without a cached price, cached tokens cost input",
    usage: usage(1000, 0, { cached_tokens: 400 }),
    price: price("m", { input_per_mtok: 2 }),
    usd: 1000 * 2 / 1e6,
  },
  {
    name: "more cached than prompt tokens is capped at the prompt",
    usage: usage(100, 0, { cached_tokens: 150 }),
    price: price("m", { input_per_mtok: 2, cached_input_per_mtok: 1 }),
    usd: 100 * 1 / 1e6,
  },
  {
    name: "reasoning tokens are part of the completion, at the reasoning price",
    usage: usage(0, 1000, { reasoning_tokens: 700 }),
    price: price("m", { output_per_mtok: 4, reasoning_per_mtok: 8 }),
    usd: (300 * 4 + 700 * 8) / 1e6,
  },
  {
    name: "without a reasoning price, reasoning is output: counted once",
    usage: usage(0, 1000, { reasoning_tokens: 700 }),
    price: price("m", { output_per_mtok: 4 }),
    usd: 1000 * 4 / 1e6,
  },
  {
    name: "an embedding: prompt only",
    usage: usage(8000, 0),
    price: price("m", { input_per_mtok: 0.02, output_per_mtok: 0 }),
    usd: 8000 * 0.02 / 1e6,
  },
  {
    name: "no tokens cost nothing",
    usage: usage(0, 0),
    price: price("m", { input_per_mtok: 100, output_per_mtok: 100 }),
    usd: 0,
  },
];

for (const c of CASES) {
  Deno.test(`callCost(): ${c.name}`, () => {
    assert.equal(roundUsd(callCost(c.usage, c.price)), roundUsd(c.usd));
  });
}

Deno.test("roundUsd() reads sums of binary fractions as the decimal they are", () => {
  assert.notEqual(0.1 + 0.2, 0.3);
  assert.equal(roundUsd(0.1 + 0.2), 0.3);
  assert.equal(roundUsd(0.00000000004), 0);
  assert.equal(roundUsd(0.00000000006), 1e-10);
});

/**
 * @module price_table_test
 * Which price applies: glob specificity as a total order, and the lookup.
 */
import assert from "node:assert/strict";
import { bySpecificity, compareGlobs, findPrice } from "../../src/pricing/price_table.ts";
import { price } from "./price_fixture.ts";

const ORDERED: [string, string, string][] = [
  // [more specific, less specific, why]
  ["gpt-4o", "gpt-4o*", "an exact name before any glob"],
  ["gpt-4o-mini", "gpt-4o-mini*", "an exact name before its own glob"],
  ["zzz", "aaaaaaaaaaaa*", "an exact name before a longer glob"],
  ["gpt-4o-mini*", "gpt-4o*", "the longer literal prefix"],
  ["gpt-*", "*-mini", "a literal prefix before none, though it has fewer literals"],
  ["gpt-4o*-audio*", "gpt-4o*", "same prefix: more literal characters"],
  ["gpt-4o*a", "gpt-4o*b", "a tie broken by code units, so the order is total"],
  ["a*", "*", "anything before the catch-all"],
];

for (const [a, b, why] of ORDERED) {
  Deno.test(`compareGlobs() puts "${a}" before "${b}": ${why}`, () => {
    assert.ok(compareGlobs(a, b) < 0);
    assert.ok(compareGlobs(b, a) > 0);
  });
}

Deno.test("bySpecificity() does not depend on the order entries were written", () => {
  const globs = ["*", "gpt-4o*", "gpt-4o-mini", "gpt-4o-mini*", "*-mini", "gpt-*"];
  const expected = ["gpt-4o-mini", "gpt-4o-mini*", "gpt-4o*", "gpt-*", "*-mini", "*"];
  assert.deepEqual(bySpecificity(globs.map((g) => price(g))).map((e) => e.model), expected);
  const reversed = [...globs].reverse().map((g) => price(g));
  assert.deepEqual(bySpecificity(reversed).map((e) => e.model), expected);
});

const TABLE = bySpecificity(
  ["gpt-4o*", "gpt-4o-mini*", "gpt-4o", "*-mini", "*"].map((g) => price(g)),
);

const LOOKUPS: [string, string | undefined][] = [
  ["gpt-4o", "gpt-4o"],
  ["gpt-4o-2024-08-06", "gpt-4o*"],
  ["gpt-4o-mini", "gpt-4o-mini*"],
  ["gpt-4o-mini-2024-07-18", "gpt-4o-mini*"],
  ["o4-mini", "*-mini"],
  ["llama-3", "*"],
];

for (const [model, glob] of LOOKUPS) {
  Deno.test(`findPrice() prices "${model}" by "${glob}"`, () => {
    assert.equal(findPrice(TABLE, model)?.model, glob);
  });
}

Deno.test("findPrice() is case-sensitive and literal outside '*', and undefined when nothing matches", () => {
  const table = bySpecificity([price("gpt-4.1*")]);
  assert.equal(findPrice(table, "GPT-4.1"), undefined);
  assert.equal(findPrice(table, "gpt-4x1"), undefined);
  assert.equal(findPrice(table, "gpt-4.1-mini")?.model, "gpt-4.1*");
  assert.equal(findPrice([], "gpt-4o"), undefined);
});

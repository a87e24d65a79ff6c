/**
 * @module price_book_test
 * PriceBook remembers its lookups (every request is priced): what it
 * remembers follows the table and a backend's own prices, never a stale
 * answer, and a name unpriced before is priced once the table has it.
 */
import assert from "node:assert/strict";
import { PriceBook } from "../../src/pricing/price_book.ts";
import { price } from "./price_fixture.ts";

const PLAIN = { prices: [] };

Deno.test("PriceBook.priceFor answers the same after remembering, and the new table after set()", () => {
  const book = new PriceBook([price("gpt-4o*", { input_per_mtok: 2.5 })]);
  assert.equal(book.priceFor(PLAIN, "gpt-4o-mini", "gpt-4o-mini")?.input_per_mtok, 2.5);
  assert.equal(book.priceFor(PLAIN, "gpt-4o-mini", "gpt-4o-mini")?.input_per_mtok, 2.5);
  assert.equal(book.priceFor(PLAIN, "other", "other"), undefined);
  book.set([price("gpt-4o-mini", { input_per_mtok: 0.15 }), price("other")]);
  assert.equal(book.priceFor(PLAIN, "gpt-4o-mini", "gpt-4o-mini")?.input_per_mtok, 0.15);
  assert.equal(book.priceFor(PLAIN, "other", "other")?.model, "other");
});

Deno.test("PriceBook.priceFor: a backend's own prices win, and its new prices are used once it has them", () => {
  const book = new PriceBook([price("m", { input_per_mtok: 1 })]);
  const backend = { prices: [price("m", { input_per_mtok: 7 })] };
  assert.equal(book.priceFor(backend, "m", "m")?.input_per_mtok, 7);
  assert.equal(book.priceFor(PLAIN, "m", "m")?.input_per_mtok, 1);
  backend.prices = [price("m", { input_per_mtok: 9 })];
  assert.equal(book.priceFor(backend, "m", "m")?.input_per_mtok, 9);
});

Deno.test("PriceBook.priceFor keeps the upstream and requested names apart: no two pairs share an answer", () => {
  const book = new PriceBook([
    price("ab", { input_per_mtok: 3 }),
    price("a", { input_per_mtok: 5 }),
  ]);
  // ("a", "b") and ("ab", "") would be one key if the names were only joined.
  assert.equal(book.priceFor(PLAIN, "x", "ab")?.input_per_mtok, 3);
  assert.equal(book.priceFor(PLAIN, "x", "a")?.input_per_mtok, 5);
  assert.equal(book.priceFor(PLAIN, "xa", "b"), undefined);
});

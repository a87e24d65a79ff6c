/**
 * @module request_cost_test
 * A request's cost from the calls that served it, the price that applies to
 * each call's backend, and the worst case before a request is sent.
 */
import assert from "node:assert/strict";
import { PriceBook } from "../../src/pricing/price_book.ts";
import {
  type CandidateBackend,
  requestCost,
  worstCaseCost,
} from "../../src/pricing/request_cost.ts";
import { ServedCall } from "../../src/pricing/served_call.ts";
import type { Usage } from "../../src/api_formats/usage.ts";
import { price } from "./price_fixture.ts";

const BODY = { model: "gpt-x", messages: [{ role: "user", content: "12345678" }] };
// "user" + "12345678": 12 characters, 3 tokens.
const BODY_TOKENS = 3;

const book = new PriceBook([
  price("gpt-x", { input_per_mtok: 1, output_per_mtok: 2, max_output_tokens: 1000 }),
  price("gpt-*", { input_per_mtok: 10, output_per_mtok: 20 }),
]);

function call(
  backend: string,
  usage?: Usage,
  opts: { stream?: boolean; upstream?: string; prices?: ReturnType<typeof price>[] } = {},
) {
  const c = new ServedCall(
    { id: backend, prices: opts.prices ?? [] },
    opts.upstream ?? "gpt-x",
    BODY,
    opts.stream ?? false,
  );
  c.usage = usage;
  return c;
}

const tokens = (p: number, c: number): Usage => ({
  prompt_tokens: p,
  completion_tokens: c,
  total_tokens: p + c,
});

Deno.test("requestCost(): one priced call", () => {
  const cost = requestCost(book, "gpt-x", [call("b1", tokens(1000, 500))]);
  assert.deepEqual(cost, {
    cost_usd: 0.002,
    unpriced: false,
    usage_estimated: false,
    calls: [{ backendId: "b1", cost_usd: 0.002, estimated: false }],
  });
});

Deno.test("requestCost(): a request no upstream served costs 0, not null", () => {
  assert.deepEqual(requestCost(book, "gpt-x", []), {
    cost_usd: 0,
    unpriced: false,
    usage_estimated: false,
    calls: [],
  });
});

Deno.test("requestCost(): a model without a price is null and flagged unpriced", () => {
  const cost = requestCost(book, "llama", [call("b1", tokens(1000, 500), { upstream: "llama" })]);
  assert.equal(cost.cost_usd, null);
  assert.equal(cost.unpriced, true);
});

Deno.test("requestCost(): a resumed stream pays both calls, each at its backend's price", () => {
  const own = [price("gpt-x", { input_per_mtok: 3, output_per_mtok: 6 })];
  const cost = requestCost(book, "gpt-x", [
    call("b1", tokens(1000, 100), { stream: true }),
    call("b2", tokens(1100, 200), { stream: true, prices: own }),
  ]);
  // b1 at the table: 1000×1 + 100×2; b2 at its own: 1100×3 + 200×6.
  assert.deepEqual(cost.calls.map((c) => c.cost_usd), [0.0012, 0.0045]);
  assert.equal(cost.cost_usd, 0.0057);
});

Deno.test("requestCost(): a priced call and an unpriced one: the priced part, flagged", () => {
  // Asked for as "llama" (no price): b1 maps it onto gpt-x, which has one; b2 does not.
  const cost = requestCost(book, "llama", [
    call("b1", tokens(1000, 0), { upstream: "gpt-x" }),
    call("b2", tokens(1000, 0), { upstream: "llama" }),
  ]);
  assert.deepEqual(cost.calls.map((c) => c.cost_usd), [0.001, null]);
  assert.equal(cost.cost_usd, 0.001);
  assert.equal(cost.unpriced, true);
});

Deno.test("requestCost(): a stream without usage is estimated from its body and the text relayed", () => {
  const c = call("b1", undefined, { stream: true });
  c.observe({ choices: [{ index: 0, delta: { content: "x".repeat(40) } }] }, undefined);
  const cost = requestCost(book, "gpt-x", [c]);
  // 3 prompt tokens at $1, 10 completion tokens at $2, per million.
  assert.equal(cost.cost_usd, (BODY_TOKENS * 1 + 10 * 2) / 1e6);
  assert.equal(cost.usage_estimated, true);
  assert.deepEqual(cost.calls.map((x) => x.estimated), [true]);
});

Deno.test("requestCost(): a stream's reported usage wins over the estimate", () => {
  const c = call("b1", undefined, { stream: true });
  c.observe({ choices: [{ index: 0, delta: { content: "x".repeat(40) } }] }, undefined);
  c.observe({ choices: [] }, tokens(1000, 0));
  const cost = requestCost(book, "gpt-x", [c]);
  assert.equal(cost.cost_usd, 0.001);
  assert.equal(cost.usage_estimated, false);
});

Deno.test("requestCost(): a non-stream body without usage costs 0 at its price, not an estimate", () => {
  const cost = requestCost(book, "gpt-x", [call("b1", undefined)]);
  assert.equal(cost.cost_usd, 0);
  assert.equal(cost.usage_estimated, false);
});

Deno.test("PriceBook.priceFor(): a backend's own price wins over a more specific table entry", () => {
  const own = [price("*", { input_per_mtok: 7 })];
  assert.equal(book.priceFor({ prices: own }, "gpt-x", "gpt-x")?.input_per_mtok, 7);
  assert.equal(book.priceFor({ prices: [] }, "gpt-x", "gpt-x")?.input_per_mtok, 1);
});

Deno.test("PriceBook.priceFor(): the upstream name first, then the name asked for", () => {
  // model_map sent gpt-x to a deployment the table does not know: priced as asked for.
  assert.equal(book.priceFor({ prices: [] }, "my-deployment", "gpt-x")?.model, "gpt-x");
  // The upstream name, when priced, is what the call is priced by.
  assert.equal(book.priceFor({ prices: [] }, "gpt-x", "gpt-y")?.model, "gpt-x");
  assert.equal(book.priceFor({ prices: [] }, "my-deployment", "llama"), undefined);
});

Deno.test("PriceBook.set() replaces the table", () => {
  const b = new PriceBook([price("a")]);
  b.set([price("b")]);
  assert.deepEqual(b.table.map((e) => e.model), ["b"]);
  assert.equal(b.priceFor({ prices: [] }, "a", "a"), undefined);
});

const ANY = [{ prices: [], model_map: {} }];

Deno.test("worstCaseCost(): the request's max_tokens, at input and output prices", () => {
  const usd = worstCaseCost(book, { model: "gpt-x", body: { ...BODY, max_tokens: 100 } }, ANY);
  assert.equal(usd, (BODY_TOKENS * 1 + 100 * 2) / 1e6);
});

Deno.test("worstCaseCost(): the largest of max_tokens, max_completion_tokens, max_output_tokens, times n", () => {
  const body = { ...BODY, max_tokens: 10, max_completion_tokens: 50, max_output_tokens: 20, n: 3 };
  assert.equal(
    worstCaseCost(book, { model: "gpt-x", body }, ANY),
    (BODY_TOKENS * 1 + 150 * 2) / 1e6,
  );
});

Deno.test("worstCaseCost(): without a limit, the price's max_output_tokens, else 4096", () => {
  assert.equal(
    worstCaseCost(book, { model: "gpt-x", body: BODY }, ANY),
    (BODY_TOKENS * 1 + 1000 * 2) / 1e6,
  );
  assert.equal(
    worstCaseCost(book, { model: "gpt-y", body: BODY }, ANY),
    (BODY_TOKENS * 10 + 4096 * 20) / 1e6,
  );
});

Deno.test("worstCaseCost(): the dearest candidate, through its model_map; null when none is priced", () => {
  const candidates: CandidateBackend[] = [
    { prices: [], model_map: {} },
    { prices: [], model_map: { "gpt-x": "gpt-other" } }, // priced by gpt-* at $10/$20
  ];
  const body = { ...BODY, max_tokens: 100 };
  assert.equal(
    worstCaseCost(book, { model: "gpt-x", body }, candidates),
    (BODY_TOKENS * 10 + 100 * 20) / 1e6,
  );
  assert.equal(worstCaseCost(book, { model: "llama", body }, candidates), null);
  assert.equal(worstCaseCost(book, { model: "gpt-x", body }, []), null);
});

Deno.test("worstCaseCost(): a reasoning price dearer than output is the answer's rate", () => {
  const b = new PriceBook([price("r", { output_per_mtok: 2, reasoning_per_mtok: 5 })]);
  const usd = worstCaseCost(b, { model: "r", body: { model: "r", max_tokens: 10 } }, ANY);
  assert.equal(usd, 10 * 5 / 1e6);
});

/**
 * @module budget_refusal_test
 * The budget refusal's message for each case (spent; over the whole budget;
 * more than is left), with the next period's start except for a total
 * budget, and dollars to the cent or to two digits below one.
 */
import assert from "node:assert/strict";
import { budgetRefusalMessage, usd } from "../../src/keys/budget_refusal.ts";

const DAY_START = Date.UTC(2026, 10, 27);

Deno.test("budgetRefusalMessage() names the case, the amounts and when the budget starts again", () => {
  const base = { limitUsd: 10, period: "day" as const, periodStart: DAY_START, reservedUsd: 0 };
  assert.equal(
    budgetRefusalMessage({ ...base, estimateUsd: 0, spendUsd: 10.2 }),
    "This API key's budget of $10.00 per day is spent ($10.20 spent today); " +
      "the next period starts at 2026-11-28T00:00:00Z",
  );
  assert.equal(
    budgetRefusalMessage({ ...base, estimateUsd: 12, spendUsd: 0 }),
    "This request may cost up to $12.00, more than this API key's whole budget of $10.00 per day: " +
      "ask for fewer output tokens (max_tokens)",
  );
  assert.equal(
    budgetRefusalMessage({ ...base, estimateUsd: 0.5, spendUsd: 9.4, reservedUsd: 0.3 }),
    "This request may cost up to $0.50, more than is left of this API key's budget of $10.00 per day " +
      "($9.40 spent, $0.30 reserved by requests in flight): ask for fewer output tokens (max_tokens), " +
      "or retry when requests in flight have ended; the next period starts at 2026-11-28T00:00:00Z",
  );
  // A total budget never starts again.
  assert.equal(
    budgetRefusalMessage({ ...base, period: "total", estimateUsd: 0, spendUsd: 10 }),
    "This API key's budget of $10.00 in total is spent ($10.00 spent)",
  );
});

Deno.test("usd() is dollars to the cent, or two significant digits below a cent", () => {
  const cases: [number, string][] = [
    [0, "$0.00"],
    [0.01, "$0.01"],
    [12.345, "$12.35"],
    [0.0099, "$0.0099"],
    [0.00042, "$0.00042"],
    [1e-7, "$0.00000010"],
  ];
  for (const [n, text] of cases) assert.equal(usd(n), text, String(n));
});

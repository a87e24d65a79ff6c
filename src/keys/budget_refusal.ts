/**
 * @module budget_refusal
 * What a client is told when its key's budget cannot cover a request
 * (docs/keys.md, "Budgets"): which of the three cases it is (the budget is
 * spent; this request alone could cost more than the whole budget; it
 * could cost more than is left), with the amounts, and when the budget
 * starts again. The OpenAI SDKs never retry a 403, so the message must say
 * what would help.
 */
import { isoSeconds } from "../bytes.ts";
import { fitsBudget } from "../state/budget_ledger.ts";
import { periodEnd } from "./budget_period.ts";
import type { BudgetPeriod } from "./key_policy.ts";

/** The budget as it stood when the request was refused. */
export interface BudgetShortfall {
  estimateUsd: number;
  limitUsd: number;
  period: BudgetPeriod;
  spendUsd: number;
  reservedUsd: number;
  /** Epoch ms. */
  periodStart: number;
}

const PER: Record<BudgetPeriod, string> = {
  day: "per day",
  week: "per week",
  month: "per month",
  total: "in total",
};

const THIS: Record<BudgetPeriod, string> = {
  day: "today",
  week: "this week",
  month: "this month",
  total: "",
};

/** The refusal's message. */
export function budgetRefusalMessage(s: BudgetShortfall): string {
  const end = periodEnd(s.period, s.periodStart);
  const again = Number.isFinite(end) ? `; the next period starts at ${isoSeconds(end)}` : "";
  const limit = `${usd(s.limitUsd)} ${PER[s.period]}`;
  if (!fitsBudget(s.spendUsd, 0, 0, s.limitUsd)) {
    const spent = `${usd(s.spendUsd)} spent ${THIS[s.period]}`.trimEnd();
    return `This API key's budget of ${limit} is spent (${spent})${again}`;
  }
  if (!fitsBudget(0, 0, s.estimateUsd, s.limitUsd)) {
    return `This request may cost up to ${usd(s.estimateUsd)}, more than this API key's ` +
      `whole budget of ${limit}: ask for fewer output tokens (max_tokens)`;
  }
  return `This request may cost up to ${usd(s.estimateUsd)}, more than is left of this API ` +
    `key's budget of ${limit} (${usd(s.spendUsd)} spent, ${usd(s.reservedUsd)} reserved by ` +
    `requests in flight): ask for fewer output tokens (max_tokens), or retry when requests ` +
    `in flight have ended${again}`;
}

/** Dollars to the cent, or two significant digits below a cent. */
export function usd(n: number): string {
  if (n === 0 || Math.abs(n) >= 0.01) return `$${n.toFixed(2)}`;
  const digits = Math.min(10, 1 - Math.floor(Math.log10(Math.abs(n))));
  return `$${n.toFixed(digits)}`;
}

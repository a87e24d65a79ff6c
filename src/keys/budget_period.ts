/**
 * @module budget_period
 * When a key's budget period began (CONTRACT §6): days, weeks and months in
 * UTC, weeks starting on Monday, months on the 1st; a `total` budget never
 * starts again, so its period is the key's whole life.
 */
import type { BudgetPeriod } from "./key_policy.ts";

const DAY_MS = 86_400_000;

/**
 * Epoch ms of the start of the period holding `now`; for `total`, the key's
 * creation (`createdAt`).
 */
export function periodStart(period: BudgetPeriod, now: number, createdAt: number): number {
  const d = new Date(now);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case "day":
      return midnight;
    case "week":
      // getUTCDay: Sunday 0 … Saturday 6; Monday starts the week.
      return midnight - ((d.getUTCDay() + 6) % 7) * DAY_MS;
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case "total":
      return createdAt;
  }
}

/**
 * Epoch ms at which the period that began at `start` ends (the next one's
 * start); Infinity for `total`, which never ends.
 */
export function periodEnd(period: BudgetPeriod, start: number): number {
  const d = new Date(start);
  switch (period) {
    case "day":
      return start + DAY_MS;
    case "week":
      return start + 7 * DAY_MS;
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    case "total":
      return Infinity;
  }
}

/**
 * The start of a key's period at a given instant, remembering the period it
 * found: a ledger asks on every reservation and settlement, and a new
 * period begins at most once a day, so most calls compare two numbers
 * instead of building a Date (a measurable share of a governed request).
 */
export class PeriodStarts {
  #start = 0;
  #end = -Infinity;

  constructor(readonly period: BudgetPeriod, readonly createdAt: number) {}

  /** Same as `periodStart(period, now, createdAt)`. */
  at(now: number): number {
    if (now >= this.#start && now < this.#end) return this.#start;
    const start = periodStart(this.period, now, this.createdAt);
    if (now >= start) {
      // A clock set back before the key existed (a `total` at `createdAt`) is not remembered.
      this.#start = start;
      this.#end = periodEnd(this.period, start);
    }
    return start;
  }
}

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

/**
 * @module budget_ledger
 * A client key's budget as the shared state holds it (docs/keys.md,
 * "Budgets"; docs/cluster.md, "Budgets"): what the key spent in each
 * period, and the requests in flight that may still spend. Admission
 * reserves a request's worst-case cost and refuses when it would not fit;
 * the request's end replaces the reservation with the real cost. The same
 * rule decides in process, in the Redis script, and on a replica serving
 * its share while Redis is away.
 */
import type { BudgetPeriod } from "../keys/key_policy.ts";

/** Which budget of a key: its period kind, and its creation (where a `total` period starts). */
export interface BudgetWindow {
  period: BudgetPeriod;
  /** Epoch ms. */
  createdAt: number;
}

/** A request's claim on a budget, held until the request ends. */
export interface Reservation {
  /** The worst-case cost reserved, USD. */
  readonly usd: number;
  /** Epoch ms: the start of the period it was made in, where the real cost is charged. */
  readonly periodStart: number;
  /** Its id in the cluster; empty when only this replica holds it. */
  readonly id: string;
}

/** What a reservation was answered: granted, or refused with the budget as it stood. */
export type BudgetVerdict =
  | { granted: true; reservation: Reservation }
  | { granted: false; spendUsd: number; reservedUsd: number; periodStart: number };

/** One key's budget, per period. */
export interface BudgetLedger {
  /**
   * Reserves `estimateUsd` of `limitUsd` in the period holding `now`, or
   * refuses (see {@link fitsBudget}). Synchronous in process; a shared
   * ledger asks the cluster (one round trip) and never rejects: while the
   * cluster does not answer, it decides on this replica's share.
   */
  reserve(
    estimateUsd: number,
    limitUsd: number,
    now: number,
  ): BudgetVerdict | Promise<BudgetVerdict>;
  /**
   * Replaces the reservation with the request's real cost (0 for a request
   * that failed or was unpriced), in the period the reservation was made
   * in. Called exactly once per granted reservation.
   */
  settle(reservation: Reservation, realUsd: number, now: number): void;
  /** Spent in the period holding `now`, USD, as last known. */
  spend(now: number): number;
  /** Reserved by requests in flight in the period holding `now`, USD, as last known. */
  reserved(now: number): number;
}

/**
 * Costs are rounded to 10^-10 USD; sums of them drift by less than this, so
 * a budget that covers exactly ten requests admits ten.
 */
export const BUDGET_EPSILON_USD = 1e-9;

/**
 * The rule: a budget that is spent (even to the cent) refuses every request,
 * unpriced ones too, so `budget_usd: 0` stops a key; otherwise a request
 * fits while what is spent, what is reserved and its own worst case stay
 * within the budget. A request whose worst case alone is more than the
 * whole budget never fits: it could spend more than the key may in a whole
 * period.
 */
export function fitsBudget(
  spendUsd: number,
  reservedUsd: number,
  estimateUsd: number,
  limitUsd: number,
): boolean {
  if (spendUsd > limitUsd - BUDGET_EPSILON_USD) return false;
  return spendUsd + reservedUsd + estimateUsd <= limitUsd + BUDGET_EPSILON_USD;
}

/**
 * @module in_process_budget
 * Budgets held by this process alone (docs/keys.md, "Budgets"): per key and
 * period, the spend and the open reservations in memory, decided
 * synchronously; the spend written behind to SQLite (on the request
 * writer's thread), so it survives a restart, and read back at boot.
 */
import { PeriodStarts } from "../keys/budget_period.ts";
import type { BudgetPeriod } from "../keys/key_policy.ts";
import {
  type BudgetLedger,
  type BudgetVerdict,
  type BudgetWindow,
  fitsBudget,
  type Reservation,
} from "./budget_ledger.ts";

/** A key's spend in one period, as stored. */
export interface SpendRow {
  key_id: string;
  period: BudgetPeriod;
  /** Epoch ms. */
  period_start: number;
  spend_usd: number;
}

/** Where a ledger's spend is kept between runs. */
export interface SpendStore {
  /** What was stored for the key's period before this run; 0 when nothing was. */
  stored(keyId: string, period: BudgetPeriod, start: number): number;
  /** Keeps the period's new spend, behind the request path. */
  save(row: SpendRow): void;
}

/** Spend in memory only (tests, and a key ring built without a store). */
export const UNSTORED_SPEND: SpendStore = { stored: () => 0, save: () => {} };

const rowKey = (keyId: string, period: BudgetPeriod, start: number) =>
  `${keyId}\n${period}\n${start}`;

/**
 * Spend read once at boot and written behind by `write` (the request
 * writer, which stores the latest row per key and period once an interval,
 * however many requests settle in it).
 */
export class StoredSpend implements SpendStore {
  readonly #rows = new Map<string, number>();

  constructor(rows: Iterable<SpendRow>, private readonly write: (row: SpendRow) => void) {
    for (const r of rows) this.#rows.set(rowKey(r.key_id, r.period, r.period_start), r.spend_usd);
  }

  stored(keyId: string, period: BudgetPeriod, start: number): number {
    return this.#rows.get(rowKey(keyId, period, start)) ?? 0;
  }

  save(row: SpendRow): void {
    this.#rows.set(rowKey(row.key_id, row.period, row.period_start), row.spend_usd);
    this.write(row);
  }
}

/** One period of one key. */
interface Tally {
  spend: number;
  reserved: number;
  /** Reservations not settled yet. */
  open: number;
}

/**
 * A key's budget in this process. The period is found from the clock on
 * every call, so a new day (week, month) starts at 0 at its first instant,
 * with no timer; a period that ended is forgotten once its last request
 * has settled into it.
 */
export class LocalLedger implements BudgetLedger {
  readonly #periods = new Map<number, Tally>();
  readonly #starts: PeriodStarts;

  constructor(
    readonly keyId: string,
    readonly window: BudgetWindow,
    private readonly store: SpendStore = UNSTORED_SPEND,
  ) {
    this.#starts = new PeriodStarts(this.window.period, this.window.createdAt);
  }

  reserve(estimateUsd: number, limitUsd: number, now: number): BudgetVerdict {
    const start = this.#start(now);
    const t = this.#tally(start);
    if (!fitsBudget(t.spend, t.reserved, estimateUsd, limitUsd)) {
      return { granted: false, spendUsd: t.spend, reservedUsd: t.reserved, periodStart: start };
    }
    t.reserved += estimateUsd;
    t.open++;
    return { granted: true, reservation: { usd: estimateUsd, periodStart: start, id: "" } };
  }

  settle(reservation: Reservation, realUsd: number, now: number): void {
    const start = reservation.periodStart;
    const t = this.#tally(start);
    t.open--;
    // Floats do not cancel exactly: with nothing open, nothing is reserved.
    t.reserved = t.open > 0 ? Math.max(0, t.reserved - reservation.usd) : 0;
    if (realUsd > 0) {
      t.spend += realUsd;
      this.store.save({
        key_id: this.keyId,
        period: this.window.period,
        period_start: start,
        spend_usd: t.spend,
      });
    }
    if (t.open === 0 && start !== this.#start(now)) this.#periods.delete(start);
  }

  spend(now: number): number {
    return this.#periods.get(this.#start(now))?.spend ?? this.#stored(this.#start(now));
  }

  reserved(now: number): number {
    return this.#periods.get(this.#start(now))?.reserved ?? 0;
  }

  #start(now: number): number {
    return this.#starts.at(now);
  }

  #stored(start: number): number {
    return this.store.stored(this.keyId, this.window.period, start);
  }

  #tally(start: number): Tally {
    let t = this.#periods.get(start);
    if (t) return t;
    // A new period: those that ended with nothing open are done with.
    for (const [s, old] of this.#periods) if (old.open === 0) this.#periods.delete(s);
    this.#periods.set(start, t = { spend: this.#stored(start), reserved: 0, open: 0 });
    return t;
  }
}

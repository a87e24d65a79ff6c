/**
 * @module redis_budget_ledger
 * Budgets held by the cluster (docs/cluster.md, "Budgets"). A budget cannot
 * be spent from a local lease without letting the cluster pass it, so a
 * reservation is one round trip to Redis, at admission, for keys with a
 * budget only: the script checks the room left and reserves it in one step.
 * Settling (the real cost in, the reservation out) goes behind the request
 * path. While Redis is away, or after a call failed, each replica reserves
 * against its share of what was left (the budget less the spend last seen,
 * divided by the replicas last seen alive), and what it settled meanwhile
 * is added to the cluster's spend when Redis answers again; every call
 * brings the cluster's spend up to at least what this replica last saw, so
 * a Redis that lost its data does not hand the budget out again.
 */
import { periodEnd, PeriodStarts } from "../keys/budget_period.ts";
import {
  type BudgetLedger,
  type BudgetVerdict,
  type BudgetWindow,
  fitsBudget,
  type Reservation,
} from "./budget_ledger.ts";
import type { BudgetCall, BudgetReply } from "./redis_budget_script.ts";

/** How long a period's hash outlives the period: settlements of requests that straddle its end still land. */
const PERIOD_MARGIN_MS = 3_600_000;
/** After a failed call while the connection says up, this replica decides on its share this long. */
const RETRY_MS = 1_000;
/** The spend shown by the API is read again when older than this. */
const READ_AGAIN_MS = 1_000;

/** What a {@link RedisLedger} needs of the cluster (wired in redis_budgets.ts). */
export interface BudgetLink {
  /** True while Redis answers, as the connection says. */
  readonly up: boolean;
  /** The replicas last seen alive, at least 1: what the budget left is divided by while Redis is away. */
  replicasAlive(): number;
  call(hash: string, call: BudgetCall, expireAt: number): Promise<BudgetReply>;
  /** A reservation id unique in the cluster. */
  nextId(): string;
  /** Epoch ms. */
  now(): number;
}

/** Settled here and not yet in Redis: real costs, and the reservations they replace. */
interface Unsent {
  /** USD, added to the cluster's spend. */
  add: number;
  drop: string[];
}

/** One key's budget for one period kind, held in Redis. */
export class RedisLedger implements BudgetLedger {
  readonly #link: BudgetLink;
  readonly #base: string;
  readonly #window: BudgetWindow;
  readonly #starts: PeriodStarts;
  /** The cluster's spend and reservations in a period, as last answered (local clock). */
  #seen: { start: number; spend: number; reserved: number; at: number } | undefined;
  readonly #unsent = new Map<number, Unsent>();
  /** USD reserved by this replica's requests in flight, per period. */
  readonly #open = new Map<number, number>();
  /** Reservations in Redis of requests in flight here, id → period start: refreshed until settled. */
  readonly #inRedis = new Map<string, number>();
  readonly #calls = new Set<Promise<unknown>>();
  /** No call before this instant: the last one failed. */
  #localUntil = 0;
  #reading = false;

  /** `base` is `<prefix>budget:<key id>:<period>`; each period's hash adds `:<start>`. */
  constructor(link: BudgetLink, base: string, window: BudgetWindow) {
    this.#link = link;
    this.#base = base;
    this.#window = window;
    this.#starts = new PeriodStarts(this.#window.period, this.#window.createdAt);
    // Read at once, so the API shows the cluster's spend from the start.
    this.sync(link.now());
  }

  reserve(
    estimateUsd: number,
    limitUsd: number,
    now: number,
  ): BudgetVerdict | Promise<BudgetVerdict> {
    const start = this.#start(now);
    if (!this.#shared()) return this.#reserveLocal(start, estimateUsd, limitUsd);
    const carry = this.#take(start);
    const id = this.#link.nextId();
    const reserve = { id, estimateUsd, limitUsd };
    return this.#call(start, { ...carry, reserve }).then((reply): BudgetVerdict => {
      if (!reply.granted) {
        return {
          granted: false,
          spendUsd: reply.spend,
          reservedUsd: reply.reserved,
          periodStart: start,
        };
      }
      this.#hold(start, estimateUsd);
      this.#inRedis.set(id, start);
      return { granted: true, reservation: { usd: estimateUsd, periodStart: start, id } };
    }, () => {
      // It may have been made: unrefreshed, it expires with its TTL.
      this.#putBack(start, carry);
      return this.#reserveLocal(start, estimateUsd, limitUsd);
    });
  }

  settle(reservation: Reservation, realUsd: number, _now: number): void {
    const start = reservation.periodStart;
    this.#hold(start, -reservation.usd);
    const { id } = reservation;
    if (id) this.#inRedis.delete(id);
    this.#putBack(start, { add: Math.max(0, realUsd), drop: id ? [id] : [] });
    this.#send(start);
  }

  spend(now: number): number {
    const start = this.#start(now);
    this.#readIfOld(now);
    const seen = this.#seen?.start === start ? this.#seen.spend : 0;
    return seen + (this.#unsent.get(start)?.add ?? 0);
  }

  /** The cluster's reservations as last read; while Redis is away, this replica's own. */
  reserved(now: number): number {
    const start = this.#start(now);
    this.#readIfOld(now);
    if (!this.#shared()) return this.#open.get(start) ?? 0;
    return this.#seen?.start === start ? this.#seen.reserved : 0;
  }

  /**
   * Sends what was settled here and not yet sent (every period), reading the
   * current period's spend in the same call: at creation, when Redis is
   * back, and when the API asks for a spend read long ago.
   */
  sync(now: number): void {
    if (!this.#shared()) return;
    const current = this.#start(now);
    for (const start of this.#unsent.keys()) if (start !== current) this.#send(start);
    if (this.#reading) return;
    this.#reading = true;
    void this.#call(current, this.#take(current))
      .catch(() => {})
      .finally(() => this.#reading = false);
  }

  /** Moves the end of this replica's reservations in Redis a TTL on, while their requests run. */
  refresh(): void {
    if (this.#inRedis.size === 0 || !this.#shared()) return;
    const byPeriod = new Map<number, string[]>();
    for (const [id, start] of this.#inRedis) {
      byPeriod.set(start, [...byPeriod.get(start) ?? [], id]);
    }
    for (const [start, refresh] of byPeriod) {
      void this.#call(start, { refresh }).catch(() => {});
    }
  }

  /** Sends what is unsent and waits for every call out (at close). */
  async drain(): Promise<void> {
    for (const start of [...this.#unsent.keys()]) this.#send(start);
    await Promise.allSettled([...this.#calls]);
  }

  /**
   * This replica's share while the cluster does not answer: of what was
   * left when it last did (the budget less the spend then seen, for this
   * period), divided by the replicas last seen alive; what it settled since
   * and its own requests in flight count against it. The cluster's spend
   * as seen plus what was settled here since must also be within the budget.
   */
  #reserveLocal(start: number, estimateUsd: number, limitUsd: number): BudgetVerdict {
    const seen = this.#seen?.start === start ? this.#seen.spend : 0;
    const settled = this.#unsent.get(start)?.add ?? 0;
    const open = this.#open.get(start) ?? 0;
    const share = Math.max(0, limitUsd - seen) / this.#link.replicasAlive();
    if (
      !fitsBudget(seen + settled, 0, 0, limitUsd) || !fitsBudget(settled, open, estimateUsd, share)
    ) {
      return { granted: false, spendUsd: seen + settled, reservedUsd: open, periodStart: start };
    }
    this.#hold(start, estimateUsd);
    return { granted: true, reservation: { usd: estimateUsd, periodStart: start, id: "" } };
  }

  #start(now: number): number {
    return this.#starts.at(now);
  }

  /** Redis answers, and the last call did not fail just now (on the link's clock). */
  #shared(): boolean {
    return this.#link.up && this.#link.now() >= this.#localUntil;
  }

  #hold(start: number, usd: number): void {
    const open = (this.#open.get(start) ?? 0) + usd;
    // Floats do not cancel exactly: what is left of nothing is nothing.
    if (open > 1e-12) this.#open.set(start, open);
    else this.#open.delete(start);
  }

  #take(start: number): Unsent {
    const u = this.#unsent.get(start) ?? { add: 0, drop: [] };
    this.#unsent.delete(start);
    return u;
  }

  #putBack(start: number, u: Unsent): void {
    if (u.add === 0 && u.drop.length === 0) return;
    const held = this.#unsent.get(start);
    if (held) {
      held.add += u.add;
      held.drop.push(...u.drop);
    } else this.#unsent.set(start, { add: u.add, drop: [...u.drop] });
  }

  /** Sends what is unsent for `start`, when the cluster answers. */
  #send(start: number): void {
    if (!this.#shared() || !this.#unsent.has(start)) return;
    const carry = this.#take(start);
    this.#call(start, carry).catch(() => this.#putBack(start, carry));
  }

  #readIfOld(now: number): void {
    const seen = this.#seen;
    if (!seen || this.#link.now() - seen.at >= READ_AGAIN_MS) this.sync(now);
  }

  /** One script call on the period's hash; a failure puts the replica on its share for a while. */
  #call(start: number, call: BudgetCall): Promise<BudgetReply> {
    const hash = `${this.#base}:${start}`;
    const expireAt = periodEnd(this.#window.period, start) + PERIOD_MARGIN_MS;
    const floor = this.#seen?.start === start ? this.#seen.spend : 0;
    const p = this.#link.call(hash, { ...call, floor }, expireAt).then((reply) => {
      const seen = this.#seen;
      const at = this.#link.now();
      if (!seen || start > seen.start) {
        this.#seen = { start, spend: reply.spend, reserved: reply.reserved, at };
      } else if (start === seen.start) {
        // Answers may cross; spend only grows in a period.
        this.#seen = {
          start,
          spend: Math.max(seen.spend, reply.spend),
          reserved: reply.reserved,
          at,
        };
      }
      return reply;
    }, (err) => {
      this.#localUntil = this.#link.now() + RETRY_MS;
      throw err;
    });
    const tracked = p.catch(() => {}).finally(() => this.#calls.delete(tracked));
    this.#calls.add(tracked);
    return p;
  }
}

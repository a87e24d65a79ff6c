/**
 * @module redis_budgets
 * Every budget ledger of a replica in Redis mode (docs/cluster.md,
 * "Budgets"), one per key and window, on the replica's connection: what
 * {@link RedisState} hands out for `budget()`. It refreshes the ends of the
 * reservations of requests still running, and settles the outage of every
 * ledger as soon as Redis is back.
 */
import type { BudgetLedger, BudgetWindow } from "./budget_ledger.ts";
import { type BudgetLink, RedisLedger } from "./redis_budget_ledger.ts";
import { type BudgetScript, defineBudgetScript } from "./redis_budget_script.ts";
import type { RedisConnection } from "./redis_connection.ts";

/** Options for {@link RedisBudgets}. */
export interface RedisBudgetsOptions {
  conn: RedisConnection;
  /** `SIDECAR_REDIS_PREFIX`. */
  prefix: string;
  replicaId: string;
  /** The replicas last seen alive, at least 1. */
  replicasAlive: () => number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** How long a reservation lives in Redis unless refreshed (a third of it, while its request runs). @default 30000 */
  reservationTtlMs?: number;
}

/** Every budget ledger of this replica, one per key and window, and their refresh. */
export class RedisBudgets {
  readonly #ledgers = new Map<string, RedisLedger>();
  readonly #link: BudgetLink;
  readonly #prefix: string;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #unlisten: () => void;

  constructor(opts: RedisBudgetsOptions) {
    const conn = opts.conn;
    const now = opts.now ?? Date.now;
    const ttlMs = opts.reservationTtlMs ?? 30_000;
    const script: BudgetScript = defineBudgetScript(conn.client, ttlMs);
    let seq = 0;
    this.#prefix = opts.prefix;
    this.#link = {
      get up() {
        return conn.up;
      },
      replicasAlive: opts.replicasAlive,
      call: script,
      nextId: () => `${opts.replicaId}.${(++seq).toString(36)}`,
      now,
    };
    // Back up: what was settled during the outage goes to the cluster at once.
    this.#unlisten = conn.onChange((up) => {
      if (!up) return;
      const at = now();
      for (const l of this.#ledgers.values()) l.sync(at);
    });
    this.#timer = setInterval(() => {
      for (const l of this.#ledgers.values()) l.refresh();
    }, Math.max(10, Math.floor(ttlMs / 3)));
    // Shutdown does not wait for a refresh: requests have ended by then.
    Deno.unrefTimer(this.#timer);
  }

  /** The ledger of `keyId`'s budget for `window`, in `<prefix>budget:<key id>:<period>:<start>`. */
  ledger(keyId: string, window: BudgetWindow): BudgetLedger {
    const base = `${this.#prefix}budget:${keyId}:${window.period}`;
    const name = `${base}\n${window.createdAt}`;
    let ledger = this.#ledgers.get(name);
    if (!ledger) this.#ledgers.set(name, ledger = new RedisLedger(this.#link, base, window));
    return ledger;
  }

  /** Stops refreshing and sends what was settled here, while the connection is still open. */
  async close(): Promise<void> {
    this.#unlisten();
    clearInterval(this.#timer);
    await Promise.all([...this.#ledgers.values()].map((l) => l.drain()));
  }
}

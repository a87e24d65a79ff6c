/**
 * @module redis_state
 * {@link SharedState} in Redis mode, as far as it is built (docs/cluster.md,
 * "Status"): the connection to Redis and this replica's heartbeat, so that
 * `/healthz` and `/metrics` say whether Redis is up and how many replicas are
 * alive; cooldowns of both scopes, their probes, clear and pause, shared
 * through {@link RedisHealth}; token buckets and in-flight counts held by
 * the cluster through {@link RedisLimits}; client keys' budgets through
 * {@link RedisBudgets}.
 */
import type { Logger } from "../log.ts";
import { type Every, Heartbeats } from "./redis_heartbeats.ts";
import { RedisHealth } from "./redis_health.ts";
import { RedisConnection, type RedisConnectionOptions } from "./redis_connection.ts";
import { RedisLimits } from "./redis_limits.ts";
import { RedisBudgets } from "./redis_budgets.ts";
import type { BudgetLedger, BudgetWindow } from "./budget_ledger.ts";
import { parseRedisUrl } from "./redis_url.ts";
import type {
  BucketKey,
  ClusterStatus,
  InFlightSlots,
  LocalBucket,
  ProbeClaim,
  ReplicaInfo,
  SharedScopeRow,
  SharedState,
  SlotKey,
  StateOwner,
} from "./shared_state.ts";
import type { Scope, StateChange } from "./state_change.ts";

/** Options for {@link startRedisState}. */
export interface RedisStateOptions {
  /** `SIDECAR_REDIS_URL`, already checked to parse. */
  url: string;
  /** `SIDECAR_REDIS_PREFIX`. */
  prefix: string;
  log: Logger;
  version: string;
  /** This replica's id. @default 16 random hex digits */
  replicaId?: string;
  /** The host named in the heartbeat. @default the machine's hostname, when readable */
  host?: string;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  heartbeat?: { periodMs?: number; ttlSeconds?: number; every?: Every };
  connection?: Omit<RedisConnectionOptions, "target" | "log">;
  /** How long start-up waits for the first connection attempt before going on. @default 1000 */
  settleMs?: number;
  /** How long a status check waits for Redis to count the replicas. @default 500 */
  checkTimeoutMs?: number;
  /** A status check this recent is reused, so a flood of `/healthz` is not a flood of SCANs. @default 1000 */
  checkReuseMs?: number;
}

/**
 * Connects (waiting a moment at most: Redis down is a degraded start, not a
 * failed one) and starts the heartbeat.
 */
export async function startRedisState(opts: RedisStateOptions): Promise<RedisState> {
  const target = parseRedisUrl(opts.url);
  const now = opts.now ?? Date.now;
  const replicaId = opts.replicaId ?? crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  const conn = new RedisConnection({ target, log: opts.log, ...opts.connection });
  const heartbeats = new Heartbeats({
    client: conn.client,
    prefix: opts.prefix,
    replicaId,
    host: opts.host ?? hostname(),
    version: opts.version,
    startedAt: now(),
    now,
    ...opts.heartbeat,
  });
  // Built before the first attempt ends, so its subscriber connects alongside.
  const health = new RedisHealth({ conn, prefix: opts.prefix, replicaId, now });
  opts.log.info("shared state in redis: cooldowns and limits shared", {
    redis: target.display,
    prefix: opts.prefix,
    replica: replicaId,
  });
  // Back up: say so at once, rather than up to a period later.
  conn.onChange((up) => {
    if (up) void heartbeats.beat();
  });
  await conn.settled(opts.settleMs ?? 1_000);
  heartbeats.start();
  return new RedisState(conn, heartbeats, health, replicaId, opts);
}

/** A count of the replicas under way or just made, and what callers read from it. */
interface Check {
  at: number;
  status: Promise<ClusterStatus>;
  replicas: Promise<ReplicaInfo[]>;
}

/** Live state for a replica linked to Redis (see the module note for what is shared yet). */
export class RedisState implements SharedState {
  readonly mode: SharedState["mode"] = "redis";
  readonly #conn: RedisConnection;
  readonly #heartbeats: Heartbeats;
  readonly #health: RedisHealth;
  readonly #limits: RedisLimits;
  readonly #budgets: RedisBudgets;
  readonly #checkTimeoutMs: number;
  readonly #checkReuseMs: number;
  readonly #now: () => number;
  #check: Check | undefined;

  constructor(
    conn: RedisConnection,
    heartbeats: Heartbeats,
    health: RedisHealth,
    readonly replicaId: string,
    opts: Pick<RedisStateOptions, "prefix" | "checkTimeoutMs" | "checkReuseMs" | "now">,
  ) {
    this.#conn = conn;
    this.#heartbeats = heartbeats;
    this.#health = health;
    this.#limits = new RedisLimits({
      conn,
      prefix: opts.prefix,
      replicaId,
      replicasAlive: () => heartbeats.lastAlive,
      now: opts.now,
    });
    this.#budgets = new RedisBudgets({
      conn,
      prefix: opts.prefix,
      replicaId,
      replicasAlive: () => Math.max(1, heartbeats.lastAlive ?? 1),
      now: opts.now,
    });
    this.#checkTimeoutMs = opts.checkTimeoutMs ?? 500;
    this.#checkReuseMs = opts.checkReuseMs ?? 1_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The connection, for tests and the state built on it next. */
  get connection(): RedisConnection {
    return this.#conn;
  }

  /** This replica's heartbeat. */
  get heartbeats(): Heartbeats {
    return this.#heartbeats;
  }

  publish(change: StateChange): void {
    this.#health.publish(change);
  }
  attach(owner: StateOwner): Promise<void> {
    return this.#health.attach(owner);
  }
  claimProbe(scope: Scope, now: number): ProbeClaim {
    return this.#health.claimProbe(scope, now);
  }
  sharedCooldowns(): Promise<SharedScopeRow[]> {
    return this.#health.sharedCooldowns();
  }
  bucket(key: BucketKey, capacity: number, refillPerSecond: number, now: number): LocalBucket {
    return this.#limits.bucket(key, capacity, refillPerSecond, now);
  }
  slots(key: SlotKey): InFlightSlots {
    return this.#limits.slots(key);
  }
  budget(keyId: string, window: BudgetWindow): BudgetLedger {
    return this.#budgets.ledger(keyId, window);
  }

  /** Up or down as the connection says; the replicas counted by the last beat (this one, before any). */
  clusterStatus(): ClusterStatus {
    return {
      state: this.#conn.up ? "up" : "down",
      replicasAlive: this.#heartbeats.lastAlive ?? 1,
    };
  }

  /** Counts the replicas now when Redis is up (within the timeout); else the last known status. */
  checkClusterStatus(): Promise<ClusterStatus> {
    return this.#ask()?.status ?? Promise.resolve(this.clusterStatus());
  }

  /** Lists the replicas now when Redis is up (within the timeout); else the last list seen. */
  replicas(): Promise<ReplicaInfo[]> {
    return this.#ask()?.replicas ?? Promise.resolve(this.#lastReplicas());
  }

  /**
   * One SCAN of the heartbeats, behind both `/healthz` and the dashboard,
   * bounded by the timeout and reused for `checkReuseMs`; none while Redis
   * is down (it would fail at once).
   */
  #ask(): Check | undefined {
    if (!this.#conn.up) return undefined;
    const at = this.#now();
    if (this.#check && at - this.#check.at < this.#checkReuseMs) return this.#check;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = Promise.race([
      this.#heartbeats.replicas().then(() => undefined),
      new Promise<void>((r) => timer = setTimeout(r, this.#checkTimeoutMs)),
    ]).catch(() => {}).then(() => clearTimeout(timer));
    this.#check = {
      at,
      status: done.then(() => this.clusterStatus()),
      replicas: done.then(() => this.#lastReplicas()),
    };
    return this.#check;
  }

  #lastReplicas(): ReplicaInfo[] {
    return [...this.#heartbeats.lastReplicas ?? []];
  }

  /**
   * Stops hearing the cluster, sends the spend settled here, gives this
   * replica's leases back and takes its in-flight counts and heartbeat out,
   * then closes the connection.
   */
  async close(): Promise<void> {
    this.#health.close();
    await this.#budgets.close();
    await this.#limits.close();
    // While down the delete fails at once; the key then expires with its TTL.
    await this.#heartbeats.stop();
    await this.#conn.close();
  }
}

/** The machine's name when this process may read it without a permission prompt, else "unknown". */
function hostname(): string {
  const granted = (d: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(d).state === "granted";
  try {
    if (granted({ name: "sys", kind: "hostname" })) return Deno.hostname();
    if (granted({ name: "env", variable: "HOSTNAME" })) {
      return Deno.env.get("HOSTNAME") ?? "unknown";
    }
  } catch { /* not readable here */ }
  return "unknown";
}

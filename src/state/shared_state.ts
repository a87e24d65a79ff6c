/**
 * @module shared_state
 * The seam between the registry and state that may be shared by several
 * replicas (docs/cluster.md). The registry keeps its own copy of every
 * scope's health, every bucket and every in-flight count, and asks this
 * interface only for what needs the cluster: telling the others of a change,
 * hearing theirs, the one probe of a scope, tokens.
 *
 * Everything the request path calls on every request is synchronous. The
 * in-process implementation answers at once; a shared one answers from its
 * local cache and talks to the cluster behind the request path, except at
 * the rare moments (a probe, a cooldown) where the cluster must decide.
 */
import type { BudgetLedger, BudgetWindow } from "./budget_ledger.ts";
import type { Scope, StateChange } from "./state_change.ts";

/** Where live state lives: this process only, or shared through Redis. */
export type SharedStateMode = "in_process" | "redis";

/**
 * A token bucket the registry spends from synchronously. In process it is
 * the bucket itself; shared, its tokens are leased from the cluster's bucket
 * in small batches (docs/cluster.md, "Buckets").
 */
export interface LocalBucket {
  /** Tokens available at `now`; negative while a charge is paid back. */
  available(now: number): number;
  /** Takes `n` tokens if available; false and nothing taken otherwise. */
  tryTake(now: number, n?: number): boolean;
  /** Debits `n` tokens, possibly below zero (usage known after the answer). */
  charge(now: number, n: number): void;
  /** Milliseconds until `n` tokens are available (0: now, Infinity: never). */
  msUntil(now: number, n?: number): number;
  /** New capacity and refill; tokens earned so far count at the old rate. */
  reconfigure(capacity: number, refillPerSecond: number, now: number): void;
  /**
   * Tokens on their way: a top-up already asked of the cluster that (as last
   * seen) holds the `n` tokens missing here. Waiting for it is waiting one
   * round trip for tokens that exist, not for the limit, so the router waits
   * for it even with `max_wait_ms` 0 rather than refuse what one Sidecar
   * alone would have served. Absent or undefined: nothing is on its way (in
   * process, never).
   */
  arriving?(now: number, n?: number): Promise<void> | undefined;
}

/** What a bucket limits, so one interface serves backends now and client keys later. */
export interface BucketKey {
  owner: "backend" | "key";
  id: string;
  limit: "rpm" | "tpm";
}

/** Whose in-flight requests are counted: a backend's, or (for `max_concurrent`) a client key's. */
export interface SlotKey {
  owner: "backend" | "key";
  id: string;
}

/** In-flight requests of one owner: this replica's count, and the cluster's when shared. */
export interface InFlightSlots {
  /** Requests in flight through this replica. */
  readonly count: number;
  /**
   * Requests in flight through every replica, as last known: this
   * replica's own count exactly, the others' as last batched to the cluster.
   * In process, `count`.
   */
  readonly clusterCount: number;
  /** Takes a slot unconditionally (no limit on this owner). */
  acquire(): void;
  /** Takes a slot if fewer than `limit` are in flight in the cluster; false and nothing taken otherwise. */
  tryAcquire(limit: number): boolean;
  release(): void;
}

/** A probe claim: granted at once, or decided by the cluster. */
export type ProbeClaim = true | Promise<boolean>;

/**
 * How this replica stands with the cluster, for `/healthz` and `/metrics`
 * (docs/cluster.md, "Health"): alone by design, or linked to Redis (up or
 * down) with the count of replicas alive, as last seen.
 */
export type ClusterStatus =
  | { state: "in_process" }
  | { state: "up" | "down"; replicasAlive: number };

/** A replica seen alive, as its heartbeat says (docs/cluster.md, "Heartbeats"); instants in ISO 8601. */
export interface ReplicaInfo {
  id: string;
  host: string;
  version: string;
  started_at: string;
  /** Its last beat. */
  last_seen: string;
  /** This replica. */
  self: boolean;
}

/**
 * What a shared state needs of the registry it serves (docs/cluster.md,
 * "The seam"): where changes from elsewhere go, this replica's own live
 * scopes to merge into the cluster whenever the link (re)opens, and how long
 * a probe may be out, which is how long a cluster-wide claim holds.
 */
export interface StateOwner {
  /** Applies a change made elsewhere, or the cluster's copy of a scope (`Registry.applyRemote`). */
  onChange(change: StateChange): void;
  /** This replica's scopes that are not healthy, as changes (`Registry.liveScopes`). */
  liveScopes(): StateChange[];
  /** The probe timeout in force, ms. */
  probeTimeoutMs(): number;
}

/** One scope that is not healthy in the cluster's copy (docs/cluster.md, "Cooldowns in Redis"). */
export interface SharedScopeRow {
  backend_id: string;
  /** The upstream model of a pair scope; null for the backend's own scope. */
  model: string | null;
  state: "cooling" | "probing" | "paused";
  /** Epoch ms when a cooling scope's cooldown ends (past: its probe is due); null while probing or paused. */
  until: number | null;
  consecutive_429: number;
}

/** Live state shared (or not) with other replicas. */
export interface SharedState {
  readonly mode: SharedStateMode;
  /**
   * Tells the other replicas of a change made here. Fire-and-forget: never
   * awaited. A shared implementation merges a cooldown into the cluster's
   * copy atomically (extend, never shorten) before telling the others, and
   * hands a cluster state that is later than ours back to the owner's
   * `onChange`, like a change from elsewhere.
   */
  publish(change: StateChange): void;
  /**
   * Takes the registry it serves (once, at boot, after the routing table is
   * loaded): changes made by other replicas (never this one's own) go to
   * its `onChange` from then on. Resolves once this replica has caught up
   * with the cluster (its live scopes merged in, the cluster's applied), or
   * at once when there is no cluster to ask.
   */
  attach(owner: StateOwner): Promise<void>;
  /**
   * Claims the one half-open probe of `scope` in the whole cluster, called
   * when this replica's own copy says the scope is due one. In process the
   * local claim is the only one: `true`, synchronously.
   */
  claimProbe(scope: Scope, now: number): ProbeClaim;
  /** The bucket for `key`, full, to spend from synchronously. */
  bucket(key: BucketKey, capacity: number, refillPerSecond: number, now: number): LocalBucket;
  /** The in-flight slots of a backend or a client key. */
  slots(key: SlotKey): InFlightSlots;
  /**
   * The budget ledger of a client key for its period kind (docs/cluster.md,
   * "Budgets"): asked again for the same key and window, the same ledger,
   * so a budget removed and set again keeps what was spent. Only keys with
   * a budget ask for one.
   */
  budget(keyId: string, window: BudgetWindow): BudgetLedger;
  /** The cluster's status as last known, at no cost: for `/metrics`. */
  clusterStatus(): ClusterStatus;
  /** The cluster's status, asking the cluster (bounded in time, shared by callers close together). */
  checkClusterStatus(): Promise<ClusterStatus>;
  /**
   * The replicas alive, oldest first, asking the cluster like
   * `checkClusterStatus` (bounded in time, shared by callers close
   * together); while the cluster does not answer, the last list seen. In
   * process, none.
   */
  replicas(): Promise<ReplicaInfo[]>;
  /**
   * Every scope that is not healthy in the cluster's copy, for the
   * dashboard; rejects when the cluster does not answer. In process, none
   * (the registry's own status is the whole truth).
   */
  sharedCooldowns(): Promise<SharedScopeRow[]>;
  /** Stops talking to the cluster. */
  close(): Promise<void>;
}

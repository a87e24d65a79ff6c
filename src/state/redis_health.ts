/**
 * @module redis_health
 * Cooldown state in Redis (docs/cluster.md, "Cooldowns in Redis"): every
 * replica's cooldowns of both scopes merged into one hash per backend,
 * changes announced on one pub/sub channel, the one probe of a scope
 * claimed with `SET NX PX`, and a reconciliation whenever the link to Redis
 * (re)opens.
 *
 * Nothing here is on the request path's way except a probe's claim: a
 * publish is fire-and-forget, changes from elsewhere arrive on their own
 * connection, and the registry routes on its own copy throughout. When
 * Redis is down every call gives up at once: publishes are dropped (the
 * reconciliation merges this replica's cooldowns when Redis is back) and a
 * probe is granted here, since a replica on its own decides for itself.
 */
import type { Redis } from "ioredis";
import type { RedisConnection } from "./redis_connection.ts";
import { MERGE_HEALTH_LUA } from "./redis_health_script.ts";
import { parseMessage, scopeField, sharedRow, storedChange } from "./redis_health_wire.ts";
import type { ProbeClaim, SharedScopeRow, StateOwner } from "./shared_state.ts";
import type { Scope, StateChange } from "./state_change.ts";

/** Options for {@link RedisHealth}. */
export interface RedisHealthOptions {
  conn: RedisConnection;
  /** `SIDECAR_REDIS_PREFIX`. */
  prefix: string;
  replicaId: string;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** How long a backend's hash outlives the latest end written to it, so a 429 streak survives a quiet spell. @default 1 hour */
  marginMs?: number;
  /** How long a pause is kept in Redis without a clear (a replica re-merges its pauses whenever Redis comes back). @default 30 days */
  pauseTtlMs?: number;
}

const HOUR = 3_600_000;
const MERGE = "sidecarMergeHealth";

/** The script, as ioredis's `defineCommand` adds it (EVALSHA, EVAL when Redis does not know it yet). */
interface MergeCommand {
  [MERGE](hash: string, probe: string, ...args: (string | number)[]): Promise<string | null>;
}

/** This replica's side of the cluster's cooldown state. */
export class RedisHealth {
  readonly #conn: RedisConnection;
  readonly #client: Redis & MergeCommand;
  /** Subscribed to the channel: a connection in subscriber mode can run nothing else. */
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #replicaId: string;
  readonly #now: () => number;
  readonly #marginMs: number;
  readonly #pauseTtlMs: number;
  #owner: StateOwner | undefined;
  #reconciling: Promise<void> = Promise.resolve();

  constructor(opts: RedisHealthOptions) {
    this.#conn = opts.conn;
    this.#prefix = opts.prefix;
    this.#channel = `${opts.prefix}changes`;
    this.#replicaId = opts.replicaId;
    this.#now = opts.now ?? Date.now;
    this.#marginMs = opts.marginMs ?? HOUR;
    this.#pauseTtlMs = opts.pauseTtlMs ?? 30 * 24 * HOUR;
    const client = opts.conn.client;
    client.defineCommand(MERGE, { numberOfKeys: 2, lua: MERGE_HEALTH_LUA });
    this.#client = client as Redis & MergeCommand;
    // The same options (no offline queue, the same backoff); it subscribes
    // afresh each time it is ready, and then catches up.
    this.#sub = client.duplicate({ autoResubscribe: false });
    // The main connection says up and down, once per change; this one stays quiet.
    this.#sub.on("error", () => {});
    this.#sub.on("ready", () => {
      this.#sub.subscribe(this.#channel).then(() => this.#reconcile(), () => {});
    });
    this.#sub.on("message", (_channel: string, text: string) => this.#hear(text));
    this.#conn.onChange((up) => {
      if (up) void this.#reconcile();
    });
  }

  /**
   * Takes the registry this replica routes with, and catches up with the
   * cluster: resolves once the first reconciliation is over (at once when
   * Redis is down).
   */
  attach(owner: StateOwner): Promise<void> {
    this.#owner = owner;
    return this.#reconcile();
  }

  /** Merges a change made here into the cluster's copy and announces it; never awaited. */
  publish(change: StateChange): void {
    this.merge(change).catch(() => {});
  }

  /**
   * {@link publish}, awaitable: when the cluster's copy is later than the
   * change, it is handed to the owner like a change from elsewhere.
   * Rejects when Redis does not take it.
   */
  async merge(change: StateChange): Promise<void> {
    const now = this.#now();
    const field = change.kind === "health" ? scopeField(change.model) : scopeField(undefined);
    const later = await this.#client[MERGE](
      this.#hashKey(change.backendId),
      this.#probeKey({ backendId: change.backendId }),
      change.kind,
      field,
      JSON.stringify(change),
      now,
      this.#channel,
      this.#replicaId,
      this.#probeTimeoutMs(),
      this.#marginMs,
      this.#pauseTtlMs,
    );
    if (later === null) return;
    const back = storedChange(change.backendId, field, later, now);
    if (back) this.#owner?.onChange(back);
  }

  /**
   * Claims the one probe of `scope` in the cluster for the probe timeout.
   * Granted here when Redis is down or does not answer, or before a
   * registry is attached (nothing to coordinate yet).
   */
  claimProbe(scope: Scope, _now: number): ProbeClaim {
    if (!this.#owner || !this.#conn.up) return true;
    return this.#client
      .set(this.#probeKey(scope), this.#replicaId, "PX", this.#probeTimeoutMs(), "NX")
      .then((reply) => reply === "OK", () => true);
  }

  /** Every scope not healthy in the cluster's copy; rejects when Redis does not answer. */
  async sharedCooldowns(): Promise<SharedScopeRow[]> {
    const rows: SharedScopeRow[] = [];
    for (const [backendId, fields] of await this.#readCluster()) {
      for (const [field, value] of Object.entries(fields)) {
        const row = sharedRow(backendId, field, value);
        if (row) rows.push(row);
      }
    }
    return rows.sort((a, b) =>
      a.backend_id.localeCompare(b.backend_id) || (a.model ?? "").localeCompare(b.model ?? "")
    );
  }

  /** Stops hearing the cluster; the main connection is closed by its owner. */
  close(): void {
    this.#owner = undefined;
    this.#sub.disconnect();
  }

  #hear(text: string): void {
    const message = parseMessage(text);
    if (message && message.replica !== this.#replicaId) this.#owner?.onChange(message.change);
  }

  /**
   * Catches up with the cluster, one reconciliation at a time: merges this
   * replica's live scopes into Redis (by the same script, so nothing is
   * shortened), then hands the owner the cluster's every scope. Runs at
   * attach, when the main connection comes back, and each time the
   * subscriber has (re)subscribed, so a change announced while it was away
   * is read instead.
   */
  #reconcile(): Promise<void> {
    this.#reconciling = this.#reconciling.then(async () => {
      const owner = this.#owner;
      if (!owner || !this.#conn.up) return;
      try {
        await Promise.all(owner.liveScopes().map((change) => this.merge(change)));
        const now = this.#now();
        for (const [backendId, fields] of await this.#readCluster()) {
          for (const [field, value] of Object.entries(fields)) {
            const change = storedChange(backendId, field, value, now);
            if (change) this.#owner?.onChange(change);
          }
        }
      } catch {
        // Redis went away meanwhile: its return reconciles again.
      }
    });
    return this.#reconciling;
  }

  /** Every backend's hash: SCAN for the keys (the prefix's glob characters escaped), then HGETALL. */
  async #readCluster(): Promise<[string, Record<string, string>][]> {
    const base = `${this.#prefix}health:`;
    const pattern = base.replace(/[*?[\]\\]/g, "\\$&") + "*";
    const keys = new Set<string>();
    let cursor = "0";
    do {
      const [next, batch] = await this.#client.scan(cursor, "MATCH", pattern, "COUNT", 100);
      for (const k of batch) keys.add(k);
      cursor = next;
    } while (cursor !== "0");
    const list = [...keys];
    const hashes = await Promise.all(list.map((k) => this.#client.hgetall(k)));
    return list.map((k, i) => [k.slice(base.length), hashes[i]!]);
  }

  #hashKey(backendId: string): string {
    return `${this.#prefix}health:${backendId}`;
  }

  /** `<prefix>probe:<id>`, or `<prefix>probe:<id>|<model>` for a pair (backend ids hold no `|`). */
  #probeKey(scope: Scope): string {
    const base = `${this.#prefix}probe:${scope.backendId}`;
    return scope.model === undefined ? base : `${base}|${scope.model}`;
  }

  /** The owner's; before attach no probe is claimed here, so a probing scope has no time to keep. */
  #probeTimeoutMs(): number {
    return this.#owner?.probeTimeoutMs() ?? 0;
  }
}

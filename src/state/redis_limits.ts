/**
 * @module redis_limits
 * The limits a cluster of Sidecars holds together through Redis
 * (docs/cluster.md, "Buckets", "In-flight counts", "Outage"): every token
 * bucket leased from one bucket in Redis, every in-flight count batched to
 * one hash, and both serving this replica's share of the limit while Redis
 * is away. What {@link RedisState} hands out for `bucket()` and `slots()`.
 */
import type { RedisConnection } from "./redis_connection.ts";
import { defineLeaseScript, LeasedBucket, type LeaseScript } from "./redis_bucket_lease.ts";
import { ClusterSlots } from "./redis_slots.ts";
import type { BucketKey, InFlightSlots, LocalBucket, SlotKey } from "./shared_state.ts";

/** Options for {@link RedisLimits}. */
export interface RedisLimitsOptions {
  conn: RedisConnection;
  /** `SIDECAR_REDIS_PREFIX`. */
  prefix: string;
  replicaId: string;
  /** The replicas last seen alive (the heartbeats' count), what each limit is divided by while Redis is away. */
  replicasAlive: () => number | undefined;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** How the in-flight counts are batched (see {@link ClusterSlots}). */
  slots?: { batchMs?: number; ttlMs?: number };
}

/** Buckets and in-flight slots held by the cluster, one of each per key. */
export class RedisLimits {
  readonly #conn: RedisConnection;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #replicasAlive: () => number;
  readonly #lease: LeaseScript;
  readonly #buckets = new Map<string, LeasedBucket>();
  readonly #slots: ClusterSlots;
  readonly #unlisten: () => void;

  constructor(opts: RedisLimitsOptions) {
    this.#conn = opts.conn;
    this.#prefix = opts.prefix;
    this.#now = opts.now ?? Date.now;
    // Before the first count (or a count that missed this replica's own beat): this one.
    this.#replicasAlive = () => Math.max(1, opts.replicasAlive() ?? 1);
    this.#lease = defineLeaseScript(opts.conn.client);
    this.#slots = new ClusterSlots({
      client: opts.conn.client,
      up: () => opts.conn.up,
      replicaId: opts.replicaId,
      replicasAlive: this.#replicasAlive,
      now: this.#now,
      ...opts.slots,
    });
    // Back up: settle every bucket's outage now, not at its next request;
    // the counts written while Redis was away go with the next batch.
    this.#unlisten = opts.conn.onChange((up) => {
      if (!up) return;
      const now = this.#now();
      for (const b of this.#buckets.values()) b.sync(now);
      this.#slots.changed();
    });
  }

  /**
   * The bucket of `key`, leased from `<prefix>bucket:<owner>:<id>:<limit>`.
   * Asked again for a key it already holds (a limit removed and set again, a
   * backend deleted and made again), the same bucket, with the new limit:
   * it is the same bucket in the cluster, and its lease is not lost.
   */
  bucket(key: BucketKey, capacity: number, refillPerSecond: number, now: number): LocalBucket {
    const name = `${this.#prefix}bucket:${key.owner}:${key.id}:${key.limit}`;
    const held = this.#buckets.get(name);
    if (held) {
      held.reconfigure(capacity, refillPerSecond, now);
      return held;
    }
    const conn = this.#conn;
    const lease = this.#lease;
    const bucket = new LeasedBucket(
      {
        get up() {
          return conn.up;
        },
        replicasAlive: this.#replicasAlive,
        lease: (cap, rate, call) => lease(name, cap, rate, call),
        now: this.#now,
      },
      capacity,
      refillPerSecond,
      now,
    );
    this.#buckets.set(name, bucket);
    return bucket;
  }

  /** The in-flight slots of `key`, counted in `<prefix>inflight:<owner>:<id>`. */
  slots(key: SlotKey): InFlightSlots {
    return this.#slots.slots(`${this.#prefix}inflight:${key.owner}:${key.id}`);
  }

  /** Gives every lease back and takes this replica's counts out, while the connection is still open. */
  async close(): Promise<void> {
    this.#unlisten();
    await Promise.all([...[...this.#buckets.values()].map((b) => b.close()), this.#slots.close()]);
  }
}

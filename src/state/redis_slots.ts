/**
 * @module redis_slots
 * In-flight counts held by the cluster (docs/cluster.md, "In-flight
 * counts"): each replica counts its own requests exactly and synchronously,
 * and batches its count to a hash per owner in Redis, one field per
 * replica; the same script reads the other replicas' counts back. A limit
 * (a client key's `max_concurrent`) is checked against this replica's count
 * plus the others' as last read; while Redis is away, against this
 * replica's share of it.
 */
import type { Redis } from "ioredis";
import type { InFlightSlots } from "./shared_state.ts";

/**
 * KEYS[1] `<prefix>inflight:<owner>:<id>`, a hash: one field per replica id,
 *   `<count>:<expires at, Redis ms>`.
 * ARGV: this replica's id, its count, the TTL of a count (ms).
 *
 * Writes this replica's count (a zero is no field), drops the fields whose
 * end has passed and returns the sum of the others. Redis 7.0 has no TTL per
 * hash field, so a count carries its own end, refreshed with each write: a
 * replica that died stops refreshing, and its counts stop counting. The
 * hash itself lives as long as its latest count (extended, never shortened),
 * so the counts of a cluster that stopped leave nothing behind.
 */
export const INFLIGHT_LUA = `
local key, me = KEYS[1], ARGV[1]
local count, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
-- Redis's clock: a count's end is compared with one clock, whoever reads it.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if count > 0 then
  redis.call('HSET', key, me, count .. ':' .. (now + ttl))
else
  redis.call('HDEL', key, me)
end
local others = 0
local fields = redis.call('HGETALL', key)
for i = 1, #fields, 2 do
  if fields[i] ~= me then
    local c, e = string.match(fields[i + 1], '^(%d+):(%d+)$')
    if c and tonumber(e) > now then
      others = others + tonumber(c)
    else
      redis.call('HDEL', key, fields[i])
    end
  end
end
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
return others
`;

const INFLIGHT = "sidecarInflight";

/** The script as ioredis's `defineCommand` adds it. */
interface InflightCommand {
  [INFLIGHT](key: string, replicaId: string, count: number, ttlMs: number): Promise<number>;
}

/** Options for {@link ClusterSlots}. */
export interface ClusterSlotsOptions {
  client: Redis;
  /** True while Redis answers, as the connection says. */
  up: () => boolean;
  replicaId: string;
  /** The replicas last seen alive, at least 1: what a limit is divided by while Redis is away. */
  replicasAlive: () => number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** How often counts that changed are written, and the others' read back. @default 100 */
  batchMs?: number;
  /** How long a count outlives its last write: a dead replica's counts stop counting after it. @default 5000 */
  ttlMs?: number;
}

/** One owner's requests in flight: this replica's count exact, the others' as last read. */
class SharedSlots implements InFlightSlots {
  count = 0;
  /** The other replicas' counts as last read. */
  others = 0;
  /** The count the others see (last written), and when it was. */
  written = 0;
  writtenAt = -Infinity;
  /** A limit was last checked then: while it is recent, the others' counts are read every batch. */
  limitedAt = -Infinity;

  constructor(readonly key: string, private readonly cluster: ClusterSlots) {}

  get clusterCount(): number {
    return this.count + this.others;
  }

  acquire(): void {
    this.count++;
    this.cluster.changed();
  }

  /** Against the cluster's count while Redis is up; against this replica's share of `limit` while it is away. */
  tryAcquire(limit: number): boolean {
    const c = this.cluster;
    this.limitedAt = c.now();
    const room = c.up()
      ? limit - this.clusterCount
      : Math.max(1, Math.floor(limit / c.replicasAlive())) - this.count;
    if (room <= 0) {
      c.changed();
      return false;
    }
    this.acquire();
    return true;
  }

  release(): void {
    this.count--;
    this.cluster.changed();
  }
}

/**
 * Every owner's slots on this replica, and the batch that writes them: one
 * script per owner whose count changed, whose limit was checked lately, or
 * whose count needs its end refreshed, at most every `batchMs`, sent
 * together. No timer runs while nothing is in flight or limited.
 */
export class ClusterSlots {
  readonly #client: Redis & InflightCommand;
  readonly #replicaId: string;
  readonly #batchMs: number;
  readonly #ttlMs: number;
  readonly #slots = new Map<string, SharedSlots>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #batch: Promise<void> | undefined;
  #closed = false;
  readonly up: () => boolean;
  readonly replicasAlive: () => number;
  readonly now: () => number;

  constructor(opts: ClusterSlotsOptions) {
    opts.client.defineCommand(INFLIGHT, { numberOfKeys: 1, lua: INFLIGHT_LUA });
    this.#client = opts.client as Redis & InflightCommand;
    this.#replicaId = opts.replicaId;
    this.#batchMs = opts.batchMs ?? 100;
    this.#ttlMs = opts.ttlMs ?? 5_000;
    this.up = opts.up;
    this.replicasAlive = opts.replicasAlive;
    this.now = opts.now ?? Date.now;
  }

  /** The slots of the owner whose hash is `key` (one per key, shared by every caller). */
  slots(key: string): InFlightSlots {
    let s = this.#slots.get(key);
    if (!s) this.#slots.set(key, s = new SharedSlots(key, this));
    return s;
  }

  /** A count changed or a limit was checked: a batch within `batchMs`. */
  changed(): void {
    if (this.#timer !== undefined || this.#batch || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#batch = this.#write(this.now()).finally(() => {
        this.#batch = undefined;
        if (this.#busy(this.now())) this.changed();
      });
    }, this.#batchMs);
    // Shutdown does not wait for a batch: close() writes the last one.
    Deno.unrefTimer(this.#timer);
  }

  /** Takes this replica's counts out of Redis (the others count it gone at once) and stops batching. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#batch;
    if (!this.up()) return;
    await Promise.allSettled(
      [...this.#slots.values()].filter((s) => s.written > 0).map((s) =>
        this.#client[INFLIGHT](s.key, this.#replicaId, 0, this.#ttlMs)
      ),
    );
  }

  /** Whether any owner needs a batch: a count the others have not seen, one in flight, or a limit checked lately. */
  #busy(now: number): boolean {
    for (const s of this.#slots.values()) {
      if (s.count !== s.written || s.count > 0 || now - s.limitedAt < this.#ttlMs) return true;
    }
    return false;
  }

  async #write(now: number): Promise<void> {
    if (!this.up()) return;
    const refreshMs = this.#ttlMs / 3;
    const due = [...this.#slots.values()].filter((s) =>
      s.count !== s.written || now - s.limitedAt < this.#ttlMs ||
      (s.written > 0 && now - s.writtenAt >= refreshMs)
    );
    await Promise.allSettled(due.map(async (s) => {
      const count = s.count;
      s.others = await this.#client[INFLIGHT](s.key, this.#replicaId, count, this.#ttlMs);
      s.written = count;
      s.writtenAt = now;
    }));
  }
}

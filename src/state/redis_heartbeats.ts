/**
 * @module redis_heartbeats
 * Which replicas are alive (docs/cluster.md, "Heartbeats"): each one writes
 * `<prefix>replica:<id>` every period with a TTL of about three periods, so
 * a replica that died (or lost Redis) drops out within the TTL; counting the
 * keys that are left is counting the replicas alive. A beat carries only
 * where and what the replica is: never a key, a secret or a request.
 */

import { z } from "zod";
import type { ReplicaInfo } from "./shared_state.ts";

/** What a replica says of itself in its heartbeat; instants in ISO 8601. */
export const ReplicaBeat = z.object({
  host: z.string(),
  version: z.string(),
  started_at: z.string(),
  /** The beat's own time. */
  last_seen: z.string(),
});
export type ReplicaBeat = z.infer<typeof ReplicaBeat>;

/** The commands heartbeats need: a subset of ioredis's client. */
export interface HeartbeatClient {
  set(key: string, value: string, ex: "EX", seconds: number): Promise<unknown>;
  scan(
    cursor: string,
    match: "MATCH",
    pattern: string,
    count: "COUNT",
    n: number,
  ): Promise<[string, string[]]>;
  mget(keys: string[]): Promise<(string | null)[]>;
  del(key: string): Promise<number>;
}

/** Calls `fn` every `ms` until the returned stop is called. */
export type Every = (ms: number, fn: () => void) => () => void;

const realEvery: Every = (ms, fn) => {
  const id = setInterval(fn, ms);
  return () => clearInterval(id);
};

/** Options for {@link Heartbeats}. */
export interface HeartbeatOptions {
  client: HeartbeatClient;
  /** `SIDECAR_REDIS_PREFIX`. */
  prefix: string;
  replicaId: string;
  host: string;
  version: string;
  /** When this replica started, epoch ms. */
  startedAt: number;
  /** Time between beats. @default 5000 */
  periodMs?: number;
  /** The key's TTL: about three periods, so one lost beat is not a death. @default 3 × periodMs */
  ttlSeconds?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
  /** The beat's timer. @default setInterval */
  every?: Every;
}

/** This replica's heartbeat, and the count of every replica's. */
export class Heartbeats {
  readonly #client: HeartbeatClient;
  readonly #key: string;
  readonly #pattern: string;
  readonly #prefixLength: number;
  readonly #periodMs: number;
  readonly #ttlSeconds: number;
  readonly #now: () => number;
  readonly #every: Every;
  readonly #self: Omit<ReplicaBeat, "last_seen">;
  #stop: (() => void) | undefined;
  #last: ReplicaInfo[] | undefined;

  constructor(opts: HeartbeatOptions) {
    this.#client = opts.client;
    const base = `${opts.prefix}replica:`;
    this.#key = base + opts.replicaId;
    // SCAN's MATCH is a glob: a prefix holding * ? [ ] or \ must match only itself.
    this.#pattern = base.replace(/[*?[\]\\]/g, "\\$&") + "*";
    this.#prefixLength = base.length;
    this.#periodMs = opts.periodMs ?? 5_000;
    this.#ttlSeconds = opts.ttlSeconds ?? Math.max(1, Math.ceil((3 * this.#periodMs) / 1000));
    this.#now = opts.now ?? Date.now;
    this.#every = opts.every ?? realEvery;
    this.#self = {
      host: opts.host,
      version: opts.version,
      started_at: new Date(opts.startedAt).toISOString(),
    };
  }

  /** This replica's key. */
  get key(): string {
    return this.#key;
  }

  /** The TTL each beat sets, in seconds. */
  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  /** How many replicas the last successful count saw (this one included); undefined before one. */
  get lastAlive(): number | undefined {
    return this.#last?.length;
  }

  /** The replicas the last successful count saw; undefined before one. */
  get lastReplicas(): readonly ReplicaInfo[] | undefined {
    return this.#last;
  }

  /** Beats now, then every period, until {@link stop}. */
  start(): void {
    if (this.#stop) return;
    this.#stop = this.#every(this.#periodMs, () => void this.beat());
    void this.beat();
  }

  /**
   * Writes this replica's beat and counts the replicas alive; false when
   * Redis did not take it (down: the connection says so, once).
   */
  async beat(): Promise<boolean> {
    const beat: ReplicaBeat = { ...this.#self, last_seen: new Date(this.#now()).toISOString() };
    try {
      await this.#client.set(this.#key, JSON.stringify(beat), "EX", this.#ttlSeconds);
      await this.replicas();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Every replica whose beat has not expired, by SCAN, oldest first, this
   * one marked `self`; rejects when Redis does not answer.
   */
  async replicas(): Promise<ReplicaInfo[]> {
    const keys = new Set<string>();
    let cursor = "0";
    do {
      const [next, batch] = await this.#client.scan(cursor, "MATCH", this.#pattern, "COUNT", 100);
      for (const k of batch) keys.add(k);
      cursor = next;
    } while (cursor !== "0");
    const list = [...keys];
    const values = list.length ? await this.#client.mget(list) : [];
    const replicas: ReplicaInfo[] = [];
    values.forEach((value, i) => {
      // Expired between SCAN and MGET, or not a beat: not alive.
      const beat = value === null ? undefined : parseBeat(value);
      const key = list[i]!;
      if (beat) {
        replicas.push({ id: key.slice(this.#prefixLength), ...beat, self: key === this.#key });
      }
    });
    replicas.sort((a, b) => a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id));
    this.#last = replicas;
    return replicas;
  }

  /** Stops beating and takes this replica's key out, so the others count it gone at once. */
  async stop(): Promise<void> {
    this.#stop?.();
    this.#stop = undefined;
    await this.#client.del(this.#key).catch(() => {});
  }
}

function parseBeat(text: string): ReplicaBeat | undefined {
  try {
    const parsed = ReplicaBeat.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

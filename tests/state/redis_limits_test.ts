/**
 * @module redis_limits_test
 * The limits a cluster holds in Redis, against a real redis-server: the
 * lease script (grants at most what is there, refills by Redis's elapsed
 * time, expires an idle bucket), LeasedBucket (spends from its lease, tops
 * it up, says honestly how long to wait, gives unused tokens back, never
 * lets several replicas past the limit), an outage (this replica's share,
 * then settled when Redis is back), and in-flight counts across replicas
 * (seen after a batch, a dead replica's expiring).
 */
import assert from "node:assert/strict";
import { defineLeaseScript } from "../../src/state/redis_bucket_lease.ts";
import type { RedisConnection } from "../../src/state/redis_connection.ts";
import { RedisLimits } from "../../src/state/redis_limits.ts";
import type { BucketKey } from "../../src/state/shared_state.ts";
import { connectRedis, NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { until } from "../helpers/until.ts";

const KEY: BucketKey = { owner: "backend", id: "b1", limit: "rpm" };
const HASH = "t:bucket:backend:b1:rpm";

/** A replica in a test: its limits on its own connection; disposing of it closes both. */
interface Replica extends AsyncDisposable {
  conn: RedisConnection;
  limits: RedisLimits;
  close(): Promise<void>;
}

/** A replica's limits on its own connection; its clock is `clock.now` (fixed unless a test moves it). */
async function replica(
  url: string,
  opts: { id?: string; alive?: number; clock?: { now: number }; ttlMs?: number } = {},
): Promise<Replica> {
  const conn = await connectRedis(url);
  const clock = opts.clock;
  const limits = new RedisLimits({
    conn,
    prefix: "t:",
    replicaId: opts.id ?? "r1",
    replicasAlive: () => opts.alive ?? 1,
    now: clock ? () => clock.now : Date.now,
    slots: { batchMs: 50, ttlMs: opts.ttlMs ?? 5_000 },
  });
  const close = async () => {
    await limits.close();
    await conn.close();
  };
  return { conn, limits, close, [Symbol.asyncDispose]: close };
}

/** The bucket's tokens as Redis holds them. */
async function tokensIn(server: RedisServer, key = HASH): Promise<number> {
  const reply = await server.command("HGET", key, "tokens");
  assert.match(reply, /^\$\d+\r\n/, `no bucket at ${key}: ${reply}`);
  return Number(reply.split("\r\n")[1]);
}

function reply(text: string): number {
  return Number(text.slice(1));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name:
    "lease script: grants at most what is there, charges and gives back within capacity, and keeps a bucket that never refills",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const conn = await connectRedis(server.url);
    try {
      const lease = defineLeaseScript(conn.client);
      assert.deepEqual(await lease("k", 10, 0, { want: 4, debit: 0 }), { granted: 4, tokens: 6 });
      assert.deepEqual(await lease("k", 10, 0, { want: 10, debit: 0 }), { granted: 6, tokens: 0 });
      assert.deepEqual(await lease("k", 10, 0, { want: 1, debit: 0 }), { granted: 0, tokens: 0 });
      assert.deepEqual(await lease("k", 10, 0, { want: 0, debit: -4 }), { granted: 0, tokens: 4 });
      assert.deepEqual(await lease("k", 10, 0, { want: 0, debit: 7 }), { granted: 0, tokens: -3 });
      assert.deepEqual(
        await lease("k", 10, 0, { want: 1, debit: -20 }),
        { granted: 1, tokens: 9 },
        "a return stops at capacity",
      );
      assert.equal(await server.command("PTTL", "k"), ":-1", "no refill: no expiry");
      // Settling bounds: a charge stops at `least`, and the bucket is brought down to `most`.
      assert.deepEqual(
        await lease("k", 10, 0, { want: 0, debit: 50, bounds: { least: 0, most: 10 } }),
        { granted: 0, tokens: 0 },
      );
      await lease("k", 10, 0, { want: 0, debit: -10 });
      assert.deepEqual(
        await lease("k", 10, 0, { want: 0, debit: 1, bounds: { least: 0, most: 3 } }),
        { granted: 0, tokens: 3 },
      );
      assert.deepEqual(
        await lease("k", 10, 0, { want: 0, debit: 5, bounds: { least: 4, most: 10 } }),
        { granted: 0, tokens: 3 },
        "a lower bound never adds tokens",
      );
    } finally {
      await conn.close();
    }
  },
});

Deno.test({
  name:
    "lease script: refills by the time elapsed on Redis's clock, and an emptied bucket expires once it would be full again",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const conn = await connectRedis(server.url);
    try {
      const lease = defineLeaseScript(conn.client);
      const t0 = performance.now();
      assert.equal((await lease("k", 1_000, 100, { want: 1_000, debit: 0 })).granted, 1_000);
      // Empty at 100 tokens a second: full in 10 s, and the hash lives 5 s past that.
      const pttl = reply(await server.command("PTTL", "k"));
      assert.ok(pttl > 14_000 && pttl <= 15_000, `PTTL ${pttl}`);
      await sleep(100);
      const { granted } = await lease("k", 1_000, 100, { want: 1_000, debit: 0 });
      const elapsedS = (performance.now() - t0) / 1000;
      assert.ok(granted >= 10, `${granted} after at least 100 ms`);
      assert.ok(granted <= Math.ceil(100 * elapsedS), `${granted} after ${elapsedS} s`);
    } finally {
      await conn.close();
    }
  },
});

Deno.test({
  name:
    "LeasedBucket spends from its lease at once, tops it up behind, and gives what is left back on close",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const clock = { now: 0 };
    await using r = await replica(server.url, { clock });
    // 2% of 100 for one replica: a lease of 2.
    const bucket = r.limits.bucket(KEY, 100, 0.001, clock.now);
    assert.equal(bucket.msUntil(clock.now), 1, "the first lease is a round trip away");
    await until("the first lease", () => bucket.available(clock.now) === 2);
    assert.equal(bucket.msUntil(clock.now), 0);
    assert.ok(Math.abs((await tokensIn(server)) - 98) < 0.01);
    assert.equal(bucket.tryTake(clock.now), true);
    assert.equal(bucket.tryTake(clock.now), true, "the lease is spent before the top-up is back");
    assert.equal(bucket.tryTake(clock.now), false);
    await until("the top-up", () => bucket.available(clock.now) === 2);
    assert.ok(Math.abs((await tokensIn(server)) - 96) < 0.01);
    assert.equal(
      r.limits.bucket(KEY, 100, 0.001, clock.now),
      bucket,
      "one bucket per key",
    );
    await r.limits.close();
    assert.ok(Math.abs((await tokensIn(server)) - 98) < 0.01, "the lease of 2 is back");
  },
});

Deno.test({
  name:
    "LeasedBucket.charge() debits the lease and beyond it the cluster; a smaller limit gives the surplus back",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const clock = { now: 0 };
    const r = await replica(server.url, { clock });
    const tpm: BucketKey = { owner: "key", id: "k1", limit: "tpm" };
    const hash = "t:bucket:key:k1:tpm";
    try {
      const bucket = r.limits.bucket(tpm, 10_000, 0.001, clock.now);
      await until("a lease of 200", () => bucket.available(clock.now) === 200);
      bucket.charge(clock.now, 150);
      assert.equal(bucket.available(clock.now), 50, "low: a top-up of 150 on its way");
      bucket.charge(clock.now, 1_000);
      assert.equal(bucket.available(clock.now), -950, "owed until the next call");
      await until("topped up and charged", async () =>
        bucket.available(clock.now) === 150 &&
        Math.abs((await tokensIn(server, hash)) - 8_700) < 0.1);
      // 10,000 less the 1,150 charged and the 150 held.

      // Down to 1,000 tokens a minute: a lease of 20, so 130 go back.
      bucket.reconfigure(1_000, 1_000 / 60, clock.now);
      assert.equal(bucket.available(clock.now), 20);
      await until("given back", async () => Math.abs((await tokensIn(server, hash)) - 1_000) < 1);
      // The bucket in Redis holds at most the new capacity: 8,650 became 1,000.
    } finally {
      await r.close();
    }
  },
});

Deno.test({
  name:
    "LeasedBucket.available() alone asks for a new lease once the dry cluster has refilled a token",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const clock = { now: 0 };
    await using r = await replica(server.url, { clock });
    // A tpm-like use: checked with available(), spent by charge(). 20 tokens a second.
    const bucket = r.limits.bucket(KEY, 10, 20, clock.now);
    await until("the lease", () => bucket.available(clock.now) === 1);
    bucket.charge(clock.now, 10);
    await until(
      "the cluster seen dry",
      async () => bucket.available(clock.now) === 0 && (await tokensIn(server)) < 1,
    );
    await sleep(100); // Redis refills a token in 50 ms
    clock.now = 100;
    await until("a new lease", () => bucket.available(clock.now) === 1);
  },
});

Deno.test({
  name:
    "LeasedBucket.msUntil(): 0 with a lease, else the time for this replica's share of the refill when the cluster is dry",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const clock = { now: 0 };
    await using r = await replica(server.url, { clock, alive: 3 });
    // Capacity 3, half a token a second: a lease of 1.
    const bucket = r.limits.bucket(KEY, 3, 0.5, clock.now);
    let taken = 0;
    await until("the capacity taken", () => {
      if (bucket.tryTake(clock.now)) taken++;
      return taken === 3;
    });
    await until("a dry cluster seen", () => bucket.msUntil(clock.now) > 1);
    // One token for this replica out of three: ~3 tokens of refill at 0.5/s.
    const wait = bucket.msUntil(clock.now);
    assert.ok(wait > 5_000 && wait <= 6_000, `${wait} ms`);
    assert.equal(bucket.msUntil(clock.now, 4), Infinity, "more than the capacity: never");
    assert.equal(bucket.tryTake(clock.now), false);
  },
});

Deno.test({
  name: "LeasedBuckets of three replicas driven at once never take more than capacity plus refill",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const replicas = await Promise.all(
      ["a", "b", "c"].map((id) => replica(server.url, { id, alive: 3 })),
    );
    try {
      const t0 = performance.now();
      const buckets = replicas.map((r) => r.limits.bucket(KEY, 30, 5, Date.now()));
      const taken = [0, 0, 0];
      const end = t0 + 1_500;
      await Promise.all(buckets.map(async (b, i) => {
        while (performance.now() < end) {
          for (let k = 0; k < 5; k++) if (b.tryTake(Date.now())) taken[i]!++;
          await sleep(1);
        }
      }));
      const elapsedS = (performance.now() - t0) / 1000;
      const total = taken.reduce((a, b) => a + b, 0);
      const allowed = 30 + 5 * elapsedS;
      assert.ok(total <= allowed, `${total} taken, ${allowed} allowed`);
      assert.ok(total >= 30, `${total}: at least the capacity`);
      assert.ok(taken.every((n) => n > 0), `each replica got some: ${taken}`);
    } finally {
      for (const r of replicas) await r.close();
    }
  },
});

Deno.test({
  name:
    "LeasedBucket while Redis is away serves this replica's share, then settles: a Redis restarted empty gives no second burst",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const clock = { now: 0 };
    const r = await replica(server.url, { clock, alive: 2 });
    const other = await connectRedis(server.url);
    try {
      // Another replica took 60 of 100: 40 left; this one leases 1 (2% over 2 replicas).
      await defineLeaseScript(other.client)(HASH, 100, 0.001, { want: 60, debit: 0 });
      const bucket = r.limits.bucket(KEY, 100, 0.001, clock.now);
      await until("the lease", () => bucket.available(clock.now) === 1);

      await server.stop();
      await until("down", () => !r.conn.up);
      // Its share: 39 in the cluster over 2 replicas, plus its lease of 1.
      assert.ok(Math.abs(bucket.available(clock.now) - 20.5) < 0.001);
      let served = 0;
      while (bucket.tryTake(clock.now)) served++;
      assert.equal(served, 20);
      // The cluster had refilled a hair since it was seen: ~0.5 left.
      assert.ok(Math.abs(bucket.available(clock.now) - 0.5) < 0.001);
      // Half a token to go at half the refill (this replica's share): ~1,000 s.
      const wait = bucket.msUntil(clock.now);
      assert.ok(Math.abs(wait - 1_000_000) < 2_000, `${wait} ms`);

      await server.restart(); // empty: every bucket full again
      await until("settled", async () => {
        const reply = await server.command("EXISTS", HASH);
        return reply === ":1" && bucket.available(clock.now) === 1;
      });
      // 100 - (20 spent - 1 held) = 81, brought down to what the replicas'
      // own buckets can hold (this one's 0.5, the other's share of 39:
      // 19.5), less the new lease of 1: as if Redis had never gone.
      const left = await tokensIn(server);
      assert.ok(Math.abs(left - 19) < 0.01, `${left}`);
    } finally {
      await other.close();
      await r.close();
    }
  },
});

Deno.test({
  name:
    "LeasedBucket built while Redis is away starts with its full share, and its spending is charged once Redis is there",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    await server.stop();
    const clock = { now: 0 };
    await using r = await replica(server.url, { clock, alive: 4 });
    assert.equal(r.conn.up, false);
    const bucket = r.limits.bucket(KEY, 100, 0.001, clock.now);
    assert.equal(bucket.available(clock.now), 25);
    for (let i = 0; i < 5; i++) assert.equal(bucket.tryTake(clock.now), true);
    await server.restart();
    await until("settled", () => bucket.available(clock.now) === 1);
    // 100 - 5 = 95 (within this one's 20 and the others' 3 × 25), less a
    // lease of 1 (2% over 4, at least 1).
    assert.ok(Math.abs((await tokensIn(server)) - 94) < 0.01);
  },
});

Deno.test({
  name:
    "slots: another replica's count is seen after a batch, limits the cluster, and stops counting once that replica is dead",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const a = await replica(server.url, { id: "a", ttlMs: 600 });
    const b = await replica(server.url, { id: "b", ttlMs: 600, alive: 2 });
    try {
      const sa = a.limits.slots({ owner: "key", id: "k1" });
      const sb = b.limits.slots({ owner: "key", id: "k1" });
      assert.equal(sa, a.limits.slots({ owner: "key", id: "k1" }), "one per key");
      sa.acquire();
      sa.acquire();
      assert.equal(sa.count, 2);
      assert.equal(sa.clusterCount, 2, "its own count at once");
      assert.equal(sb.tryAcquire(10), true, "nothing seen yet");
      await until("a's count seen by b", () => sb.clusterCount === 3);
      assert.equal(sb.count, 1);
      assert.equal(sb.tryAcquire(3), false, "2 + 1 in flight: the cluster is at 3");
      await until("b's count seen by a", () => sa.clusterCount === 3);
      assert.match(await server.command("HGET", "t:inflight:key:k1", "a"), /\r\n2:\d{13}$/);

      // While Redis is away: b's own count against its share (4 over 2 replicas).
      await server.stop();
      await until("down", () => !b.conn.up);
      assert.equal(sb.tryAcquire(4), true);
      assert.equal(sb.tryAcquire(4), false);
      sb.release();
      await server.restart();
      await until(
        "b's count back in Redis",
        async () => /\r\n1:\d{13}$/.test(await server.command("HGET", "t:inflight:key:k1", "b")),
      );

      // a dies: its connection gone, its counts no longer refreshed.
      a.conn.client.disconnect();
      await until("a's counts expired", () => sb.clusterCount === 1 && sb.tryAcquire(2));
      assert.equal(await server.command("HEXISTS", "t:inflight:key:k1", "a"), ":0");
      sb.release();
      sb.release();
      await until(
        "b's count gone",
        async () => (await server.command("EXISTS", "t:inflight:key:k1")) === ":0",
      );
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "slots: a replica that closes takes its counts out at once",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const a = await replica(server.url, { id: "a" });
    const b = await replica(server.url, { id: "b" });
    try {
      const sa = a.limits.slots({ owner: "backend", id: "b1" });
      const sb = b.limits.slots({ owner: "backend", id: "b1" });
      sa.acquire();
      await until(
        "written",
        async () => (await server.command("HEXISTS", "t:inflight:backend:b1", "a")) === ":1",
      );
      await a.close();
      assert.equal(await server.command("HEXISTS", "t:inflight:backend:b1", "a"), ":0");
      assert.equal(sb.tryAcquire(1), true);
    } finally {
      await a.close();
      await b.close();
    }
  },
});

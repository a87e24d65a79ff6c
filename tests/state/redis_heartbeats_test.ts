/**
 * @module redis_heartbeats_test
 * Heartbeats: the beat key, its TTL and its fields in a real redis-server;
 * listing replicas by SCAN; the timer injected; a prefix that holds glob
 * characters matching only itself; a beat lost to an absent Redis.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { type Every, type HeartbeatClient, Heartbeats } from "../../src/state/redis_heartbeats.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

function beats(
  client: HeartbeatClient,
  replicaId: string,
  extra: Partial<ConstructorParameters<typeof Heartbeats>[0]> = {},
) {
  return new Heartbeats({
    client,
    prefix: "test:",
    replicaId,
    host: "box-1",
    version: "1.2.3",
    startedAt: T0,
    now: () => T0 + 5_000,
    ...extra,
  });
}

/** A real server and an ioredis client on it, both closed on dispose. */
async function redis() {
  const server = await RedisServer.start();
  const client = new Redis(server.port, "127.0.0.1");
  return {
    server,
    client,
    async [Symbol.asyncDispose]() {
      client.disconnect();
      await server[Symbol.asyncDispose]();
    },
  };
}

Deno.test({
  name:
    "Heartbeats.beat() sets <prefix>replica:<id> with a TTL of three periods and only the replica's own fields",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using r = await redis();
    const hb = beats(r.client, "r1", { periodMs: 2_000 });
    assert.equal(hb.key, "test:replica:r1");
    assert.equal(hb.ttlSeconds, 6);
    assert.equal(await hb.beat(), true);
    const ttl = await r.client.ttl("test:replica:r1");
    assert.ok(ttl > 0 && ttl <= 6, `ttl ${ttl}`);
    assert.deepEqual(JSON.parse((await r.client.get("test:replica:r1"))!), {
      host: "box-1",
      version: "1.2.3",
      started_at: "2026-11-27T10:00:00.000Z",
      last_seen: "2026-11-27T10:00:05.000Z",
    });
    assert.equal(hb.lastAlive, 1, "a beat counts the replicas too");
  },
});

Deno.test({
  name:
    "Heartbeats.replicas() lists every replica's beat by SCAN, oldest first, itself marked, and stop() takes its own out",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using r = await redis();
    const a = beats(r.client, "a", { startedAt: T0 + 1_000, host: "box-a" });
    const b = beats(r.client, "b", { version: "1.2.4" });
    // Another cluster's beats and unrelated keys are not listed.
    await r.client.set("other:replica:x", "{}");
    await r.client.set("test:replicas", "1");
    await r.client.set("test:replica:garbled", "not json");
    await r.client.set("test:replica:partial", JSON.stringify({ host: "h" }));
    assert.equal(a.lastAlive, undefined);
    assert.equal(a.lastReplicas, undefined);
    await a.beat();
    await b.beat();
    const replicas = await a.replicas();
    assert.deepEqual(replicas, [
      {
        id: "b",
        host: "box-1",
        version: "1.2.4",
        started_at: "2026-11-27T10:00:00.000Z",
        last_seen: "2026-11-27T10:00:05.000Z",
        self: false,
      },
      {
        id: "a",
        host: "box-a",
        version: "1.2.3",
        started_at: "2026-11-27T10:00:01.000Z",
        last_seen: "2026-11-27T10:00:05.000Z",
        self: true,
      },
    ]);
    assert.equal(a.lastAlive, 2);
    assert.deepEqual(a.lastReplicas, replicas);
    assert.deepEqual((await b.replicas()).map((x) => [x.id, x.self]), [["b", true], ["a", false]]);
    await b.stop();
    assert.equal(await r.client.exists("test:replica:b"), 0);
    assert.deepEqual((await a.replicas()).map((x) => x.id), ["a"]);
    assert.equal(a.lastAlive, 1);
  },
});

Deno.test({
  name: "Heartbeats with a prefix holding glob characters count only their own cluster",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using r = await redis();
    const hb = beats(r.client, "r1", { prefix: "a*[x]?:" });
    await r.client.set(
      "ab[x]c:replica:intruder",
      JSON.stringify({
        host: "h",
        version: "v",
        started_at: "s",
        last_seen: "l",
      }),
    );
    await hb.beat();
    assert.deepEqual((await hb.replicas()).map((x) => x.id), ["r1"]);
  },
});

/** An in-memory client: enough to drive the timer without a server. */
function memoryClient(fail = false): HeartbeatClient & { sets: string[] } {
  const data = new Map<string, string>();
  const sets: string[] = [];
  const maybe = <T>(v: T) => fail ? Promise.reject(new Error("down")) : Promise.resolve(v);
  return {
    sets,
    set: (k, v) => {
      if (!fail) {
        data.set(k, v);
        sets.push(k);
      }
      return maybe("OK");
    },
    scan: () => maybe(["0", [...data.keys()]] as [string, string[]]),
    mget: (keys) => maybe(keys.map((k) => data.get(k) ?? null)),
    del: (k) => maybe(data.delete(k) ? 1 : 0),
  };
}

Deno.test("Heartbeats.start() beats at once and then on every tick of its timer, until stop()", async () => {
  const client = memoryClient();
  let tick: (() => void) | undefined;
  const periods: number[] = [];
  let stopped = false;
  const every: Every = (ms, fn) => {
    periods.push(ms);
    tick = fn;
    return () => stopped = true;
  };
  const hb = beats(client, "r1", { periodMs: 5_000, every });
  hb.start();
  hb.start();
  assert.deepEqual(periods, [5_000], "one timer however often started");
  await Promise.resolve();
  tick!();
  tick!();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(client.sets.length, 3);
  await hb.stop();
  assert.equal(stopped, true);
  assert.equal(hb.ttlSeconds, 15, "three periods by default");
});

Deno.test("Heartbeats.beat() is false when Redis does not take it, and the last count stays", async () => {
  const hb = beats(memoryClient(true), "r1");
  assert.equal(await hb.beat(), false);
  assert.equal(hb.lastAlive, undefined);
  await hb.stop(); // the delete fails quietly
});

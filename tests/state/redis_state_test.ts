/**
 * @module redis_state_test
 * RedisState as far as it is built: a degraded start when Redis is away,
 * the cluster status from the connection and the heartbeats, a beat as soon
 * as Redis is back, a clean close, and live state still this replica's own.
 */
import assert from "node:assert/strict";
import { createLogger } from "../../src/log.ts";
import { type RedisStateOptions, startRedisState } from "../../src/state/redis_state.ts";
import { freePort, NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { until } from "../helpers/until.ts";

function start(url: string, extra: Partial<RedisStateOptions> = {}) {
  const lines: string[] = [];
  return {
    lines,
    state: startRedisState({
      url,
      prefix: "t:",
      log: createLogger("debug", (l) => lines.push(l)),
      version: "9.9.9",
      host: "box",
      connection: { firstRetryMs: 20, maxRetryMs: 100 },
      ...extra,
    }),
  };
}

Deno.test("startRedisState() with Redis away starts within a moment, down, and keeps live state here", async () => {
  const t0 = Date.now();
  const { state: pending, lines } = start(`redis://:pw-secret@127.0.0.1:${freePort()}`);
  const state = await pending;
  assert.ok(Date.now() - t0 < 1_000);
  assert.equal(state.mode, "redis");
  assert.deepEqual(state.clusterStatus(), { state: "down", replicasAlive: 1 });
  assert.deepEqual(await state.checkClusterStatus(), { state: "down", replicasAlive: 1 });
  assert.equal(state.claimProbe({ backendId: "a" }, 0), true, "probes are still claimed here");
  const bucket = state.bucket({ owner: "backend", id: "a", limit: "rpm" }, 1, 1, 0);
  assert.equal(bucket.tryTake(0), true);
  assert.equal(bucket.tryTake(0), false);
  await state.close();
  assert.ok(lines.every((l) => !l.includes("pw-secret")));
});

Deno.test({
  name:
    "RedisState counts the replicas alive, reuses a count for a second, and takes its beat out on close",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const a = await start(server.url, { replicaId: "a", checkReuseMs: 0 }).state;
    assert.equal(a.replicaId, "a");
    await until("the heartbeat", () => a.heartbeats.lastAlive === 1);
    assert.deepEqual(a.clusterStatus(), { state: "up", replicasAlive: 1 });
    const b = await start(server.url, { replicaId: "b" }).state;
    assert.deepEqual(await a.checkClusterStatus(), { state: "up", replicasAlive: 2 });
    assert.match(await server.command("TTL", "t:replica:b"), /^:(1[0-5]|[1-9])$/);
    await b.close();
    assert.equal(await server.command("EXISTS", "t:replica:b"), ":0");
    assert.deepEqual(await a.checkClusterStatus(), { state: "up", replicasAlive: 1 });

    let now = 0;
    const c = await start(server.url, { replicaId: "c", now: () => now }).state;
    const first = c.checkClusterStatus();
    assert.equal(c.checkClusterStatus(), first, "callers close together share one check");
    now = 1_000;
    assert.notEqual(c.checkClusterStatus(), first);
    await c.close();
    await a.close();
  },
});

Deno.test({
  name: "RedisState goes down with Redis, keeps the last count, and beats as soon as Redis is back",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const { state: pending, lines } = start(server.url, {
      replicaId: "a",
      heartbeat: { periodMs: 60_000 }, // no timer beat during the test: only the reconnect's
    });
    const state = await pending;
    await until("the heartbeat", () => state.heartbeats.lastAlive === 1);
    await server.stop();
    await until("the cluster to be down", () => state.clusterStatus().state === "down");
    assert.deepEqual(await state.checkClusterStatus(), { state: "down", replicasAlive: 1 });
    await server.restart(); // an empty Redis: nothing saved
    await until(
      "the replica's heartbeat key",
      async () => (await server.command("EXISTS", "t:replica:a")) === ":1",
    );
    assert.equal(state.clusterStatus().state, "up");
    const says = (msg: string) => lines.filter((l) => JSON.parse(l).msg.startsWith(msg)).length;
    assert.equal(says("shared state up"), 2);
    assert.equal(says("shared state down"), 1);
    await state.close();
  },
});

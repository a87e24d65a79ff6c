/**
 * @module shared_state_replicas_test
 * SharedState.replicas(), the dashboard's list of the replicas alive: none
 * in process; in Redis mode every heartbeat, this replica marked, from the
 * same bounded check as the cluster status (one SCAN a second for both),
 * and the last list seen while Redis is down.
 */
import assert from "node:assert/strict";
import { createLogger } from "../../src/log.ts";
import { InProcessState } from "../../src/state/in_process_state.ts";
import { type RedisStateOptions, startRedisState } from "../../src/state/redis_state.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { until } from "../helpers/until.ts";

function start(url: string, replicaId: string, extra: Partial<RedisStateOptions> = {}) {
  return startRedisState({
    url,
    prefix: "t:",
    log: createLogger("error", () => {}),
    version: "9.9.9",
    host: `box-${replicaId}`,
    replicaId,
    connection: { firstRetryMs: 20, maxRetryMs: 100 },
    // No timer beat during a test: only the first one and the checks count.
    heartbeat: { periodMs: 60_000 },
    ...extra,
  });
}

Deno.test("InProcessState.replicas() is empty: there is no cluster", async () => {
  assert.deepEqual(await new InProcessState().replicas(), []);
});

Deno.test({
  name: "RedisState.replicas() lists every replica alive with its beat, this one marked self",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const a = await start(server.url, "a", { checkReuseMs: 0 });
    const b = await start(server.url, "b");
    await until(
      "replica b's heartbeat key",
      async () => (await server.command("EXISTS", "t:replica:b")) === ":1",
    );
    const list = await a.replicas();
    assert.deepEqual(list.map((r) => [r.id, r.host, r.version, r.self]), [
      ["a", "box-a", "9.9.9", true],
      ["b", "box-b", "9.9.9", false],
    ]);
    for (const r of list) {
      assert.ok(!Number.isNaN(Date.parse(r.started_at)) && !Number.isNaN(Date.parse(r.last_seen)));
    }
    assert.deepEqual((await b.replicas()).find((r) => r.self)?.id, "b");
    await b.close();
    assert.deepEqual((await a.replicas()).map((r) => r.id), ["a"], "a clean stop is gone at once");
    await a.close();
  },
});

Deno.test({
  name: "RedisState.replicas() shares one check with checkClusterStatus() within a second",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    let now = 0;
    const a = await start(server.url, "a", { now: () => now });
    const first = a.replicas();
    assert.equal(a.replicas(), first, "callers close together share one list");
    assert.deepEqual((await first).map((r) => r.id), ["a"]);
    // A replica that joins inside the second is not seen until the next check.
    const b = await start(server.url, "b");
    await until(
      "replica b's heartbeat key",
      async () => (await server.command("EXISTS", "t:replica:b")) === ":1",
    );
    assert.deepEqual(await a.checkClusterStatus(), { state: "up", replicasAlive: 1 });
    assert.deepEqual((await a.replicas()).map((r) => r.id), ["a"]);
    now = 1_000;
    assert.deepEqual((await a.replicas()).map((r) => r.id), ["a", "b"]);
    assert.deepEqual(await a.checkClusterStatus(), { state: "up", replicasAlive: 2 });
    await b.close();
    await a.close();
  },
});

Deno.test({
  name: "RedisState.replicas() while Redis is down is the last list seen",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const a = await start(server.url, "a", { checkReuseMs: 0 });
    const b = await start(server.url, "b");
    await until("both replicas alive", async () => (await a.replicas()).length === 2);
    await server.stop();
    await until("the cluster to be down", () => a.clusterStatus().state === "down");
    assert.deepEqual((await a.replicas()).map((r) => r.id), ["a", "b"]);
    await b.close();
    await a.close();
  },
});

/**
 * @module redis_cluster_limits_test
 * One rate limit held by a cluster (docs/cluster.md, "Buckets"): three real
 * Sidecar processes on one redis-server, each with the same backend (same
 * id, so the same bucket in Redis) in front of one loopback upstream, all
 * driven well past the backend's `rpm_limit` at once. The upstream receives
 * what one token bucket admits, within 5%; without Redis each replica holds
 * the whole limit and the upstream receives about three times as much.
 */
import assert from "node:assert/strict";
import { chatInto, clusterUp, drive, type Tally, tally } from "../helpers/cluster.ts";
import { type MockUpstream, startMockUpstream } from "../helpers/mock_upstream.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { adminCall, sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";

const TOKEN = "sc-admin-e2e-cluster-limits";
const RPM = 120;
const REPLICAS = 3;
/** Request loops per replica. */
const LOOPS = 2;

const chat = (base: string, t: Tally) => chatInto(base, TOKEN, "all_backends_unavailable", t);

/**
 * A token bucket that starts full admits its capacity at once, then its
 * refill as it comes: over a window of T seconds, capacity + rate × T. Driven
 * past it all along, that is what reaches the upstream.
 */
function admittedByOneBucket(windowS: number): number {
  return RPM + (RPM / 60) * windowS;
}

function served(upstream: MockUpstream): number {
  return upstream.requests.filter((r) => r.path === "/v1/chat/completions").length;
}

async function startCluster(
  dirs: string[],
  extraEnv: Record<string, string>,
  upstream: MockUpstream,
): Promise<SidecarProcess[]> {
  const env = sidecarEnv({ SIDECAR_ADMIN_TOKEN: TOKEN, SIDECAR_LOG_LEVEL: "warn", ...extraEnv });
  const sidecars = await Promise.all(dirs.map((dir) => SidecarProcess.start(dir, env)));
  // Every replica counts the others first, so each lease is sized for three.
  if (extraEnv.SIDECAR_REDIS_URL) await clusterUp(sidecars, REPLICAS);
  for (const s of sidecars) {
    const created = await adminCall(s.url, TOKEN, "POST", "/api/backends", {
      id: "b1",
      name: "B1",
      base_url: upstream.url,
      api_key: "sk-e2e-cluster-limits-0123456789",
      models: ["*"],
      rpm_limit: RPM,
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
  }
  return sidecars;
}

async function withCluster(
  extraEnv: Record<string, string>,
  fn: (sidecars: SidecarProcess[], upstream: MockUpstream) => Promise<void>,
): Promise<void> {
  const dirs = await Promise.all(
    Array.from({ length: REPLICAS }, () => Deno.makeTempDir({ prefix: "sidecar-limits-" })),
  );
  const upstream = await startMockUpstream({ name: "b1" });
  let sidecars: SidecarProcess[] = [];
  try {
    sidecars = await startCluster(dirs, extraEnv, upstream);
    await fn(sidecars, upstream);
  } finally {
    for (const s of sidecars) await s.kill();
    await upstream.close();
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "three sidecars on one redis-server driven past a backend's rpm_limit: the upstream receives what one bucket admits, within 5%",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using redis = await RedisServer.start();
    await withCluster({ SIDECAR_REDIS_URL: redis.url }, async (sidecars, upstream) => {
      const before = served(upstream);
      const { tallies, windowS } = await drive(sidecars, 16_000, LOOPS, chat);
      const reached = served(upstream) - before;
      const expected = admittedByOneBucket(windowS);
      const detail = `${reached} reached the upstream in ${windowS.toFixed(1)} s, ` +
        `one bucket admits ${expected.toFixed(1)}; per replica ${
          JSON.stringify(tallies.map((t) => [t.ok, t.limited]))
        }`;
      assert.ok(Math.abs(reached - expected) <= 0.05 * expected, detail);
      assert.equal(tallies.reduce((n, t) => n + t.ok, 0), reached, detail);
      assert.deepEqual(tallies.flatMap((t) => t.other), [], "every refusal is Sidecar's own 429");
      assert.ok(tallies.every((t) => t.ok > 0 && t.limited > 0), detail);
    });
  },
});

Deno.test("three sidecars without Redis, driven the same way: each holds the whole limit, ~3× what one bucket admits", async () => {
  await withCluster({}, async (sidecars, upstream) => {
    const before = served(upstream);
    const { windowS } = await drive(sidecars, 4_000, LOOPS, chat);
    const reached = served(upstream) - before;
    const one = admittedByOneBucket(windowS);
    assert.ok(
      reached > 2.5 * one && reached <= REPLICAS * one,
      `${reached} reached the upstream; one bucket admits ${one.toFixed(1)}`,
    );
  });
});

Deno.test({
  name:
    "a burst within the limit on one replica of three is served whole: requests wait the round trip for tokens the cluster holds rather than being refused",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using redis = await RedisServer.start();
    await withCluster({ SIDECAR_REDIS_URL: redis.url }, async (sidecars, upstream) => {
      // A lease here is one token (2% of 120 over three replicas), so all
      // but the first of these find the lease empty while the cluster's
      // bucket still holds ~120: one Sidecar alone would serve all 30.
      const burst = tally();
      const before = served(upstream);
      await Promise.all(Array.from({ length: 30 }, () => chat(sidecars[0]!.url, burst)));
      assert.deepEqual(burst, { ok: 30, limited: 0, other: [] });
      assert.equal(served(upstream) - before, 30);
    });
  },
});

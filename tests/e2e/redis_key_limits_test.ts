/**
 * @module redis_key_limits_test
 * A client key's rate limit held by a cluster (docs/cluster.md, "Buckets";
 * docs/keys.md): three real Sidecar processes on one redis-server reading
 * one config file, so the key (same id) has one bucket in Redis. A burst
 * within the limit on one replica is served whole, though each replica's
 * lease is a single token; driven past the limit from all three, the
 * cluster admits what one bucket admits, within 5%, and every refusal is
 * the key's own 429 with a Retry-After.
 */
import assert from "node:assert/strict";
import {
  chatInto,
  drive,
  sha256Hex,
  startConfiguredCluster,
  type Tally,
  tally,
} from "../helpers/cluster.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { sidecarEnv } from "../helpers/sidecar_process.ts";

const KEY = "sk-sc-e2e-cluster-key-limits-0123456789abcdef";
const RPM = 120;
const REPLICAS = 3;

const chat = (base: string, t: Tally) => chatInto(base, KEY, "key_rate_limited", t);

Deno.test({
  name:
    "three sidecars on one redis-server, one key at rpm_limit 120: a burst of 30 on one replica is served whole; driven past the limit from all three, the cluster admits what one bucket does, within 5%",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using redis = await RedisServer.start();
    const upstream = await startMockUpstream({ name: "b1" });
    const yaml = `pools:
  - { id: primary, priority: 0 }
backends:
  - { id: b1, base_url: "${upstream.url}", api_key: "\${UP_KEY}", models: ["*"] }
keys:
  - { id: limited, name: limited, sha256: "${await sha256Hex(KEY)}", rpm_limit: ${RPM} }
`;
    const env = sidecarEnv({
      SIDECAR_ADMIN_TOKEN: "sc-admin-e2e-key-limits",
      SIDECAR_LOG_LEVEL: "warn",
      SIDECAR_REDIS_URL: redis.url,
      UP_KEY: "sk-upstream-e2e-key-limits-0123456789",
    });
    try {
      await using cluster = await startConfiguredCluster(REPLICAS, yaml, env);
      const { sidecars } = cluster;

      // Each lease is one token (2% of 120 over three replicas): all but
      // the first of these find it empty while the cluster holds ~120.
      const burst = tally();
      await Promise.all(Array.from({ length: 30 }, () => chat(sidecars[0]!.url, burst)));
      assert.deepEqual(burst, { ok: 30, limited: 0, other: [] });

      const { tallies, windowS } = await drive(sidecars, 8_000, 2, chat);
      // A bucket that starts full admits its capacity, then its refill: the
      // burst took 30 of the capacity a moment before.
      const expected = RPM - 30 + (RPM / 60) * windowS;
      const admitted = tallies.reduce((n, t) => n + t.ok, 0);
      const detail = `${admitted} admitted in ${windowS.toFixed(1)} s, one bucket admits ${
        expected.toFixed(1)
      }; per replica ${JSON.stringify(tallies.map((t) => [t.ok, t.limited]))}`;
      assert.ok(Math.abs(admitted - expected) <= 0.05 * expected, detail);
      assert.deepEqual(tallies.flatMap((t) => t.other), [], "every refusal is the key's own 429");
      assert.ok(tallies.every((t) => t.limited > 0), detail);
    } finally {
      await upstream.close();
    }
  },
});

/**
 * @module redis_shared_state_test
 * Real Sidecar processes with SIDECAR_REDIS_URL (docs/cluster.md): a URL
 * that does not parse stops start-up without showing its password; a Redis
 * that is not there is a degraded start that serves; with a real
 * redis-server, heartbeats (two replicas alive), then an outage and a
 * return, each said once, while /v1 requests keep being answered.
 */
import assert from "node:assert/strict";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { freePort, NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { adminCall, runSidecar, sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";
import { until } from "../helpers/until.ts";

const TOKEN = "sc-admin-e2e-redis";
const PROVIDER_KEY = "sk-e2e-redis-provider-0123456789";

function env(redisUrl: string): Record<string, string> {
  return sidecarEnv({
    SIDECAR_ADMIN_TOKEN: TOKEN,
    SIDECAR_LOG_LEVEL: "info", // the shared state says "up" at info
    SIDECAR_REDIS_URL: redisUrl,
  });
}

async function healthz(base: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/healthz`);
  return { status: res.status, body: await res.json() };
}

async function gauge(base: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function chat(base: string): Promise<number> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });
  await res.body?.cancel();
  return res.status;
}

async function addBackend(base: string, upstreamUrl: string): Promise<void> {
  const created = await adminCall(base, TOKEN, "POST", "/api/backends", {
    id: "b1",
    name: "B1",
    base_url: upstreamUrl,
    api_key: PROVIDER_KEY,
    models: ["*"],
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
}

/** Log lines (JSON on stdout) whose msg starts with `msg`. */
function said(stdout: string, msg: string): number {
  return stdout.split("\n").filter((l) => {
    try {
      return (JSON.parse(l).msg as string).startsWith(msg);
    } catch {
      return false;
    }
  }).length;
}

Deno.test("sidecar serve with a SIDECAR_REDIS_URL that does not parse exits 2, naming it, never the password", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-redis-" });
  try {
    for (const url of ["http://admin:hunter2@cache:6379", "redis://:hunter2@cache:99999/0"]) {
      const out = await runSidecar(["serve", "--port", "0", "--data-dir", dir], env(url));
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /^sidecar: SIDECAR_REDIS_URL /m);
      assert.doesNotMatch(out.stderr + out.stdout, /hunter2/);
      assert.doesNotMatch(out.stdout, /listening on/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sidecar serve with nothing listening at SIDECAR_REDIS_URL starts, serves /v1 and says shared_state down", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-redis-" });
  const upstream = await startMockUpstream({ name: "b1" });
  try {
    const t0 = Date.now();
    const sidecar = await SidecarProcess.start(
      dir,
      env(`redis://:pw-hunter2@127.0.0.1:${freePort()}`),
    );
    try {
      assert.ok(Date.now() - t0 < 15_000);
      await addBackend(sidecar.url, upstream.url);
      assert.equal(await chat(sidecar.url), 200);
      const health = await healthz(sidecar.url);
      assert.equal(health.status, 200);
      assert.equal(health.body.status, "ok");
      assert.equal(health.body.shared_state, "down");
      assert.equal(health.body.replicas_alive, 1);
      assert.equal(await gauge(sidecar.url, "sidecar_shared_state_up"), 0);
      await new Promise((r) => setTimeout(r, 700)); // retries meanwhile: not logged
    } finally {
      sidecar.signal("SIGTERM");
      assert.equal((await sidecar.status).code, 0);
    }
    const [stdout, stderr] = await sidecar.output();
    assert.equal(said(stdout, "shared state down"), 1, stdout);
    assert.doesNotMatch(stdout + stderr, /hunter2/);
  } finally {
    await upstream.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "two sidecars on a real redis-server: heartbeats, replicas_alive 2, an outage and a return said once each, no client request failed",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using redis = await RedisServer.start();
    const dirs = [
      await Deno.makeTempDir({ prefix: "sidecar-redis-a-" }),
      await Deno.makeTempDir({ prefix: "sidecar-redis-b-" }),
    ];
    const upstream = await startMockUpstream({ name: "b1" });
    const a = await SidecarProcess.start(dirs[0]!, env(redis.url));
    const b = await SidecarProcess.start(dirs[1]!, env(redis.url));
    let load: Promise<void> | undefined;
    let loading = true;
    const statuses: number[] = [];
    try {
      for (const s of [a, b]) await addBackend(s.url, upstream.url);
      for (const s of [a, b]) {
        await until("up, 2 alive", async () => {
          const { body } = await healthz(s.url);
          return body.shared_state === "up" && body.replicas_alive === 2;
        });
      }
      const keys = (await redis.command("KEYS", "*")).split("\r\n").filter((l) =>
        l.startsWith("sidecar:")
      );
      assert.equal(keys.length, 2, keys.join(", "));
      for (const key of keys) {
        assert.match(key, /^sidecar:replica:[0-9a-f]{16}$/);
        assert.match(await redis.command("TTL", key), /^:([1-9]|1[0-5])$/, "a TTL of ~3 periods");
        const value = await redis.command("GET", key);
        for (const field of ["host", "version", "started_at", "last_seen"]) {
          assert.ok(value.includes(`"${field}"`), value);
        }
        assert.ok(!value.includes(PROVIDER_KEY) && !value.includes(TOKEN), "no secret in Redis");
      }
      assert.equal(await gauge(a.url, "sidecar_shared_state_up"), 1);
      assert.equal(await gauge(a.url, "sidecar_replicas_alive"), 2);

      // Requests all along, on both replicas, through the outage and the return.
      load = (async () => {
        while (loading) {
          statuses.push(await chat(a.url), await chat(b.url));
        }
      })();

      await redis.stop();
      for (const s of [a, b]) {
        await until("down", async () => (await healthz(s.url)).body.shared_state === "down");
      }
      const down = await healthz(a.url);
      assert.equal(down.status, 200);
      assert.equal(down.body.replicas_alive, 2, "the last count seen");
      assert.equal(await gauge(a.url, "sidecar_shared_state_up"), 0);
      await new Promise((r) => setTimeout(r, 1_000)); // reconnection attempts: not logged

      await redis.restart();
      for (const s of [a, b]) {
        await until("up again, 2 alive", async () => {
          const { body } = await healthz(s.url);
          return body.shared_state === "up" && body.replicas_alive === 2;
        });
      }
      assert.equal(await gauge(a.url, "sidecar_shared_state_up"), 1);
      loading = false;
      await load;
      assert.ok(statuses.length > 0);
      assert.deepEqual(statuses.filter((s) => s !== 200), [], "no client request failed");

      // A clean stop takes its heartbeat out: the other counts one at once.
      b.signal("SIGTERM");
      assert.equal((await b.status).code, 0);
      await until("1 alive", async () => (await healthz(a.url)).body.replicas_alive === 1);
      a.signal("SIGTERM");
      assert.equal((await a.status).code, 0);
      for (const s of [a, b]) {
        const [stdout] = await s.output();
        assert.equal(said(stdout, "shared state down"), 1, stdout);
        assert.equal(said(stdout, "shared state up"), 2, stdout);
      }
    } finally {
      loading = false;
      await load?.catch(() => {});
      await a.kill();
      await b.kill();
      await upstream.close();
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});

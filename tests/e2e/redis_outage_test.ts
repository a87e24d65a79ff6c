/**
 * @module redis_outage_test
 * Limits through a Redis outage (docs/cluster.md, "Outage"), on two real
 * Sidecar processes and one redis-server: steady traffic on both replicas
 * is served throughout, the server stopped and restarted (empty) under it;
 * while Redis is away a burst on one replica gets that replica's share of
 * the limit (the limit over the two replicas alive) and Sidecar's own 429
 * beyond it; once Redis is back the outage's spending has been settled, so
 * the restarted (empty, full again) bucket gives no second burst: the other
 * replica gets what was left, its share. /healthz and /metrics say down,
 * then up.
 */
import assert from "node:assert/strict";
import { type MockUpstream, startMockUpstream } from "../helpers/mock_upstream.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { adminCall, sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";
import { until } from "../helpers/until.ts";

const TOKEN = "sc-admin-e2e-redis-outage";
/** The burst backend's limit: 120 a minute, so 60 each for two replicas. */
const BURST_RPM = 120;

interface Answer {
  status: number;
  /** Sidecar's own refusal for the limit: 429 with its code and a Retry-After. */
  limitedHere: boolean;
  text: string;
}

async function chat(base: string, model: string): Promise<Answer> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  const text = await res.text();
  const limitedHere = res.status === 429 && res.headers.has("retry-after") &&
    JSON.parse(text).error?.code === "all_backends_unavailable";
  return { status: res.status, limitedHere, text: text.slice(0, 200) };
}

/** `n` requests in a row for the burst backend: how many were served, and anything but 200 or Sidecar's 429. */
async function burst(base: string, n: number): Promise<{ ok: number; odd: string[] }> {
  let ok = 0;
  const odd: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = await chat(base, "burst");
    if (a.status === 200) ok++;
    else if (!a.limitedHere) odd.push(`${a.status} ${a.text}`);
  }
  return { ok, odd };
}

async function addBackends(base: string, upstream: MockUpstream): Promise<void> {
  for (
    const [id, model, rpm] of [["steady", "m", 6_000], ["burst", "burst", BURST_RPM]] as const
  ) {
    const created = await adminCall(base, TOKEN, "POST", "/api/backends", {
      id,
      name: id,
      base_url: upstream.url,
      api_key: "sk-e2e-redis-outage-0123456789",
      models: [model],
      rpm_limit: rpm,
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
  }
}

async function health(base: string): Promise<{ state: unknown; alive: unknown; up: number }> {
  const body = await (await fetch(`${base}/healthz`)).json();
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const line = metrics.split("\n").find((l) => l.startsWith("sidecar_shared_state_up "));
  return { state: body.shared_state, alive: body.replicas_alive, up: Number(line?.split(" ")[1]) };
}

Deno.test({
  name:
    "two sidecars through a Redis outage: steady traffic all served, a burst gets its replica's share, and no second burst once Redis is back",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using redis = await RedisServer.start();
    const dirs = await Promise.all(
      [0, 1].map(() => Deno.makeTempDir({ prefix: "sidecar-outage-" })),
    );
    const upstream = await startMockUpstream({ name: "up" });
    const env = sidecarEnv({
      SIDECAR_ADMIN_TOKEN: TOKEN,
      SIDECAR_LOG_LEVEL: "warn",
      SIDECAR_REDIS_URL: redis.url,
    });
    const [a, b] = await Promise.all(dirs.map((dir) => SidecarProcess.start(dir, env)));
    let steady: Promise<void> | undefined;
    let driving = true;
    const steadyAnswers: Answer[] = [];
    try {
      for (const s of [a!, b!]) {
        await until("up, 2 alive", async () => {
          const h = await health(s.url);
          return h.state === "up" && h.alive === 2 && h.up === 1;
        });
      }
      for (const s of [a!, b!]) await addBackends(s.url, upstream);

      // Steady traffic on both replicas, well within even half the limit.
      steady = Promise.all([a!, b!].map(async (s) => {
        while (driving) {
          steadyAnswers.push(await chat(s.url, "m"));
          await new Promise((r) => setTimeout(r, 50));
        }
      })).then(() => {});
      await new Promise((r) => setTimeout(r, 1_000));

      await redis.stop();
      for (const s of [a!, b!]) {
        await until("down", async () => {
          const h = await health(s.url);
          return h.state === "down" && h.alive === 2 && h.up === 0;
        });
      }
      // A's share: 120 over 2 replicas, plus a little refill while it runs.
      const during = await burst(a!.url, 100);
      assert.deepEqual(during.odd, [], "beyond its share, only Sidecar's own 429");
      assert.ok(during.ok >= 55 && during.ok <= 65, `${during.ok} served during the outage`);

      await redis.restart(); // empty: the burst bucket would be full again
      for (const s of [a!, b!]) {
        await until("up again", async () => {
          const h = await health(s.url);
          return h.state === "up" && h.alive === 2 && h.up === 1;
        });
      }
      // A's outage settled: the bucket in Redis holds what B did not spend.
      await until("settled", async () => {
        const reply = await redis.command("HGET", "sidecar:bucket:backend:burst:rpm", "tokens");
        return /^\$\d+\r\n/.test(reply) && Number(reply.split("\r\n")[1]) < 70;
      });
      const after = await burst(b!.url, 100);
      assert.deepEqual(after.odd, []);
      assert.ok(after.ok >= 55 && after.ok <= 65, `${after.ok} served after the return`);

      await new Promise((r) => setTimeout(r, 500));
      driving = false;
      await steady;
      assert.ok(steadyAnswers.length > 20, `${steadyAnswers.length} steady requests`);
      assert.deepEqual(
        steadyAnswers.filter((s) => s.status !== 200),
        [],
        "no steady request failed",
      );
    } finally {
      driving = false;
      await steady?.catch(() => {});
      await a?.kill();
      await b?.kill();
      await upstream.close();
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    }
  },
});

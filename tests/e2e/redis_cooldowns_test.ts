/**
 * @module redis_cooldowns_test
 * Two real Sidecar processes on one real redis-server share their
 * cooldowns (docs/cluster.md, "Cooldowns in Redis"): a 429 on one cools the
 * (backend, model) pair on the other within 100 ms, and the other's
 * requests keep away from it; after the cooldown exactly one probe is sent
 * by the pair of them; clear-cooldown and pause reach the other within 1 s
 * either way; a cooldown started while Redis was down reaches the other once
 * Redis is back. Backend `hot` (primary pool) is the one that answers 429;
 * `spare` (the fallback pool) serves whatever `hot` does not.
 */
import assert from "node:assert/strict";
import { type MockUpstream, startMockUpstream } from "../helpers/mock_upstream.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { adminCall, sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";
import { until } from "../helpers/until.ts";

const TOKEN = "sc-admin-e2e-cooldowns";
const PROVIDER_KEY = "sk-e2e-cooldowns-provider-0123456789";

interface ModelCooling {
  model: string;
  cooldown_until: string | null;
}
interface StatusRow {
  backend_id: string;
  paused: boolean;
  models_cooling: ModelCooling[];
}

interface Cluster {
  redis: RedisServer;
  a: SidecarProcess;
  b: SidecarProcess;
  hot: MockUpstream;
  spare: MockUpstream;
}

/** Two replicas with backends `hot` and `spare`, both linked to Redis and listening on its channel. */
async function withCluster(fn: (c: Cluster) => Promise<void>): Promise<void> {
  await using redis = await RedisServer.start();
  const dirs = [
    await Deno.makeTempDir({ prefix: "sidecar-cool-a-" }),
    await Deno.makeTempDir({ prefix: "sidecar-cool-b-" }),
  ];
  const hot = await startMockUpstream({ name: "hot" });
  const spare = await startMockUpstream({ name: "spare" });
  const env = sidecarEnv({ SIDECAR_ADMIN_TOKEN: TOKEN, SIDECAR_REDIS_URL: redis.url });
  const a = await SidecarProcess.start(dirs[0]!, env);
  const b = await SidecarProcess.start(dirs[1]!, env);
  try {
    for (const s of [a, b]) {
      const call = (method: string, path: string, body: unknown) =>
        adminCall(s.url, TOKEN, method, path, body);
      for (
        const [id, up, pool] of [["hot", hot, "primary"], ["spare", spare, "fallback"]] as const
      ) {
        const created = await call("POST", "/api/backends", {
          id,
          name: id,
          base_url: up.url,
          api_key: PROVIDER_KEY,
          models: ["*"],
          pool_id: pool,
        });
        assert.equal(created.status, 201, JSON.stringify(created.json));
      }
      // The first 429's cooldown: one second, so the probe comes soon.
      assert.equal((await call("PATCH", "/api/config", { cooldown_base_seconds: 1 })).status, 200);
    }
    await until("both replicas listening", async () => (await subscribers(redis)) === 2);
    await fn({ redis, a, b, hot, spare });
  } finally {
    await a.kill();
    await b.kill();
    await hot.close();
    await spare.close();
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
}

function test(name: string, fn: (c: Cluster) => Promise<void>) {
  Deno.test({ name, ignore: NO_REDIS_SERVER, fn: () => withCluster(fn) });
}

async function chat(base: string, model: string, signal?: AbortSignal): Promise<number> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    signal,
  });
  await res.body?.cancel();
  return res.status;
}

async function hotRow(base: string): Promise<StatusRow> {
  const { json } = await adminCall(base, TOKEN, "GET", "/api/status");
  return (json.data as StatusRow[]).find((r) => r.backend_id === "hot")!;
}

async function cooling(base: string, model: string): Promise<ModelCooling | undefined> {
  return (await hotRow(base)).models_cooling.find((m) => m.model === model);
}

async function action(base: string, what: "pause" | "clear-cooldown"): Promise<void> {
  assert.equal((await adminCall(base, TOKEN, "POST", `/api/backends/hot/${what}`)).status, 200);
}

async function subscribers(redis: RedisServer): Promise<number> {
  const reply = await redis.command("PUBSUB", "NUMSUB", "sidecar:changes");
  return Number(reply.split("\r\n").at(-1)!.slice(1));
}

test("a 429 on one replica cools the pair on the other within 100 ms; after it, one probe across both", async ({ a, b, hot, spare }) => {
  hot.script({ kind: "rate_limit" });
  assert.equal(await chat(a.url, "m-hot"), 200, "served by spare after hot's 429");
  const ms = await until(
    "the pair cooling on b",
    async () => !!(await cooling(b.url, "m-hot")),
    { ms: 5_000, everyMs: 2 },
  );
  assert.ok(ms < 100, `b saw the cooldown ${ms.toFixed(1)} ms after a's answer`);
  assert.equal(
    (await cooling(b.url, "m-hot"))?.cooldown_until,
    (await cooling(a.url, "m-hot"))?.cooldown_until,
  );

  // b keeps away from hot for that model, and only that model.
  const [hotSeen, spareSeen] = [hot.requests.length, spare.requests.length];
  assert.equal(await chat(b.url, "m-hot"), 200);
  assert.equal(hot.requests.length, hotSeen, "b's request for the cooled pair did not reach hot");
  assert.equal(spare.requests.length, spareSeen + 1);
  assert.equal(await chat(b.url, "m-other"), 200);
  assert.equal(hot.requests.length, hotSeen + 1, "another model of hot is not cooling");

  // After the cooldown, both replicas driven at once: hot gets exactly one probe.
  for (const s of [a, b]) {
    await until("the cooldown over", async () => !(await cooling(s.url, "m-hot")), { ms: 5_000 });
  }
  hot.script({ kind: "hang" }); // the probe is held, so nothing can follow it
  const before = hot.requests.length;
  const aborts = Array.from({ length: 8 }, () => new AbortController());
  const answers = aborts.map((ac, i) =>
    chat((i % 2 ? a : b).url, "m-hot", ac.signal).catch(() => 0)
  );
  const done: number[] = [];
  for (const p of answers) void p.then((s) => done.push(s));
  try {
    await until("all but the probe answered", () => Promise.resolve(done.length === 7), {
      ms: 10_000,
    });
    assert.deepEqual(done, Array(7).fill(200), "the others were served by spare");
    assert.equal(hot.requests.length - before, 1, "exactly one probe reached hot");
  } finally {
    for (const ac of aborts) ac.abort();
    await Promise.all(answers);
  }
});

test("clear-cooldown and pause on either replica reach the other within 1 s", async ({ a, b, hot }) => {
  hot.script({ kind: "rate_limit", retryAfter: "60" });
  assert.equal(await chat(a.url, "m-hot"), 200);
  await until("the pair cooling on b", async () => !!(await cooling(b.url, "m-hot")));

  await action(a.url, "clear-cooldown");
  let ms = await until("the clear on b", async () => !(await cooling(b.url, "m-hot")), {
    ms: 1_000,
    everyMs: 5,
  });
  assert.ok(ms < 1_000, String(ms));

  await action(a.url, "pause");
  ms = await until("a's pause on b", async () => (await hotRow(b.url)).paused, {
    ms: 1_000,
    everyMs: 5,
  });
  assert.ok(ms < 1_000, String(ms));
  const seen = hot.requests.length;
  assert.equal(await chat(b.url, "m-hot"), 200);
  assert.equal(hot.requests.length, seen, "b sends nothing to a paused backend");
  await action(b.url, "clear-cooldown");
  await until("b's clear on a", async () => !(await hotRow(a.url)).paused, {
    ms: 1_000,
    everyMs: 5,
  });

  await action(b.url, "pause");
  await until("b's pause on a", async () => (await hotRow(a.url)).paused, {
    ms: 1_000,
    everyMs: 5,
  });
  await action(a.url, "clear-cooldown");
  await until("a's clear on b", async () => !(await hotRow(b.url)).paused, {
    ms: 1_000,
    everyMs: 5,
  });
  assert.equal(await chat(b.url, "m-hot"), 200);
  assert.equal(hot.requests.length, seen + 1, "cleared: b uses hot again");
});

test("a cooldown started while Redis was down reaches the other replica once Redis is back", async ({ redis, a, b, hot }) => {
  await redis.stop();
  for (const s of [a, b]) {
    await until("down", async () => {
      const body = await (await fetch(`${s.url}/healthz`)).json();
      return body.shared_state === "down";
    });
  }
  hot.script({ kind: "rate_limit", retryAfter: "60" });
  assert.equal(await chat(a.url, "m-hot"), 200, "served on a's own state");
  const onA = await cooling(a.url, "m-hot");
  assert.ok(onA?.cooldown_until);
  assert.equal(await cooling(b.url, "m-hot"), undefined, "b could not hear of it");

  await redis.restart(); // empty: only a's reconciliation can bring the cooldown back
  await until("the pair cooling on b", async () => !!(await cooling(b.url, "m-hot")));
  assert.equal((await cooling(b.url, "m-hot"))?.cooldown_until, onA.cooldown_until);
  const seen = hot.requests.length;
  assert.equal(await chat(b.url, "m-hot"), 200);
  assert.equal(hot.requests.length, seen);

  // What Redis holds: the backend's hash with a TTL, and no secret.
  const ttl = Number((await redis.command("PTTL", "sidecar:health:hot")).slice(1));
  assert.ok(ttl > 60_000, String(ttl));
  const dump = await redis.command("HGETALL", "sidecar:health:hot");
  assert.match(dump, /m:m-hot/);
  assert.ok(!dump.includes(PROVIDER_KEY) && !dump.includes(TOKEN), "no secret in Redis");
});

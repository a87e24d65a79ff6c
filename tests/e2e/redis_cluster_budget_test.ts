/**
 * @module redis_cluster_budget_test
 * One budget held by a cluster (docs/cluster.md, "Budgets"): three real
 * Sidecar processes on one redis-server, all reading one config file (the
 * same key with its budget, the same prices, the same backend in front of
 * one loopback upstream that reports usage). Fifty requests at once, spread
 * over the three, at a key whose budget covers ten: ten reach the upstream,
 * the other forty are refused 403 budget_exceeded by whichever replica got
 * them and recorded there as refused, and the spend the cluster settles
 * stays within the budget, as every replica's key JSON shows. A key
 * without a budget leaves nothing in Redis.
 */
import assert from "node:assert/strict";
import { periodStart } from "../../src/keys/budget_period.ts";
import { sha256Hex, startConfiguredCluster } from "../helpers/cluster.ts";
import { until } from "../helpers/until.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { adminCall, sidecarEnv } from "../helpers/sidecar_process.ts";

const TOKEN = "sc-admin-e2e-cluster-budget";
const BUDGETED = "sk-sc-e2e-cluster-budgeted-key-0123456789abcdef";
const OPEN = "sk-sc-e2e-cluster-open-key-0123456789abcdef012";
const REPLICAS = 3;
/**
 * gpt-test at $1 in, $100 out per million tokens; a request with
 * max_tokens 100 reserves its prompt ("user" and "hi": 6 characters, 2
 * tokens by the estimate) and its 100 tokens of output; the upstream
 * answers with 1 prompt token and all 100.
 */
const BODY = { model: "gpt-test", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };
const ESTIMATE_USD = (2 * 1 + 100 * 100) / 1e6;
const REAL_USD = (1 * 1 + 100 * 100) / 1e6;
const BUDGET_USD = 10.5 * ESTIMATE_USD;

type Obj = Record<string, unknown>;

function chat(base: string, key: string): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(BODY),
  });
}

Deno.test({
  name:
    "three sidecars on one redis-server, 50 requests at once at a key whose budget covers 10: 10 reach the upstream, 40 are refused 403 budget_exceeded, the settled spend within the budget",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using redis = await RedisServer.start();
    const upstream = await startMockUpstream({
      name: "b1",
      default: { kind: "ok", usage: { prompt_tokens: 1, completion_tokens: 100 } },
    });
    const yaml = `pools:
  - { id: primary, priority: 0 }
backends:
  - { id: b1, base_url: "${upstream.url}", api_key: "\${UP_KEY}", models: ["gpt-test"] }
keys:
  - { id: budgeted, name: budgeted, sha256: "${await sha256Hex(BUDGETED)}",
      budget_usd: ${BUDGET_USD}, budget_period: day }
  - { id: open, name: open, sha256: "${await sha256Hex(OPEN)}" }
prices:
  - { model: gpt-test, input_per_mtok: 1, output_per_mtok: 100 }
`;
    const env = sidecarEnv({
      SIDECAR_ADMIN_TOKEN: TOKEN,
      SIDECAR_LOG_LEVEL: "warn",
      SIDECAR_REDIS_URL: redis.url,
      UP_KEY: "sk-upstream-e2e-budget-0123456789",
    });
    try {
      await using cluster = await startConfiguredCluster(REPLICAS, yaml, env);
      const { sidecars } = cluster;

      const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const replica = i % REPLICAS;
        const res = await chat(sidecars[replica]!.url, BUDGETED);
        return { replica, status: res.status, body: await res.json() as Obj };
      }));
      const served = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      const detail = JSON.stringify(answers.map((a) => [a.replica, a.status]));
      assert.equal(served.length, 10, detail);
      assert.equal(upstream.requests.length, 10, "only the admitted reached the upstream");
      for (const a of refused) {
        assert.equal(a.status, 403, JSON.stringify(a.body));
        const error = a.body.error as Obj;
        assert.equal(error.type, "insufficient_quota");
        assert.equal(error.code, "budget_exceeded");
      }

      // Each replica recorded its own refusals as refused, with their code.
      for (const [i, s] of sidecars.entries()) {
        const { json } = await adminCall(
          s.url,
          TOKEN,
          "GET",
          "/api/requests?limit=1000&outcome=refused",
        );
        const records = json.data as Obj[];
        assert.equal(records.length, refused.filter((a) => a.replica === i).length, `replica ${i}`);
        for (const r of records) assert.ok(String(r.error).startsWith("budget_exceeded: "));
      }

      // The settled spend, as each replica's key JSON shows it: ten real costs, within the budget.
      const hash = `sidecar:budget:budgeted:day:${periodStart("day", Date.now(), 0)}`;
      await until("the spend settled in Redis", async () => {
        const reply = await redis.command("HGET", hash, "spend");
        return Math.abs(Number(reply.split("\r\n")[1]) - 10 * REAL_USD) < 1e-9;
      });
      for (const s of sidecars) {
        await until(`the spend on ${s.url}`, async () => {
          const key = (await adminCall(s.url, TOKEN, "GET", "/api/keys/budgeted")).json.data as Obj;
          return Math.abs((key.spend_usd as number) - 10 * REAL_USD) < 1e-9 &&
            key.reserved_usd === 0;
        });
      }
      assert.ok(10 * REAL_USD <= BUDGET_USD);
      assert.equal(await redis.command("HLEN", hash), ":1", "no reservation left open");
      // Still spent for everyone.
      assert.equal((await chat(sidecars[2]!.url, BUDGETED)).status, 403);

      // A key without a budget is served and leaves no budget in Redis.
      for (const s of sidecars) {
        const r = await chat(s.url, OPEN);
        assert.equal(r.status, 200, await r.text());
      }
      assert.equal(await redis.command("KEYS", "sidecar:budget:open*"), "*0");
    } finally {
      await upstream.close();
    }
  },
});

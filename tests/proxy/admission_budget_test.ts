/**
 * @module admission_budget_test
 * Budgets at admission (docs/keys.md, "Budgets") through a real Sidecar
 * served on loopback and a real upstream that reports usage: fifty requests
 * at once at a key whose budget covers ten are served ten, the other forty
 * refused 403 budget_exceeded without reaching a backend and recorded as
 * refused, the settled spend within the budget; each reservation is
 * replaced by the real cost on every end (an upstream error, a client that
 * left a stream); unpriced requests count 0; the period rolls over on the
 * injected clock; and the spend survives a restart.
 */
import assert from "node:assert/strict";
import { PermissionDeniedError } from "npm:openai@7.59.0";
import { worstCaseCost } from "../../src/pricing/request_cost.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";
import { apiError, assertErrorShape, chat, ok, type Proxy, startProxy } from "./proxy_harness.ts";
import { until } from "../helpers/until.ts";

type Obj = Record<string, unknown>;

/** $1 in, $100 out per million tokens: a request's cost is nearly all its output. */
const PRICE = { model: "gpt-test", input_per_mtok: 1, output_per_mtok: 100 };
const BODY = chat({ max_tokens: 100 });
/** The upstream's answer: the whole output allowed, and a one-token prompt. */
const FULL_ANSWER = { kind: "ok", usage: { prompt_tokens: 1, completion_tokens: 100 } } as const;
const REAL_USD = (1 * 1 + 100 * 100) / 1e6;

async function rig(): Promise<Proxy> {
  const p = await startProxy({
    backends: [{ id: "b1", models: ["gpt-test", "free-model"] }],
    config: { pool_retries: 0, attempt_timeout_ms: 5_000 },
  });
  await ok(p.rt.admin("PUT", "/api/prices", { prices: [PRICE] }));
  p.mock("b1").setDefault(FULL_ANSWER);
  return p;
}

/** What admission reserves for `body`. */
function estimateOf(rt: TestRuntime, body: Obj & { model: string }): number {
  const usd = worstCaseCost(
    rt.deps.prices,
    { model: body.model, body },
    rt.deps.registry.candidates(body.model),
  );
  assert.ok(usd !== null && usd > 0, "priced");
  return usd;
}

async function keyWith(rt: TestRuntime, policy: Obj): Promise<{ id: string; key: string }> {
  const { data } = await ok(rt.admin("POST", "/api/keys", { name: "budgeted", ...policy }));
  return { id: data.id, key: data.key };
}

async function keyView(rt: TestRuntime, id: string): Promise<Obj> {
  return (await ok(rt.admin("GET", `/api/keys/${id}`))).data;
}

function postAs(p: Proxy, key: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
}

const served = (p: Proxy) => p.mock("b1").requests.length;

Deno.test("50 requests at once at a key whose budget covers 10: 10 served, 40 refused 403 budget_exceeded reaching no backend, the spend within the budget", async () => {
  await using p = await rig();
  const estimate = estimateOf(p.rt, BODY);
  const budget = 10.5 * estimate;
  const k = await keyWith(p.rt, { budget_usd: budget, budget_period: "day" });

  const answers = await Promise.all(Array.from({ length: 50 }, async () => {
    const res = await postAs(p, k.key, BODY);
    return { res, body: await res.json() };
  }));
  const ok200 = answers.filter((a) => a.res.status === 200);
  const refused = answers.filter((a) => a.res.status !== 200);
  assert.equal(ok200.length, 10);
  assert.equal(served(p), 10, "only the admitted reached the upstream");
  for (const { res, body } of refused) {
    assert.equal(res.status, 403, JSON.stringify(body));
    assertErrorShape(body);
    assert.equal(body.error.type, "insufficient_quota");
    assert.equal(body.error.code, "budget_exceeded");
    assert.equal(res.headers.get("x-sidecar-attempts"), "0");
    assert.equal(res.headers.get("retry-after"), null);
  }
  const records = await p.records();
  const refusedRecords = records.filter((r) => r.outcome === "refused");
  assert.equal(refusedRecords.length, 40);
  for (const r of refusedRecords) {
    assert.ok(r.error?.startsWith("budget_exceeded: "), r.error ?? "");
    assert.equal(r.backend_id, null);
    assert.deepEqual(r.attempts, []);
  }

  // Settled: the real cost of ten answers, within the budget (and so within
  // the contract's bound of one request's estimate past it).
  const view = await keyView(p.rt, k.id);
  const spend = view.spend_usd as number;
  assert.ok(Math.abs(spend - 10 * REAL_USD) < 1e-9, `spend ${spend}`);
  assert.ok(spend <= budget, `spend ${spend} > budget ${budget}`);
  assert.ok(spend <= budget + estimate);
  assert.equal(view.reserved_usd, 0);
  assert.equal(view.period_start, "2026-11-27T00:00:00Z");
  const recorded = records.filter((r) => r.outcome !== "refused").reduce(
    (s, r) => s + r.cost_usd!,
    0,
  );
  assert.ok(Math.abs(recorded - spend) < 1e-9, "the spend is the records' cost");
});

Deno.test("a reservation is replaced by the real cost on every end: an upstream error costs 0, a client that left a stream pays what was delivered", async () => {
  await using p = await rig();
  const estimate = estimateOf(p.rt, BODY);
  // Room for one request in flight at a time.
  const k = await keyWith(p.rt, { budget_usd: 1.5 * estimate, budget_period: "month" });
  const live = p.rt.deps.keyRing.client(k.id)!.budget!;

  p.mock("b1").script({ kind: "status", status: 400 });
  let r = await postAs(p, k.key, BODY);
  assert.equal(r.status, 400, await r.text());
  assert.equal(live.reserved(p.clock.now()), 0);
  assert.equal(live.spend(p.clock.now()), 0, "a failed attempt costs 0");

  // A stream the client leaves after its first chunk: while it runs, its estimate is held.
  p.mock("b1").script({ kind: "stream", chunks: ["abcd", "efgh", "ijkl", "mnop"], delayMs: 300 });
  const gone = new AbortController();
  const streaming = await postAs(p, k.key, { ...BODY, stream: true }, gone.signal);
  assert.equal(streaming.status, 200);
  await streaming.body!.getReader().read();
  assert.equal(live.reserved(p.clock.now()), estimate);
  const second = await postAs(p, k.key, BODY);
  assert.equal(second.status, 403, await second.text());
  gone.abort();
  await until("the reservation settled", () => live.reserved(p.clock.now()) === 0);
  const stream = (await p.records()).find((x) => x.stream)!;
  assert.equal(stream.usage_estimated, true);
  assert.ok(stream.cost_usd! > 0 && stream.cost_usd! < estimate);
  assert.ok(Math.abs(live.spend(p.clock.now()) - stream.cost_usd!) < 1e-12);

  // The rest of the budget serves the next request.
  r = await postAs(p, k.key, BODY);
  assert.equal(r.status, 200, await r.text());
});

Deno.test("budget refusals say which case it is; the openai client sees a PermissionDeniedError with code budget_exceeded", async () => {
  await using p = await rig();
  const estimate = estimateOf(p.rt, BODY);
  const k = await keyWith(p.rt, { budget_usd: 2.5 * estimate, budget_period: "week" });
  const client = p.client.withOptions({ apiKey: k.key });

  // A request that could cost more than the whole budget: never served.
  const huge = await apiError(() => client.chat.completions.create({ ...BODY, max_tokens: 1_000 }));
  assert.ok(huge instanceof PermissionDeniedError);
  assert.equal(huge.code, "budget_exceeded");
  assert.match(huge.message, /more than this API key's whole budget of \$0\.03 per week/);

  for (let i = 0; i < 2; i++) await client.chat.completions.create(BODY);
  const left = await apiError(() => client.chat.completions.create(BODY));
  assert.match(
    left.message,
    /more than is left of this API key's budget of \$0\.03 per week \(\$0\.02 spent, \$0\.00 reserved/,
  );
  assert.match(left.message, /the next period starts at 2026-11-30T00:00:00Z/);

  // Spent to the cent: even a request of a model without a price is refused.
  await ok(p.rt.admin("PATCH", `/api/keys/${k.id}`, { budget_usd: 2 * REAL_USD }));
  const spent = await apiError(() =>
    client.chat.completions.create({ ...BODY, model: "free-model" })
  );
  assert.match(spent.message, /budget of \$0\.02 per week is spent/);
  assert.equal(served(p), 2);
});

Deno.test("an unpriced request reserves and counts 0; a new day gives the budget again, period_start moved", async () => {
  await using p = await rig();
  const estimate = estimateOf(p.rt, BODY);
  const k = await keyWith(p.rt, { budget_usd: 1.5 * estimate, budget_period: "day" });
  for (let i = 0; i < 3; i++) {
    const r = await postAs(p, k.key, { ...BODY, model: "free-model" });
    assert.equal(r.status, 200, await r.text());
  }
  assert.equal((await keyView(p.rt, k.id)).spend_usd, 0);

  assert.equal((await postAs(p, k.key, BODY)).status, 200);
  assert.equal((await postAs(p, k.key, BODY)).status, 403);
  // 23:59:59.999 the same day: still spent.
  p.clock.ms = Date.UTC(2026, 10, 27, 23, 59, 59, 999);
  assert.equal((await postAs(p, k.key, BODY)).status, 403);
  p.clock.advance(1);
  const view = await keyView(p.rt, k.id);
  assert.equal(view.spend_usd, 0);
  assert.equal(view.period_start, "2026-11-28T00:00:00Z");
  const r = await postAs(p, k.key, BODY);
  assert.equal(r.status, 200, await r.text());
});

Deno.test("the spend survives a restart: the key's period spend is read back and still refuses", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-budget-restart-" });
  const upstream = await startMockUpstream({ name: "b1", default: FULL_ANSWER });
  const clock = new FakeClock();
  const boot = () => startTestRuntime({ dataDir, now: clock.now, sleep: clock.sleep });
  const ask = (rt: TestRuntime, key: string) =>
    rt.app.request("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(BODY),
    });
  try {
    let k: { id: string; key: string };
    {
      await using rt = await boot();
      await ok(rt.admin("PUT", "/api/prices", { prices: [PRICE] }));
      await ok(rt.admin("POST", "/api/backends", {
        id: "b1",
        name: "b1",
        base_url: upstream.url,
        api_key: "sk-upstream-b1",
        models: ["gpt-test"],
      }));
      k = await keyWith(rt, { budget_usd: 2.5 * estimateOf(rt, BODY), budget_period: "month" });
      for (let i = 0; i < 2; i++) assert.equal((await ask(rt, k.key)).status, 200);
      assert.equal((await ask(rt, k.key)).status, 403);
    }
    await using rt = await boot();
    const view = await keyView(rt, k.id);
    assert.ok(Math.abs((view.spend_usd as number) - 2 * REAL_USD) < 1e-9, JSON.stringify(view));
    const r = await ask(rt, k.key);
    assert.equal(r.status, 403, await r.text());
    assert.equal(upstream.requests.length, 2);
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

/**
 * @module pages_sections_test
 * The overview, pools, keys, settings, requests, cooldowns and usage pages
 * through `app.request`: full pages, their regions alone, and their forms.
 */
import assert from "node:assert/strict";
import type { RequestEntry } from "../../src/store/request_repo.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";
import { type PageClient, signIn } from "./pages_client.ts";

const clock = () => new FakeClock(Date.UTC(2026, 10, 27, 10, 30, 0));

async function setup(c = clock()) {
  const rt = await startTestRuntime({ now: c.now });
  const client = await signIn(rt);
  return { rt, client, clock: c, [Symbol.asyncDispose]: () => rt.close() };
}

async function addBackend(t: { rt: TestRuntime }, id: string, pool = "primary", rpm = 60) {
  const res = await t.rt.admin("POST", "/api/backends", {
    id,
    name: `Backend ${id.toUpperCase()}`,
    base_url: "http://127.0.0.1:9/v1",
    api_key: `sk-secret-${id}-000000`,
    pool_id: pool,
    models: ["gpt-test"],
    rpm_limit: rpm,
  });
  assert.equal(res.status, 201);
}

let seq = 0;
function request(t: { rt: TestRuntime }, at: number, over: Partial<RequestEntry> = {}) {
  t.rt.deps.store.requests.insert({
    id: `req_${++seq}`,
    ts: at,
    model: "gpt-test",
    upstream_model: "gpt-test",
    backend_id: "a",
    pool_id: "primary",
    key_id: null,
    api: "openai",
    status: 200,
    outcome: "ok",
    stream: false,
    attempts: [{ backend_id: "a", status: 200, reason: "ok", ms: 100 }],
    latency_ms: 100,
    ttfb_ms: 90,
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
    cost_usd: 0.000075,
    unpriced: false,
    usage_estimated: false,
    error: null,
    ...over,
  });
}

const regionOf = (html: string) => /^<section id="([^"]+)"/.exec(html)?.[1];

Deno.test("GET /: overview stats, status and chart, each region alone for htmx", async () => {
  await using t = await setup();
  await addBackend(t, "a");
  await addBackend(t, "b", "fallback");
  const now = t.clock.ms;
  for (let i = 0; i < 19; i++) request(t, now - i * 60_000, { latency_ms: 100 + i * 10 });
  request(t, now - 5 * 60_000, {
    backend_id: "b",
    status: 502,
    outcome: "upstream_error",
    latency_ms: 2000,
  });
  request(t, now - 3 * 3_600_000, { latency_ms: 50 }); // in the 24 h only
  const html = await (await t.client.get("/")).text();
  assert.match(html, /<section id="overview-stats"[^>]*hx-trigger="every 10s"/);
  assert.match(html, /<section id="status-table"[^>]*hx-trigger="every 3s"/);
  assert.match(html, /<section id="rpm-chart"/);
  const stats = await (await t.client.get("/", { target: "overview-stats" })).text();
  assert.equal(regionOf(stats), "overview-stats");
  assert.match(stats, /Requests · 1 h<\/div><div class="value">20</);
  assert.match(stats, /24 h: 21/);
  assert.match(stats, /Success rate · 1 h<\/div><div class="value">95%/);
  assert.match(stats, /24 h: 95.2% · 1 error</);
  assert.match(stats, /Latency p50 · 1 h<\/div><div class="value">190 ms/);
  assert.match(stats, /Latency p95 · 1 h<\/div><div class="value">280 ms/);
  assert.match(stats, /Tokens · 1 h<\/div><div class="value">300</);
  const chart = await (await t.client.get("/", { target: "rpm-chart" })).text();
  assert.equal(regionOf(chart), "rpm-chart");
  assert.equal(chart.match(/<rect class="bar s0"/g)?.length, 19, "one bar a minute for A");
  assert.equal(chart.match(/<rect class="bar s1"/g)?.length, 1, "B's error minute");
  assert.match(chart, /Backend A<span class="total">19</);
});

Deno.test("GET /: the status table shows cooling, the countdown and the counters", async () => {
  await using t = await setup();
  await addBackend(t, "a");
  await t.rt.admin("PATCH", "/api/backends/a", { enabled: true });
  t.rt.deps.registry.report("a", { kind: "rate_limited", retryAfterMs: 30_000 }, t.clock.ms);
  t.clock.advance(4_000);
  const html = await (await t.client.get("/", { target: "status-table" })).text();
  assert.equal(regionOf(html), "status-table");
  assert.match(html, /<tr data-backend="a" class="is-cooling">/);
  assert.match(html, /<span class="badge cooling">cooling<\/span>/);
  assert.match(html, /data-remaining-ms="26000"[^>]*>26s</);
  assert.match(html, /<td class="num">1<\/td>/, "one 429 in a row");
  assert.match(html, /\d+ \/ 60/, "rpm tokens left of the limit");
  assert.match(html, /1 cooling/);
  t.clock.advance(30_000);
  const after = await (await t.client.get("/", { target: "status-table" })).text();
  assert.match(after, /badge active/);
});

Deno.test("GET /: empty states say what to do next", async () => {
  await using t = await setup();
  const html = await (await t.client.get("/")).text();
  assert.match(html, /No backends yet[\s\S]*href="\/backends"/);
  assert.match(html, /No requests in the last hour[\s\S]*http:\/\/localhost\/v1/);
});

Deno.test("/pools: create, validate at the field, edit, refuse deleting a non-empty pool", async () => {
  await using t = await setup();
  const made = await t.client.post("/pools", { name: "Night shift", priority: "10" }, {
    target: "pool-form",
  });
  assert.equal(made.status, 200);
  assert.match(await made.text(), /<section id="pools-table" class="card" hx-swap-oob="true"/);
  assert.equal(t.rt.deps.store.pools.get("night-shift")?.priority, 10);
  const bad = await t.client.post("/pools", { name: "Other", priority: "9999999" }, {
    target: "pool-form",
  });
  assert.equal(bad.status, 422);
  const badHtml = await bad.text();
  assert.match(badHtml, /id="f-priority-error">Too big/);
  assert.match(badHtml, /value="Other"/);
  await t.client.post("/pools/night-shift", { name: "Nights", priority: "-5" });
  assert.equal(t.rt.deps.store.pools.get("night-shift")?.name, "Nights");
  await addBackend(t, "a", "night-shift");
  const list = await (await t.client.get("/pools")).text();
  const order = [...list.matchAll(/<tr data-pool="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(order, ["night-shift", "primary", "fallback"], "priority order");
  assert.match(list, /Backend A · w1/);
  const refused = await t.client.post("/pools/night-shift/delete", {}, { target: "pools-table" });
  assert.equal(refused.status, 409);
  assert.equal(refused.headers.get("hx-retarget"), "#flash");
  assert.match(await refused.text(), /still holds 1 backend/);
  const gone = await t.client.post("/pools/fallback/delete", {}, { target: "pools-table" });
  assert.equal(gone.status, 200);
  assert.equal(t.rt.deps.store.pools.get("fallback"), undefined);
});

Deno.test("/keys: a new key is shown once, then only its hint; revoke works", async () => {
  await using t = await setup();
  const res = await t.client.post("/keys", { name: "billing", enabled: "on" }, {
    target: "key-form",
  });
  const html = await res.text();
  const key = /id="new-key" type="text" readonly value="([^"]+)"/.exec(html)?.[1];
  assert.ok(key?.startsWith("sk-sc-"), html);
  assert.match(html, /shown only this once/);
  assert.match(html, /<section id="keys-table" class="card" hx-swap-oob="true"/);
  const id = t.rt.deps.store.keys.list()[0]!.id;
  const list = await (await t.client.get("/keys")).text();
  assert.ok(!list.includes(key!), "never shown again");
  assert.ok(list.includes(`sk-…${key!.slice(-4)}`));
  const v1 = await t.rt.app.request("/v1/models", { headers: { authorization: `Bearer ${key}` } });
  assert.equal(v1.status, 200);
  await v1.body?.cancel();
  const empty = await t.client.post("/keys", { name: " " }, { target: "key-form" });
  assert.equal(empty.status, 422);
  assert.match(await empty.text(), /Must not be empty/);
  const revoked = await t.client.post(`/keys/${id}/delete`, {}, { target: "keys-table" });
  assert.match(await revoked.text(), /No client keys yet/);
  const after = await t.rt.app.request("/v1/models", {
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(after.status, 401);
  await after.body?.cancel();
});

Deno.test("/settings: units, ranges and help inline; saved through patchConfig", async () => {
  await using t = await setup();
  const page = await (await t.client.get("/settings")).text();
  assert.match(page, /Base cooldown/);
  assert.match(page, /Seconds a backend cools after its first 429/);
  assert.match(page, /Range 0 s – 24 h; default 5 s/);
  assert.match(page, /attempt_timeout_ms<\/code>. Now 2 min. Range 100 ms – 60 min/);
  assert.match(page, /Range 1 KiB – 1 GiB; default 32 MiB/);
  const form: Record<string, string> = {};
  for (const m of page.matchAll(/<input id="f-(\w+)" name="\w+" type="number" value="(\d+)"/g)) {
    form[m[1]!] = m[2]!;
  }
  assert.equal(Object.keys(form).length, 15, "every numeric field");
  assert.equal(form.pool_retries, "1");
  const saved = await t.client.post("/settings", { ...form, max_attempts: "2" }, {
    target: "settings-form",
  });
  assert.equal(saved.status, 200);
  assert.match(await saved.text(), /Settings saved/);
  assert.equal(t.rt.deps.registry.config.max_attempts, 2);
  assert.equal(t.rt.deps.registry.config.cooldown_exponential_backoff, false, "unticked box");
  const bad = await t.client.post("/settings", {
    ...form,
    max_attempts: "0",
    error_cooldown_seconds: "7",
  }, {
    target: "settings-form",
  });
  assert.equal(bad.status, 422);
  const html = await bad.text();
  assert.match(html, /id="f-max_attempts-error">Too small/);
  assert.match(html, /name="error_cooldown_seconds" type="number" value="7"/, "input kept");
  assert.equal(t.rt.deps.registry.config.max_attempts, 2, "nothing stored");
  assert.equal(t.rt.deps.registry.config.error_cooldown_seconds, 10);
});

Deno.test("/requests: newest first with attempts expandable, older pages on demand", async () => {
  await using t = await setup();
  await addBackend(t, "a");
  const now = t.clock.ms;
  for (let i = 0; i < 55; i++) request(t, now - i * 1000);
  request(t, now + 1, {
    status: 429,
    outcome: "rate_limited",
    backend_id: null,
    attempts: [
      { backend_id: "a", status: 429, reason: "rate_limited", ms: 12 },
      { backend_id: "b", status: null, reason: "connection_refused", ms: 3 },
    ],
    error: "All backends <cooling>",
  });
  const html = await (await t.client.get("/requests")).text();
  assert.equal(html.match(/<tr data-request=/g)?.length, 50);
  assert.match(html, /<details class="attempts"><summary>2 attempts<\/summary>/);
  assert.match(html, /Backend A: 429 rate_limited in 12 ms/);
  assert.match(html, /b: no answer connection_refused/);
  assert.match(html, /All backends &lt;cooling&gt;/);
  const before = /hx-get="\/requests\?before=(\d+)"/.exec(html)?.[1];
  assert.ok(before);
  const more = await (await t.client.get(`/requests?before=${before}`, { target: "requests-more" }))
    .text();
  assert.match(more, /^<tr data-request=/);
  assert.equal(more.match(/<tr data-request=/g)?.length, 6);
  assert.doesNotMatch(more, /requests-more/, "no more pages");
});

Deno.test("/cooldowns: events filterable by backend", async () => {
  await using t = await setup();
  await addBackend(t, "a");
  await addBackend(t, "b");
  t.rt.deps.registry.report("a", { kind: "rate_limited" }, t.clock.ms);
  t.rt.deps.registry.report("b", { kind: "auth" }, t.clock.ms);
  const all = await (await t.client.get("/cooldowns")).text();
  assert.match(all, /rate limited \(429\)/);
  assert.match(all, /key refused \(401\/403\)/);
  assert.match(all, /<option value="a" >Backend A \(a\)<\/option>|<option value="a">Backend A/);
  const onlyB = await (await t.client.get("/cooldowns?backend_id=b", { target: "cooldowns-table" }))
    .text();
  assert.equal(regionOf(onlyB), "cooldowns-table");
  assert.match(onlyB, /key refused/);
  assert.doesNotMatch(onlyB, /rate limited/);
  const none = await (await t.client.get("/cooldowns?backend_id=zzz")).text();
  assert.match(none, /No cooldowns for this backend/);
});

Deno.test("/usage: charts of requests, tokens and errors with a table by group", async () => {
  await using t = await setup();
  await addBackend(t, "a");
  const now = t.clock.ms;
  for (let i = 0; i < 10; i++) {
    request(t, now - i * 3_600_000, { model: i % 2 ? "gpt-4o" : "gpt-test" });
  }
  request(t, now - 60_000, { outcome: "upstream_error", status: 502, model: "gpt-4o" });
  const html = await (await t.client.get("/usage")).text();
  assert.match(html, /Requests by model/);
  assert.equal(html.match(/<svg class="chart"/g)?.length, 3, "requests, tokens, errors");
  assert.match(html, /<tr data-group="gpt-4o">[\s\S]*?<td class="num">6<\/td>/);
  assert.match(html, /15 min per bar/);
  const byBackend = await (await t.client.get("/usage?range=1h&group=backend", {
    target: "usage-report",
  })).text();
  assert.equal(regionOf(byBackend), "usage-report");
  assert.match(byBackend, /Requests by backend/);
  assert.match(byBackend, /<strong>Backend A<\/strong>/);
  assert.match(byBackend, /1 min per bar/);
  const custom = await (await t.client.get(
    "/usage?range=custom&since=2026-11-20T00:00&until=2026-11-27T00:00",
  )).text();
  assert.match(custom, /2026-11-20 00:00:00 – 2026-11-27 00:00:00 UTC/);
  assert.match(custom, /No requests in this range/);
  const bad = await t.client.get(
    "/usage?range=custom&since=2026-11-27T00:00&until=2026-11-20T00:00",
    {
      target: "usage-report",
    },
  );
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Until must be after since/);
});

Deno.test("pages: the same client sees the page it asked for after signing in", async () => {
  await using t = await setup();
  const anon = await t.rt.app.request("/usage?range=7d");
  assert.equal(anon.headers.get("location"), "/login?next=%2Fusage%3Frange%3D7d");
  const c: PageClient = t.client;
  assert.equal((await c.get("/usage?range=7d")).status, 200);
});

/**
 * @module pages_keys_detail_test
 * `/keys/:id`: one key's policy and state, spend against budget, requests
 * and cost per hour over the last day (that key's requests only, from the
 * hourly usage aggregates), and its recent requests with the link to the
 * requests page filtered to it.
 */
import assert from "node:assert/strict";
import { hourlyCharts } from "../../src/http/pages/key_usage.ts";
import type { UsageRow } from "../../src/store/rows.ts";
import { requestEntry } from "../helpers/request_entry.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";
import { type PageClient, signIn } from "./pages_client.ts";

const HOUR = 3_600_000;
/** 2026-11-27T10:30:00Z */
const NOW = Date.UTC(2026, 10, 27, 10, 30, 0);

async function setup(): Promise<
  { rt: TestRuntime; client: PageClient; id: string } & AsyncDisposable
> {
  const rt = await startTestRuntime({ now: new FakeClock(NOW).now });
  const created = await rt.admin("POST", "/api/keys", {
    name: "billing-service",
    models: ["gpt-4o*"],
    rpm_limit: 600,
    budget_usd: 50,
    budget_period: "month",
    metadata: { team: "billing" },
  });
  const { data } = await created.json() as { data: { id: string } };
  const client = await signIn(rt);
  return { rt, client, id: data.id, [Symbol.asyncDispose]: () => rt.close() };
}

/** Records of `keyId`: `n` at `at`, the first one failed when `failed`. */
function seed(
  rt: TestRuntime,
  keyId: string | null,
  at: number,
  n: number,
  cost: number,
  failed = false,
) {
  for (let i = 0; i < n; i++) {
    rt.deps.store.requests.insert(requestEntry({
      id: `r_${keyId}_${at}_${i}`,
      ts: at + i,
      key_id: keyId,
      cost_usd: cost,
      ...(failed && i === 0 ? { outcome: "upstream_error" as const, status: 502 } : {}),
    }));
  }
}

const rowIds = (html: string) =>
  [...html.matchAll(/<tr data-request="([^"]+)"/g)].map((m) => m[1]!);

Deno.test("GET /keys/:id: the policy, the day's requests and cost per hour, and only this key's requests", async () => {
  await using t = await setup();
  seed(t.rt, t.id, NOW - 2 * HOUR, 3, 0.01, true); // 08:30, one failed
  seed(t.rt, t.id, NOW - 60_000, 2, 0.25); // 10:29
  seed(t.rt, t.id, NOW - 30 * HOUR, 4, 1); // before the day: not charted
  seed(t.rt, "key_other", NOW - HOUR, 5, 9); // another key
  seed(t.rt, null, NOW - HOUR, 1, 9); // the admin token
  const res = await t.client.get(`/keys/${t.id}`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<a href="\/keys" aria-current="page">Keys<\/a>/, "under Keys");
  assert.match(html, /<h1>billing-service<\/h1>/);
  assert.match(html, new RegExp(`<a class="btn" href="/keys/${t.id}/edit">Edit</a>`));
  // Stats: 5 requests and $0.53 in the last 24 h; the budget and its period.
  assert.match(html, /Requests · 24 h<\/div><div class="value">5<\/div><span class="sub">1 error</);
  assert.match(html, /Cost · 24 h<\/div><div class="value">\$0\.5300<\/div>/);
  assert.match(html, /of \$50\.00 this month, since 2026-11-01/);
  // Policy.
  assert.match(html, /<span class="chip">gpt-4o\*<\/span>/);
  assert.match(html, /600 rpm/);
  assert.match(html, /data-spend="0" data-reserved="0" data-budget="50"/);
  assert.match(html, /<code>\{&quot;team&quot;:&quot;billing&quot;\}<\/code>/);
  // Charts: 24 hourly buckets; requests split ok / not ok; cost in dollars.
  const charts = html.split('<figure class="chart-figure">').slice(1);
  assert.equal(charts.length, 2);
  const [requests, cost] = charts as [string, string];
  assert.match(requests, /aria-label="Requests: 2 series over 24 intervals"/);
  assert.match(requests, /<title>08:00 · Requests: 3\nok: 2\nnot ok: 1<\/title>/);
  assert.match(requests, /<title>10:00 · Requests: 2\nok: 2<\/title>/);
  assert.match(requests, /ok<span class="total">4<\/span>/);
  assert.match(requests, /not ok<span class="total">1<\/span>/);
  assert.match(cost, /aria-label="Cost: 1 series over 24 intervals"/);
  assert.match(cost, /<title>08:00 · Cost: \$0\.0300\ncost: \$0\.0300<\/title>/);
  assert.match(cost, /<title>10:00 · Cost: \$0\.5000/);
  assert.match(
    cost,
    /text-anchor="end">\$0\.2000<.*text-anchor="end">\$0\.6000</s,
    "a dollar axis",
  );
  // Recent requests: this key's, newest first, all of them (the old ones too).
  const table = html.slice(html.indexOf('<section id="requests-table"'));
  const ids = rowIds(table);
  assert.equal(ids.length, 9);
  assert.ok(ids.every((id) => id.startsWith(`r_${t.id}_`)), ids.join());
  assert.match(table, new RegExp(`href="/requests\\?key_id=${t.id}">Every request of this key`));
});

Deno.test("GET /keys/:id: recent requests page on to the requests page with the key's filter", async () => {
  await using t = await setup();
  seed(t.rt, t.id, NOW - HOUR, 25, 0.001);
  const html = await (await t.client.get(`/keys/${t.id}`)).text();
  assert.equal(rowIds(html).length, 20);
  const more = new RegExp(`hx-get="/requests\\?key_id=${t.id}&amp;before=(\\d+)"`).exec(html);
  assert.ok(more, "Load older keeps the key");
  const older = await (await t.client.get(`/requests?key_id=${t.id}&before=${more[1]}`, {
    target: "requests-more",
  })).text();
  assert.equal(rowIds(older).length, 5);
});

Deno.test("GET /keys/:id: a key without traffic says so; an unknown key is 404", async () => {
  await using t = await setup();
  const html = await (await t.client.get(`/keys/${t.id}`)).text();
  assert.match(html, /No requests with this key in the last 24 hours/);
  assert.match(html, /No cost in the last 24 hours/);
  assert.match(html, /No requests match these filters/);
  assert.match(html, /Last used<\/div><div class="value">never</);
  const missing = await t.client.get("/keys/key_nope");
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /No client key &quot;key_nope&quot;/);
});

Deno.test("hourlyCharts puts each hour's row in its bucket; totals count every row", () => {
  const T0 = Date.UTC(2026, 10, 27, 0, 0, 0);
  const row = (hour: number, requests: number, errors: number, cost: number | null): UsageRow => ({
    key: new Date(T0 + hour * HOUR).toISOString().replace(".000Z", "Z"),
    requests,
    errors,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cost_usd: cost,
    unpriced_requests: cost === null ? requests : 0,
    avg_latency_ms: 0,
    p95_latency_ms: 0,
  });
  const u = hourlyCharts([row(0, 4, 1, 0.5), row(2, 1, 0, null)], T0, T0 + 3 * HOUR);
  assert.equal(u.requests.count, 3);
  assert.equal(u.requests.start, T0);
  assert.deepEqual(u.requests.series.map((s) => [s.name, s.values]), [
    ["ok", [3, 0, 1]],
    ["not ok", [1, 0, 0]],
  ]);
  assert.deepEqual(u.cost.series[0]!.values, [0.5, 0, 0]);
  assert.deepEqual(u.totals, { requests: 5, errors: 1, cost_usd: 0.5, unpriced_requests: 1 });
});

/**
 * @module requests_filter_test
 * Request records filtered by key, backend, model and outcome: the store's
 * listing, `GET /api/requests` with the same filters (bad values a 400
 * naming the parameter), and the dashboard's requests page with its filter
 * form, the table alone for htmx, and paging that keeps the filters.
 */
import assert from "node:assert/strict";
import type { RequestEntry } from "../../src/store/request_repo.ts";
import { requestEntry } from "../helpers/request_entry.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";
import { type PageClient, signIn } from "./pages_client.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

/** Six records over two keys, two backends, two models and three outcomes, 1 s apart. */
const RECORDS: Partial<RequestEntry>[] = [
  { key_id: "key_a", backend_id: "b1", model: "gpt-4o", outcome: "ok" },
  { key_id: "key_a", backend_id: "b2", model: "gpt-4o-mini", outcome: "ok" },
  { key_id: "key_b", backend_id: "b1", model: "gpt-4o", outcome: "upstream_error", status: 502 },
  {
    key_id: "key_b",
    backend_id: null,
    model: "gpt-4o",
    outcome: "refused",
    status: 429,
    attempts: [],
  },
  { key_id: null, backend_id: "b2", model: "gpt-4o-mini", outcome: "ok" },
  { key_id: "key_a", backend_id: "b1", model: "gpt-4o", outcome: "rate_limited", status: 429 },
];

async function setup(): Promise<
  { rt: TestRuntime; client: PageClient } & AsyncDisposable
> {
  const rt = await startTestRuntime({ now: new FakeClock(T0 + 60_000).now });
  RECORDS.forEach((over, i) =>
    rt.deps.store.requests.insert(requestEntry({ id: `r${i}`, ts: T0 + i * 1000, ...over }))
  );
  const client = await signIn(rt);
  return { rt, client, [Symbol.asyncDispose]: () => rt.close() };
}

async function apiIds(rt: TestRuntime, query: string): Promise<string[]> {
  const res = await rt.admin("GET", `/api/requests${query}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return (JSON.parse(text) as { data: { id: string }[] }).data.map((r) => r.id);
}

const rowIds = (html: string) =>
  [...html.matchAll(/<tr data-request="([^"]+)"/g)].map((m) => m[1]!);

Deno.test("RequestRepo.list() keeps the records equal to every filter given, newest first", async () => {
  await using t = await setup();
  const list = t.rt.deps.store.requests.list;
  assert.deepEqual(list(10, undefined, { key_id: "key_a" }).map((r) => r.id), ["r5", "r1", "r0"]);
  assert.deepEqual(list(10, undefined, { backend_id: "b2" }).map((r) => r.id), ["r4", "r1"]);
  assert.deepEqual(list(10, undefined, { model: "gpt-4o", outcome: "ok" }).map((r) => r.id), [
    "r0",
  ]);
  assert.deepEqual(list(10, undefined, { key_id: "key_b", backend_id: "b1" }).map((r) => r.id), [
    "r2",
  ]);
  assert.deepEqual(list(10, undefined, { outcome: "refused" }).map((r) => r.id), ["r3"]);
  assert.deepEqual(list(10, undefined, { key_id: "key_nope" }), []);
  // Paging back with a filter keeps it, and the limit counts matching records only.
  assert.deepEqual(list(1, undefined, { key_id: "key_a" }).map((r) => r.id), ["r5"]);
  assert.deepEqual(list(10, T0 + 5000, { key_id: "key_a" }).map((r) => r.id), ["r1", "r0"]);
  assert.deepEqual(list(10, T0 + 1000, { key_id: "key_a" }).map((r) => r.id), ["r0"]);
  assert.deepEqual(list(10).map((r) => r.id), ["r5", "r4", "r3", "r2", "r1", "r0"]);
});

Deno.test("RequestRepo.list(): a filter value is bound, never SQL", async () => {
  await using t = await setup();
  const list = t.rt.deps.store.requests.list;
  assert.deepEqual(list(10, undefined, { model: "gpt-4o' OR '1'='1" }), []);
  assert.deepEqual(list(10, undefined, { key_id: "key_a; DROP TABLE requests" }), []);
  assert.equal(list(10).length, 6, "the table is still there");
});

Deno.test("GET /api/requests filters by key_id, backend_id, model and outcome, with limit and before", async () => {
  await using t = await setup();
  assert.deepEqual(await apiIds(t.rt, "?key_id=key_a"), ["r5", "r1", "r0"]);
  assert.deepEqual(await apiIds(t.rt, "?backend_id=b1&outcome=ok"), ["r0"]);
  assert.deepEqual(await apiIds(t.rt, "?model=gpt-4o-mini"), ["r4", "r1"]);
  assert.deepEqual(await apiIds(t.rt, "?outcome=refused"), ["r3"]);
  assert.deepEqual(await apiIds(t.rt, "?key_id=key_a&limit=2"), ["r5", "r1"]);
  assert.deepEqual(
    await apiIds(t.rt, `?key_id=key_a&before=${new Date(T0 + 1000).toISOString()}`),
    ["r0"],
  );
  assert.deepEqual(await apiIds(t.rt, "?key_id=key_zzz"), []);
  assert.equal((await apiIds(t.rt, "")).length, 6);
});

Deno.test("GET /api/requests refuses a bad filter with 400 naming it", async () => {
  await using t = await setup();
  for (
    const [query, param] of [
      ["?outcome=fine", "outcome"],
      ["?key_id=", "key_id"],
      ["?model=" + "m".repeat(257), "model"],
      ["?pool_id=primary", "pool_id"],
    ]
  ) {
    const res = await t.rt.admin("GET", `/api/requests${query}`);
    const body = await res.json() as { error: { param: string; type: string } };
    assert.equal(res.status, 400, query);
    assert.equal(body.error.param, param, query);
    assert.equal(body.error.type, "invalid_request_error");
  }
});

Deno.test("/requests: the filter form lists keys, backends and outcomes, and keeps the choice", async () => {
  await using t = await setup();
  await t.rt.admin("POST", "/api/keys", { name: "billing-service" });
  const keyId = t.rt.deps.store.keys.list()[0]!.id;
  const html = await (await t.client.get(`/requests?key_id=${keyId}&outcome=refused&model=`))
    .text();
  assert.match(
    html,
    /<form method="get" action="\/requests" class="inline-form" hx-get="\/requests"/,
  );
  assert.match(html, /hx-target="#requests-table"/);
  assert.match(html, new RegExp(`<option value="${keyId}" selected>billing-service \\(`));
  assert.match(html, /<option value="refused" selected>refused<\/option>/);
  assert.match(html, /<option value="upstream_error" >upstream error<\/option>/);
  assert.match(html, /<input id="f-model" name="model" type="text" value=""/);
  assert.match(html, /No requests match these filters/);
  assert.match(html, /<a class="btn" href="\/requests">Clear<\/a>/);
});

Deno.test("/requests: filters narrow the table; htmx gets the table alone; blanks are no filter", async () => {
  await using t = await setup();
  const all = await (await t.client.get("/requests")).text();
  assert.deepEqual(rowIds(all), ["r5", "r4", "r3", "r2", "r1", "r0"]);
  assert.match(all, /<h2>Recent requests<\/h2>/);
  assert.doesNotMatch(all, />Clear</);

  const byKey = await (await t.client.get("/requests?key_id=key_a&backend_id=&outcome=", {
    target: "requests-table",
  })).text();
  assert.match(byKey, /^<section id="requests-table"/);
  assert.deepEqual(rowIds(byKey), ["r5", "r1", "r0"]);
  assert.match(byKey, /<h2>Matching requests<\/h2>/);
  assert.match(
    byKey,
    /href="\/requests\?key_id=key_a" hx-get="\/requests\?key_id=key_a"/,
    "refresh keeps it",
  );

  const page = async (q: string) => rowIds(await (await t.client.get(`/requests?${q}`)).text());
  assert.deepEqual(await page("backend_id=b1"), ["r5", "r2", "r0"]);
  assert.deepEqual(await page("model=+gpt-4o-mini+"), ["r4", "r1"], "the model is trimmed");
  assert.deepEqual(await page("outcome=upstream_error"), ["r2"]);
  assert.deepEqual(await page("key_id=key_a&outcome=ok&model=gpt-4o"), ["r0"]);

  const bad = await t.client.get("/requests?outcome=fine");
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /outcome/);
});

Deno.test("/requests: Load older keeps the filters", async () => {
  await using t = await setup();
  // 60 more of key_a on b2, so a filtered list has a second page.
  for (let i = 0; i < 60; i++) {
    t.rt.deps.store.requests.insert(
      requestEntry({
        id: `m${String(i).padStart(2, "0")}`,
        ts: T0 - (i + 1) * 1000,
        key_id: "key_a",
        backend_id: "b2",
      }),
    );
  }
  const first = await (await t.client.get("/requests?key_id=key_a&backend_id=b2")).text();
  assert.equal(rowIds(first).length, 50);
  const more = /hx-get="(\/requests\?key_id=key_a&amp;backend_id=b2&amp;before=\d+)"/.exec(first)
    ?.[1];
  assert.ok(more, "the Load older link carries the filters");
  const older = await (await t.client.get(more.replaceAll("&amp;", "&"), {
    target: "requests-more",
  })).text();
  assert.match(older, /^<tr data-request=/);
  // r1 and 60 m's match: 50 on the first page, 11 on the second.
  assert.equal(rowIds(older).length, 11);
  assert.ok(rowIds(older).every((id) => id.startsWith("m")));
});

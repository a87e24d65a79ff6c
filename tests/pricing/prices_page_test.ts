/**
 * @module prices_page_test
 * The `/prices` dashboard page: the table as a form, saved like
 * `PUT /api/prices`, a refused value shown at its cell with what was entered
 * kept, blank and removed rows, and the config file's entries read-only.
 */
import assert from "node:assert/strict";
import { ConfigFileLoader } from "../../src/config_file/config_file_loader.ts";
import { PRICES_FORM_ID } from "../../views/prices_page.tsx";
import { signIn } from "../http/pages_client.ts";
import { startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

async function start() {
  const rt = await startTestRuntime();
  const client = await signIn(rt);
  const put = await rt.admin("PUT", "/api/prices", {
    prices: [
      { model: "gpt-4o", input_per_mtok: 2.5, cached_input_per_mtok: 1.25, output_per_mtok: 10 },
      { model: "claude-*", input_per_mtok: 3, output_per_mtok: 15, max_output_tokens: 8192 },
    ],
  });
  assert.equal(put.status, 200);
  return { rt, client, [Symbol.asyncDispose]: () => rt.close() };
}

async function models(rt: TestRuntime): Promise<string[]> {
  const body = await (await rt.admin("GET", "/api/prices")).json();
  return body.data.map((e: { model: string }) => e.model);
}

Deno.test("GET /prices shows every entry as a row of fields, most specific first, and blank rows", async () => {
  await using t = await start();
  const html = await (await t.client.get("/prices")).text();
  assert.match(html, /<a[^>]*href="\/prices"[^>]*aria-current="page"/);
  assert.ok(html.indexOf('value="gpt-4o"') < html.indexOf('value="claude-*"'));
  assert.match(html, /name="prices\[0\]\.cached_input_per_mtok"[^>]*value="1.25"/);
  assert.match(html, /name="prices\[1\]\.max_output_tokens"[^>]*value="8192"/);
  // Two entries and three blank rows.
  assert.match(html, /name="prices\[4\]\.model"[^>]*value=""/);
  assert.doesNotMatch(html, /name="prices\[5\]\.model"/);
  const region = await (await t.client.get("/prices", { target: PRICES_FORM_ID })).text();
  assert.match(region, new RegExp(`^<section id="${PRICES_FORM_ID}"`));
});

Deno.test("POST /prices saves the table: an added row, a removed row, a changed price", async () => {
  await using t = await start();
  const res = await t.client.post("/prices", {
    "prices[0].model": "gpt-4o",
    "prices[0].input_per_mtok": "2",
    "prices[0].output_per_mtok": "8",
    "prices[1].model": "claude-*",
    "prices[1].input_per_mtok": "3",
    "prices[1].output_per_mtok": "15",
    "prices[1].remove": "on",
    "prices[2].model": "",
    "prices[3].model": "llama-*",
    "prices[3].input_per_mtok": "0.1",
    "prices[3].output_per_mtok": "0.2",
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/prices");
  const body = await (await t.rt.admin("GET", "/api/prices")).json();
  assert.deepEqual(
    body.data.map((e: Record<string, unknown>) => [
      e.model,
      e.input_per_mtok,
      e.cached_input_per_mtok,
      e.output_per_mtok,
    ]),
    [["gpt-4o", 2, null, 8], ["llama-*", 0.1, null, 0.2]],
  );
  assert.deepEqual(t.rt.deps.prices.table.map((e) => e.model), ["gpt-4o", "llama-*"]);
});

Deno.test("POST /prices with a bad value: 422, the message at that cell, the rows as entered, nothing stored", async () => {
  await using t = await start();
  const before = await models(t.rt);
  const res = await t.client.post("/prices", {
    // Row 0 is blank and not sent: the API's prices[1] is the form's row 2.
    "prices[0].model": "",
    "prices[1].model": "gpt-4o",
    "prices[1].input_per_mtok": "2",
    "prices[1].output_per_mtok": "8",
    "prices[2].model": "typo",
    "prices[2].input_per_mtok": "-1",
    "prices[2].output_per_mtok": "1",
  }, { target: PRICES_FORM_ID });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(
    html,
    /id="f-prices\[2\]\.input_per_mtok-error"[^>]*>Must not be negative</,
  );
  assert.match(html, /name="prices\[2\]\.input_per_mtok"[^>]*value="-1"/);
  assert.match(html, /name="prices\[2\]\.input_per_mtok"[^>]*aria-invalid="true"/);
  assert.deepEqual(await models(t.rt), before);

  const missing = await t.client.post("/prices", {
    "prices[0].model": "gpt-4o",
    "prices[0].input_per_mtok": "2",
  }, { target: PRICES_FORM_ID });
  assert.equal(missing.status, 422);
  assert.match(
    await missing.text(),
    /id="f-prices\[0\]\.output_per_mtok-error"[^>]*>Must be a number/,
  );
  const twice = await t.client.post("/prices", {
    "prices[0].model": "gpt-4o",
    "prices[0].input_per_mtok": "2",
    "prices[0].output_per_mtok": "8",
    "prices[1].model": "gpt-4o",
    "prices[1].input_per_mtok": "3",
    "prices[1].output_per_mtok": "9",
  }, { target: PRICES_FORM_ID });
  assert.match(await twice.text(), /id="f-prices\[1\]\.model-error"[^>]*>Duplicate model glob/);
});

Deno.test("/prices lists the config file's entries apart, read-only, and a save keeps them", async () => {
  await using t = await start();
  const path = `${t.rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(
    path,
    `prices: [{ model: "mistral-*", input_per_mtok: 2, output_per_mtok: 6 }]\n`,
  );
  const loader = new ConfigFileLoader(t.rt.deps, path, { env: () => undefined });
  assert.deepEqual(await loader.load("test"), { applied: true });
  const html = await (await t.client.get("/prices")).text();
  assert.match(html, /From the config file/);
  assert.match(html, new RegExp(`Managed by ${path}`));
  assert.match(html, /<tr data-price="mistral-\*"><td class="mono">mistral-\*<\/td>/);
  assert.doesNotMatch(html, /value="mistral-\*"/);
  const res = await t.client.post("/prices", {
    "prices[0].model": "gpt-4o",
    "prices[0].input_per_mtok": "2",
    "prices[0].output_per_mtok": "8",
  });
  assert.equal(res.status, 303);
  assert.deepEqual(await models(t.rt), ["gpt-4o", "mistral-*"]);
});

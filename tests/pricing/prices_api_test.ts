/**
 * @module prices_api_test
 * GET/PUT /api/prices on a real runtime: the seeded default table, a
 * replacement in one go, bad input refused naming the entry's field with
 * nothing stored, a backend's own `prices`, and prices from the config file
 * (managed, out of a replacement's reach, handed back without a file).
 */
import assert from "node:assert/strict";
import { ConfigFileLoader, noConfigFile } from "../../src/config_file/config_file_loader.ts";
import { DEFAULT_PRICES } from "../../src/pricing/default_prices.ts";
import { startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;

async function json(res: Response | Promise<Response>): Promise<{ status: number; body: Obj }> {
  const r = await res;
  return { status: r.status, body: await r.json() as Obj };
}

async function table(rt: TestRuntime): Promise<Obj[]> {
  const r = await json(rt.admin("GET", "/api/prices"));
  assert.equal(r.status, 200);
  return r.body.data as Obj[];
}

const GPT_TEST = { model: "gpt-test", input_per_mtok: 1, output_per_mtok: 2 };

Deno.test("GET /api/prices on a new database: the default table, most specific first", async () => {
  await using rt = await startTestRuntime();
  const rows = await table(rt);
  assert.equal(rows.length, DEFAULT_PRICES.length);
  assert.deepEqual(rows.find((r) => r.model === "gpt-4o"), {
    model: "gpt-4o",
    input_per_mtok: 2.5,
    cached_input_per_mtok: 1.25,
    output_per_mtok: 10,
    reasoning_per_mtok: null,
    max_output_tokens: 16384,
    managed: null,
  });
  const models = rows.map((r) => r.model as string);
  // Exact names first, then globs by the length of their literal prefix.
  assert.ok(models.indexOf("gpt-4o") < models.indexOf("claude-sonnet-4*"));
  assert.ok(models.indexOf("claude-opus-4-5*") < models.indexOf("claude-sonnet-4*"));
  // The table in force is the stored one.
  assert.equal(rt.deps.prices.table.length, DEFAULT_PRICES.length);
});

Deno.test("PUT /api/prices replaces the table and puts it in force at once", async () => {
  await using rt = await startTestRuntime();
  const put = await json(rt.admin("PUT", "/api/prices", {
    prices: [
      { model: "gpt-*", input_per_mtok: 10, output_per_mtok: 20 },
      { ...GPT_TEST, cached_input_per_mtok: 0.5, reasoning_per_mtok: 4, max_output_tokens: 100 },
    ],
  }));
  assert.equal(put.status, 200);
  const expected = [
    {
      model: "gpt-test",
      input_per_mtok: 1,
      cached_input_per_mtok: 0.5,
      output_per_mtok: 2,
      reasoning_per_mtok: 4,
      max_output_tokens: 100,
      managed: null,
    },
    {
      model: "gpt-*",
      input_per_mtok: 10,
      cached_input_per_mtok: null,
      output_per_mtok: 20,
      reasoning_per_mtok: null,
      max_output_tokens: null,
      managed: null,
    },
  ];
  assert.deepEqual(put.body.data, expected);
  assert.deepEqual(await table(rt), expected);
  assert.deepEqual(rt.deps.prices.table.map((e) => e.model), ["gpt-test", "gpt-*"]);
  // An empty table is a table: every request is unpriced then.
  assert.deepEqual((await json(rt.admin("PUT", "/api/prices", { prices: [] }))).body.data, []);
  assert.deepEqual(rt.deps.prices.table, []);
});

const BAD: [string, unknown, string][] = [
  [
    "a negative price",
    { prices: [GPT_TEST, { ...GPT_TEST, model: "b", input_per_mtok: -1 }] },
    "prices[1].input_per_mtok",
  ],
  [
    "a price that is not a number",
    { prices: [{ ...GPT_TEST, output_per_mtok: "2" }] },
    "prices[0].output_per_mtok",
  ],
  [
    "a missing output price",
    { prices: [{ model: "m", input_per_mtok: 1 }] },
    "prices[0].output_per_mtok",
  ],
  [
    "a negative cached price",
    { prices: [{ ...GPT_TEST, cached_input_per_mtok: -0.1 }] },
    "prices[0].cached_input_per_mtok",
  ],
  [
    "a fractional max_output_tokens",
    { prices: [{ ...GPT_TEST, max_output_tokens: 1.5 }] },
    "prices[0].max_output_tokens",
  ],
  ["an empty glob", { prices: [{ ...GPT_TEST, model: " " }] }, "prices[0].model"],
  ["a glob twice", { prices: [GPT_TEST, { ...GPT_TEST, input_per_mtok: 3 }] }, "prices[1].model"],
  ["an unknown field", { prices: [{ ...GPT_TEST, currency: "EUR" }] }, "prices[0].currency"],
  ["prices that are not a list", { prices: { "gpt-test": GPT_TEST } }, "prices"],
  ["no prices at all", {}, "prices"],
];

for (const [what, body, param] of BAD) {
  Deno.test(`PUT /api/prices refuses ${what} with 400, param ${param}, and stores nothing`, async () => {
    await using rt = await startTestRuntime();
    const before = await table(rt);
    const r = await json(rt.admin("PUT", "/api/prices", body));
    assert.equal(r.status, 400);
    const error = r.body.error as Obj;
    assert.equal(error.type, "invalid_request_error");
    assert.equal(error.param, param);
    assert.deepEqual(await table(rt), before);
  });
}

Deno.test("a backend's own prices: stored, answered, validated, cleared by a PATCH", async () => {
  await using rt = await startTestRuntime();
  const backend = {
    id: "b1",
    name: "b1",
    base_url: "http://127.0.0.1:9/v1",
    models: ["*"],
    prices: [GPT_TEST],
  };
  const created = await json(rt.admin("POST", "/api/backends", backend));
  assert.equal(created.status, 201);
  const own = [{
    ...GPT_TEST,
    cached_input_per_mtok: null,
    reasoning_per_mtok: null,
    max_output_tokens: null,
  }];
  assert.deepEqual((created.body.data as Obj).prices, own);
  assert.deepEqual(rt.deps.registry.get("b1")?.prices, own);

  const bad = await json(
    rt.admin("PATCH", "/api/backends/b1", { prices: [{ ...GPT_TEST, input_per_mtok: -2 }] }),
  );
  assert.equal(bad.status, 400);
  assert.equal((bad.body.error as Obj).param, "prices.0.input_per_mtok");
  const patched = await json(rt.admin("PATCH", "/api/backends/b1", { prices: [] }));
  assert.deepEqual((patched.body.data as Obj).prices, []);
  assert.deepEqual(rt.deps.registry.get("b1")?.prices, []);
});

Deno.test("prices in the config file: applied as managed, kept by a PUT, a 409 to name, handed back without the file", async () => {
  await using rt = await startTestRuntime();
  const path = `${rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(
    path,
    `prices:
  - { model: "gpt-4o", input_per_mtok: 2, output_per_mtok: 8 }
  - { model: "file-only", input_per_mtok: 1, output_per_mtok: 1 }
backends:
  - id: b1
    base_url: "http://127.0.0.1:9/v1"
    models: ["*"]
    prices: [{ model: "*", input_per_mtok: 0, output_per_mtok: 0 }]
`,
  );
  const loader = new ConfigFileLoader(rt.deps, path, { env: () => undefined });
  assert.deepEqual(await loader.load("test"), { applied: true });
  const rows = await table(rt);
  // The file took over the dashboard's gpt-4o entry; the rest of the default table stays.
  assert.deepEqual(rows.find((r) => r.model === "gpt-4o"), {
    model: "gpt-4o",
    input_per_mtok: 2,
    cached_input_per_mtok: null,
    output_per_mtok: 8,
    reasoning_per_mtok: null,
    max_output_tokens: null,
    managed: "file",
  });
  assert.equal(rows.length, DEFAULT_PRICES.length + 1);
  assert.equal(rt.deps.registry.get("b1")?.prices[0]?.model, "*");

  // A replacement leaves the file's entries alone...
  const put = await json(rt.admin("PUT", "/api/prices", { prices: [GPT_TEST] }));
  assert.equal(put.status, 200);
  assert.deepEqual((put.body.data as Obj[]).map((r) => [r.model, r.managed]), [
    ["file-only", "file"],
    ["gpt-4o", "file"],
    ["gpt-test", null],
  ]);
  // ...and naming one is refused, naming the file.
  const clash = await json(
    rt.admin("PUT", "/api/prices", { prices: [GPT_TEST, { ...GPT_TEST, model: "gpt-4o" }] }),
  );
  assert.equal(clash.status, 409);
  const error = clash.body.error as Obj;
  assert.equal(error.code, "managed_by_config");
  assert.equal(error.param, "prices[1].model");
  assert.ok(String(error.message).includes(path), String(error.message));
  assert.equal((await table(rt)).length, 3);

  // A file that drops an entry deletes it; one that drops prices entirely deletes the file's.
  await Deno.writeTextFile(
    path,
    `prices: [{ model: "gpt-4o", input_per_mtok: 2, output_per_mtok: 8 }]\n`,
  );
  assert.deepEqual(await loader.load("test"), { applied: true });
  assert.deepEqual((await table(rt)).map((r) => r.model), ["gpt-4o", "gpt-test"]);

  // Without the file, its entries are the dashboard's.
  noConfigFile(rt.deps);
  assert.deepEqual((await table(rt)).map((r) => [r.model, r.managed]), [["gpt-4o", null], [
    "gpt-test",
    null,
  ]]);
});

/**
 * @module admin_backend_api_test
 * A backend's `api` through the admin JSON API on a real SQLite file:
 * created and patched, refused when unknown, and the base URL stored by
 * the api's rule, with the answer's notices saying what was changed.
 */
import assert from "node:assert/strict";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;

const CLAUDE = {
  id: "claude",
  name: "Claude",
  api: "anthropic",
  base_url: "https://api.anthropic.com",
  api_key: "sk-ant-test-0000000000000000000000001234",
  models: ["claude-*"],
};

async function runtime(): Promise<TestRuntime> {
  return await startTestRuntime({ now: new FakeClock().now });
}

/** Asserts the status and returns the whole body. */
async function body(res: Promise<Response>, status: number): Promise<Obj> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return JSON.parse(text);
}

/** Asserts a 400 naming `param` and that nothing changed in the store. */
async function refused(rt: TestRuntime, res: Promise<Response>, param: string): Promise<string> {
  const before = JSON.stringify(rt.deps.store.backends.list());
  const b = await body(res, 400) as { error: { param: string; message: string } };
  assert.equal(b.error.param, param);
  assert.equal(JSON.stringify(rt.deps.store.backends.list()), before, "nothing stored");
  return b.error.message;
}

Deno.test("POST /api/backends takes api; it is stored, shown and in the routing table", async () => {
  await using rt = await runtime();
  const b = await body(rt.admin("POST", "/api/backends", CLAUDE), 201);
  assert.deepEqual(Object.keys(b), ["data"], "no notices when nothing was changed");
  const data = b.data as Obj;
  assert.equal(data.api, "anthropic");
  assert.equal(data.base_url, "https://api.anthropic.com");
  assert.equal(rt.deps.store.backends.get("claude")!.api, "anthropic");
  assert.equal(rt.deps.registry.get("claude")!.api, "anthropic");
  const listed = (await body(rt.admin("GET", "/api/backends"), 200)).data as Obj[];
  assert.equal(listed[0]!.api, "anthropic");
});

Deno.test("POST /api/backends without api is openai", async () => {
  await using rt = await runtime();
  const { api: _, ...rest } = CLAUDE;
  const b = await body(
    rt.admin("POST", "/api/backends", { ...rest, base_url: "https://api.openai.com/v1" }),
    201,
  );
  assert.equal((b.data as Obj).api, "openai");
  assert.equal(rt.deps.registry.get("claude")!.api, "openai");
});

Deno.test("an unknown api is a 400 naming api, storing nothing, on POST and PATCH", async () => {
  await using rt = await runtime();
  for (const api of ["gemini", "OpenAI", "", null, 1]) {
    const msg = await refused(rt, rt.admin("POST", "/api/backends", { ...CLAUDE, api }), "api");
    assert.match(msg, /Must be "openai" or "anthropic"/);
  }
  await body(rt.admin("POST", "/api/backends", CLAUDE), 201);
  await refused(rt, rt.admin("PATCH", "/api/backends/claude", { api: "bedrock" }), "api");
  assert.equal(rt.deps.registry.get("claude")!.api, "anthropic");
});

Deno.test("POST: an anthropic URL ending in /v1/messages is stored as the root, with a notice", async () => {
  await using rt = await runtime();
  const given = "https://api.anthropic.com/v1/messages";
  const b = await body(rt.admin("POST", "/api/backends", { ...CLAUDE, base_url: given }), 201);
  assert.deepEqual(Object.keys(b), ["data", "notices"]);
  assert.equal((b.data as Obj).base_url, "https://api.anthropic.com");
  const notices = b.notices as { param: string; message: string }[];
  assert.equal(notices.length, 1);
  assert.equal(notices[0]!.param, "base_url");
  assert.match(
    notices[0]!.message,
    /"https:\/\/api\.anthropic\.com\/v1\/messages" was stored as "https:\/\/api\.anthropic\.com"/,
  );
  assert.equal(rt.deps.store.backends.get("claude")!.base_url, "https://api.anthropic.com");
  assert.equal(rt.deps.registry.get("claude")!.base_url, "https://api.anthropic.com");
});

Deno.test("POST: an openai URL naming an endpoint is a 400 at base_url saying to give the base", async () => {
  await using rt = await runtime();
  const msg = await refused(
    rt,
    rt.admin("POST", "/api/backends", {
      ...CLAUDE,
      api: "openai",
      base_url: "https://api.openai.com/v1/chat/completions",
    }),
    "base_url",
  );
  assert.match(
    msg,
    /^Invalid "base_url": The base URL ends in the endpoint \/chat\/completions: give the API's base/,
  );
  assert.equal(rt.deps.store.backends.list().length, 0);
});

Deno.test("PATCH api: the stored base URL is checked against the new api", async () => {
  await using rt = await runtime();
  await body(
    rt.admin("POST", "/api/backends", {
      ...CLAUDE,
      api: "openai",
      base_url: "https://api.anthropic.com/v1/",
    }),
    201,
  );
  assert.equal(rt.deps.store.backends.get("claude")!.base_url, "https://api.anthropic.com/v1");
  const b = await body(rt.admin("PATCH", "/api/backends/claude", { api: "anthropic" }), 200);
  assert.equal((b.data as Obj).api, "anthropic");
  assert.equal((b.data as Obj).base_url, "https://api.anthropic.com");
  assert.equal((b.notices as Obj[]).length, 1);
  assert.equal(rt.deps.registry.get("claude")!.api, "anthropic");
  assert.equal(rt.deps.registry.get("claude")!.base_url, "https://api.anthropic.com");

  // Back to openai with an anthropic endpoint: refused, the backend as it was.
  await refused(
    rt,
    rt.admin("PATCH", "/api/backends/claude", {
      api: "openai",
      base_url: "https://api.anthropic.com/v1/messages",
    }),
    "base_url",
  );
  assert.equal(rt.deps.registry.get("claude")!.api, "anthropic");
});

Deno.test("PATCH base_url alone is normalised by the stored api", async () => {
  await using rt = await runtime();
  await body(rt.admin("POST", "/api/backends", CLAUDE), 201);
  const b = await body(
    rt.admin("PATCH", "/api/backends/claude", { base_url: "https://gw.test/anthropic/v1/" }),
    200,
  );
  assert.equal((b.data as Obj).base_url, "https://gw.test/anthropic");
  assert.equal((b.notices as Obj[])[0]!.param, "base_url");
  await refused(
    rt,
    rt.admin("PATCH", "/api/backends/claude", { base_url: "https://gw.test/v1/chat/completions" }),
    "base_url",
  );
});

Deno.test("PATCH of other fields leaves a base URL stored before the rule alone", async () => {
  await using rt = await runtime();
  await body(
    rt.admin("POST", "/api/backends", { ...CLAUDE, api: "openai", base_url: "https://x.test/v1" }),
    201,
  );
  // As a database from before the rule could hold it.
  const row = rt.deps.store.backends.get("claude")!;
  const { id: _i, managed: _m, created_at: _c, updated_at: _u, ...fields } = row;
  rt.deps.store.backends.update("claude", {
    ...fields,
    base_url: "https://x.test/v1/chat/completions",
  }, row.updated_at);
  const b = await body(rt.admin("PATCH", "/api/backends/claude", { weight: 2 }), 200);
  assert.deepEqual(Object.keys(b), ["data"]);
  assert.equal((b.data as Obj).base_url, "https://x.test/v1/chat/completions");
  assert.equal((b.data as Obj).weight, 2);
});

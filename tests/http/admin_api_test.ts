/**
 * @module admin_api_test
 * The admin JSON API (docs/api.md) in-process over a real SQLite file:
 * every route, auth, the error shape, and bad input refused with `param`
 * naming the field and nothing stored.
 */
import assert from "node:assert/strict";
import { FailedAuthLimiter } from "../../src/auth/failed_auth_limiter.ts";
import { DEFAULT_CONFIG } from "../../src/gateway_config.ts";
import { secretHint } from "../../src/secrets/token_hash.ts";
import { requestEntry } from "../helpers/request_entry.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;

const KEY = "sk-proj-test-aaaaaaaaaaaaaaaaaaaaaaaaaaaa1234";

function backendBody(over: Obj = {}): Obj {
  return {
    name: "OpenAI Main",
    base_url: "https://api.openai.com/v1",
    api_key: KEY,
    models: ["gpt-4o", "text-embedding-3-small"],
    ...over,
  };
}

/** Asserts the status and returns `data` of a `{"data": ...}` body. */
async function data<T = Obj>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  const body = JSON.parse(text) as Obj;
  assert.deepEqual(Object.keys(body), ["data"], text);
  return body.data as T;
}

/** Asserts the contract's error shape and returns the `error` object. */
async function failure(
  res: Response | Promise<Response>,
  status: number,
  param: string | null,
  code?: string | null,
): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ["error"], text);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"], text);
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 0);
  assert.equal(typeof body.error.type, "string");
  assert.equal(body.error.param, param, text);
  if (code !== undefined) assert.equal(body.error.code, code, text);
  return body.error;
}

async function noContent(res: Response | Promise<Response>): Promise<void> {
  const r = await res;
  assert.equal(r.status, 204, await r.text());
}

/** Everything an admin change could touch, to prove a refused change stored nothing. */
async function snapshot(rt: TestRuntime) {
  return {
    pools: await data(rt.admin("GET", "/api/pools")),
    backends: await data(rt.admin("GET", "/api/backends")),
    keys: await data(rt.admin("GET", "/api/keys")),
    config: await data(rt.admin("GET", "/api/config")),
    sealed: rt.deps.store.backends.list().map((b) => [b.id, b.api_key_enc]),
    storedConfig: rt.deps.store.config.load(),
  };
}

async function runtime(): Promise<{ rt: TestRuntime; clock: FakeClock }> {
  const clock = new FakeClock();
  const rt = await startTestRuntime({ now: clock.now });
  return { rt, clock };
}

// ---------------------------------------------------------------- health, auth

Deno.test("GET /healthz answers without auth", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const res = await rt.app.request("/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: "ok",
    version: rt.deps.version,
    shared_state: "in_process",
  });
});

const ADMIN_ROUTES: [string, string, unknown?][] = [
  ["GET", "/api/pools"],
  ["POST", "/api/pools", { id: "intruder", name: "Intruder" }],
  ["GET", "/api/pools/primary"],
  ["PATCH", "/api/pools/primary", { priority: 99 }],
  ["DELETE", "/api/pools/fallback"],
  ["GET", "/api/backends"],
  ["POST", "/api/backends", backendBody({ id: "intruder" })],
  ["GET", "/api/backends/b1"],
  ["PATCH", "/api/backends/b1", { api_key: "sk-stolen-000000000000000000" }],
  ["DELETE", "/api/backends/b1"],
  ["POST", "/api/backends/b1/clear-cooldown"],
  ["GET", "/api/config"],
  ["PATCH", "/api/config", { max_attempts: 1 }],
  ["GET", "/api/keys"],
  ["POST", "/api/keys", { name: "intruder" }],
  ["DELETE", "/api/keys/key_x"],
  ["GET", "/api/status"],
  ["GET", "/api/usage"],
  ["GET", "/api/requests"],
  ["GET", "/api/cooldowns"],
  ["GET", "/api/no-such-route"],
];

Deno.test("/api/* refuses a missing, wrong or non-admin token with 401 and changes nothing", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })), 201);
  const clientKey =
    (await data<{ key: string }>(rt.admin("POST", "/api/keys", { name: "ci" }), 201)).key;
  const before = await snapshot(rt);

  const credentials: (Record<string, string>)[] = [
    {},
    { authorization: "Bearer wrong-token" },
    { authorization: "Bearer " },
    { authorization: "Basic c2MtYWRtaW4tdGVzdC10b2tlbjo=" },
    { authorization: "sc-admin-test-token" },
    { authorization: `Bearer ${clientKey}` },
    { "x-api-key": "wrong-token" },
  ];
  for (const [method, path, body] of ADMIN_ROUTES) {
    for (const headers of credentials) {
      // Each refusal from a clean slate: the failed-auth limit has its own tests.
      rt.deps.authLimiter = new FailedAuthLimiter();
      const res = rt.app.request(path, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const err = await failure(res, 401, null, "invalid_api_key");
      assert.equal(err.type, "authentication_error");
    }
  }
  assert.deepEqual(await snapshot(rt), before);
});

Deno.test("/api/* accepts the admin token with a lower-case bearer scheme", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const res = await rt.app.request("/api/pools", {
    headers: { authorization: "bearer sc-admin-test-token" },
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test("an unknown /api route is a 404 in the error shape", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await failure(rt.admin("GET", "/api/nothing-here"), 404, null);
  await failure(rt.admin("POST", "/api/pools/primary/explode"), 404, null);
});

// ----------------------------------------------------------------------- pools

Deno.test("GET /api/pools lists the seeded primary (0) and fallback (100) pools", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const pools = await data<Obj[]>(rt.admin("GET", "/api/pools"));
  assert.deepEqual(
    pools.map((p) => [p.id, p.priority, p.backend_count]),
    [["primary", 0, 0], ["fallback", 100, 0]],
  );
  assert.deepEqual(Object.keys(pools[0]!).sort(), [
    "backend_count",
    "created_at",
    "id",
    "managed",
    "name",
    "priority",
    "updated_at",
  ]);
});

Deno.test("POST/GET/PATCH/DELETE /api/pools/:id manage a pool", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  const created = await data(
    rt.admin("POST", "/api/pools", { id: "eu", name: "EU", priority: 10 }),
    201,
  );
  assert.deepEqual(created, {
    id: "eu",
    name: "EU",
    priority: 10,
    managed: null,
    created_at: "2026-11-27T10:00:00Z",
    updated_at: "2026-11-27T10:00:00Z",
    backend_count: 0,
  });
  assert.deepEqual(await data(rt.admin("GET", "/api/pools/eu")), created);

  clock.advance(60_000);
  const patched = await data(rt.admin("PATCH", "/api/pools/eu", { priority: 5 }));
  assert.equal(patched.priority, 5);
  assert.equal(patched.name, "EU");
  assert.equal(patched.created_at, "2026-11-27T10:00:00Z");
  assert.equal(patched.updated_at, "2026-11-27T10:01:00Z");
  const order = (await data<Obj[]>(rt.admin("GET", "/api/pools"))).map((p) => p.id);
  assert.deepEqual(order, ["primary", "eu", "fallback"]);

  await noContent(rt.admin("DELETE", "/api/pools/eu"));
  await failure(rt.admin("GET", "/api/pools/eu"), 404, null, "not_found");
  assert.equal(rt.deps.store.pools.get("eu"), undefined);
});

Deno.test("POST /api/pools generates the id from the name and defaults priority to 50", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const p = await data(rt.admin("POST", "/api/pools", { name: "Spare Capacity!" }), 201);
  assert.equal(p.id, "spare-capacity");
  assert.equal(p.priority, 50);
});

Deno.test("POST /api/pools with a taken id is a 409 naming id, and keeps the original", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/pools", { id: "eu", name: "EU", priority: 10 }), 201);
  const before = await snapshot(rt);
  await failure(
    rt.admin("POST", "/api/pools", { id: "eu", name: "Other", priority: 1 }),
    409,
    "id",
    "duplicate_id",
  );
  await failure(rt.admin("POST", "/api/pools", { name: "EU" }), 409, "id", "duplicate_id");
  await failure(rt.admin("POST", "/api/pools", { id: "primary", name: "P" }), 409, "id");
  assert.deepEqual(await snapshot(rt), before);
});

Deno.test("DELETE /api/pools/:id of a non-empty pool is a 409 and keeps it", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/pools", { id: "eu", name: "EU" }), 201);
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1", pool_id: "eu" })), 201);
  assert.equal((await data(rt.admin("GET", "/api/pools/eu"))).backend_count, 1);
  const err = await failure(rt.admin("DELETE", "/api/pools/eu"), 409, null, "pool_not_empty");
  assert.equal(err.type, "conflict_error");
  assert.ok(rt.deps.store.pools.get("eu"));
  await noContent(rt.admin("DELETE", "/api/backends/b1"));
  await noContent(rt.admin("DELETE", "/api/pools/eu"));
});

Deno.test("GET/PATCH/DELETE /api/pools/:id of an unknown id is a 404", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const before = await snapshot(rt);
  await failure(rt.admin("GET", "/api/pools/nope"), 404, null, "not_found");
  await failure(rt.admin("PATCH", "/api/pools/nope", { priority: 1 }), 404, null, "not_found");
  await failure(rt.admin("DELETE", "/api/pools/nope"), 404, null, "not_found");
  assert.deepEqual(await snapshot(rt), before);
});

Deno.test("POST/PATCH /api/pools refuse bad fields with 400 naming the field, storing nothing", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const before = await snapshot(rt);
  const posts: [unknown, string | null][] = [
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: "   " }, "name"],
    [{ name: 7 }, "name"],
    [{ name: "X", priority: "high" }, "priority"],
    [{ name: "X", priority: 1.5 }, "priority"],
    [{ name: "X", priority: 1e12 }, "priority"],
    [{ name: "X", id: "Upper Case" }, "id"],
    [{ name: "X", id: "" }, "id"],
    [{ name: "X", extra: 1 }, "extra"],
    [[], null],
    ["pool", null],
    [null, null],
  ];
  for (const [body, param] of posts) {
    const err = await failure(rt.admin("POST", "/api/pools", JSON.stringify(body)), 400, param);
    assert.equal(err.type, "invalid_request_error");
  }
  const patches: [unknown, string | null][] = [
    [{ name: "" }, "name"],
    [{ priority: -1e12 }, "priority"],
    [{ priority: null }, "priority"],
    [{ id: "renamed" }, "id"],
    [{ backend_count: 3 }, "backend_count"],
  ];
  for (const [body, param] of patches) {
    await failure(rt.admin("PATCH", "/api/pools/primary", JSON.stringify(body)), 400, param);
  }
  assert.deepEqual(await snapshot(rt), before);
});

// -------------------------------------------------------------------- backends

Deno.test("POST /api/backends creates a backend in the contract's JSON shape", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const b = await data(
    rt.admin("POST", "/api/backends", backendBody({ base_url: "https://api.openai.com/v1/" })),
    201,
  );
  assert.deepEqual(b, {
    id: "openai-main",
    name: "OpenAI Main",
    base_url: "https://api.openai.com/v1",
    api_key_hint: "sk-…1234",
    pool_id: "primary",
    models: ["gpt-4o", "text-embedding-3-small"],
    model_map: {},
    weight: 1,
    rpm_limit: null,
    tpm_limit: null,
    enabled: true,
    resume: "off",
    prices: [],
    api: "openai",
    managed: null,
    not_resumable_models: [],
    status: "active",
    paused: false,
    cooldown_until: null,
    consecutive_429: 0,
    created_at: "2026-11-27T10:00:00Z",
    updated_at: "2026-11-27T10:00:00Z",
  });
  assert.deepEqual(await data(rt.admin("GET", "/api/backends/openai-main")), b);
  assert.deepEqual(await data(rt.admin("GET", "/api/backends")), [b]);
  // The routing table is reloaded with the opened key.
  assert.equal(rt.deps.registry.get("openai-main")?.api_key, KEY);
});

Deno.test("POST /api/backends generates a unique id from the name when omitted", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const ids = [];
  for (const name of ["OpenAI Main", "OpenAI Main", "openai   main", "!!!"]) {
    ids.push((await data(rt.admin("POST", "/api/backends", backendBody({ name })), 201)).id);
  }
  assert.deepEqual(ids, ["openai-main", "openai-main-2", "openai-main-3", "item"]);
});

Deno.test("POST /api/backends takes every writable field", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const b = await data(
    rt.admin("POST", "/api/backends", {
      id: "fb.1",
      name: "Fallback one",
      base_url: "http://127.0.0.1:8080",
      api_key: "sk-fb-000000000000000000000000",
      pool_id: "fallback",
      models: ["gpt-4o*"],
      model_map: { "gpt-4o": "gpt-4o-2024-08-06", "*": "fb-ok" },
      weight: 0,
      rpm_limit: 500,
      tpm_limit: 100000,
      enabled: false,
    }),
    201,
  );
  assert.equal(b.id, "fb.1");
  assert.equal(b.pool_id, "fallback");
  assert.deepEqual(b.model_map, { "gpt-4o": "gpt-4o-2024-08-06", "*": "fb-ok" });
  assert.equal(b.weight, 0);
  assert.equal(b.rpm_limit, 500);
  assert.equal(b.tpm_limit, 100000);
  assert.equal(b.enabled, false);
  assert.equal(b.status, "disabled");
  assert.equal((await data(rt.admin("GET", "/api/pools/fallback"))).backend_count, 1);
});

Deno.test("api_key is write-only: no backend response carries it or its sealed form", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const texts: string[] = [];
  const grab = async (res: Promise<Response>) => texts.push(await (await res).text());
  await grab(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })));
  await grab(rt.admin("GET", "/api/backends"));
  await grab(rt.admin("GET", "/api/backends/b1"));
  await grab(rt.admin("PATCH", "/api/backends/b1", { weight: 2 }));
  await grab(rt.admin("PATCH", "/api/backends/b1", { api_key: KEY }));
  await grab(rt.admin("POST", "/api/backends/b1/clear-cooldown"));
  const sealed = rt.deps.store.backends.get("b1")!.api_key_enc;
  for (const text of texts) {
    assert.ok(!text.includes(KEY), text);
    assert.ok(!text.includes(sealed), text);
    assert.ok(!text.includes("api_key_enc"), text);
    assert.ok(!/"api_key"/.test(text), text);
    assert.ok(text.includes(`"api_key_hint":"${secretHint(KEY)}"`), text);
  }
});

Deno.test("PATCH /api/backends/:id without api_key keeps the key; with api_key replaces it", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })), 201);
  const opened = async () => {
    const row = rt.deps.store.backends.get("b1")!;
    return await rt.deps.box.open(row.api_key_enc, "b1");
  };
  assert.equal(await opened(), KEY);

  clock.advance(1000);
  const p1 = await data(rt.admin("PATCH", "/api/backends/b1", { name: "Renamed", weight: 7 }));
  assert.equal(p1.name, "Renamed");
  assert.equal(p1.weight, 7);
  assert.equal(p1.api_key_hint, secretHint(KEY));
  assert.equal(p1.created_at, "2026-11-27T10:00:00Z");
  assert.equal(p1.updated_at, "2026-11-27T10:00:01Z");
  assert.equal(await opened(), KEY);

  const NEW_KEY = "sk-new-key-bbbbbbbbbbbbbbbbbbbbbbbbbb9876";
  const p2 = await data(rt.admin("PATCH", "/api/backends/b1", { api_key: NEW_KEY }));
  assert.equal(p2.api_key_hint, secretHint(NEW_KEY));
  assert.equal(p2.name, "Renamed", "other fields are kept");
  assert.equal(await opened(), NEW_KEY);
  assert.equal(rt.deps.registry.get("b1")?.api_key, NEW_KEY);
});

Deno.test("PATCH /api/backends/:id updates fields, moves pools and can set limits to null", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1", rpm_limit: 60 })), 201);
  const b = await data(
    rt.admin("PATCH", "/api/backends/b1", {
      pool_id: "fallback",
      rpm_limit: null,
      models: ["claude-*"],
      model_map: { "*": "claude-3-5-sonnet" },
      enabled: false,
    }),
  );
  assert.equal(b.pool_id, "fallback");
  assert.equal(b.rpm_limit, null);
  assert.deepEqual(b.models, ["claude-*"]);
  assert.deepEqual(b.model_map, { "*": "claude-3-5-sonnet" });
  assert.equal(b.status, "disabled");
  assert.equal(rt.deps.registry.get("b1")?.pool_id, "fallback");
});

Deno.test("DELETE /api/backends/:id removes it from the store, the list and the routing table", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })), 201);
  await noContent(rt.admin("DELETE", "/api/backends/b1"));
  await failure(rt.admin("GET", "/api/backends/b1"), 404, null, "not_found");
  assert.deepEqual(await data(rt.admin("GET", "/api/backends")), []);
  assert.equal(rt.deps.registry.get("b1"), undefined);
  await failure(rt.admin("DELETE", "/api/backends/b1"), 404, null, "not_found");
});

Deno.test("GET/PATCH/DELETE/clear-cooldown on an unknown backend id is a 404", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const before = await snapshot(rt);
  await failure(rt.admin("GET", "/api/backends/ghost"), 404, null, "not_found");
  await failure(rt.admin("PATCH", "/api/backends/ghost", { weight: 2 }), 404, null, "not_found");
  await failure(rt.admin("DELETE", "/api/backends/ghost"), 404, null, "not_found");
  await failure(rt.admin("POST", "/api/backends/ghost/clear-cooldown"), 404, null, "not_found");
  assert.deepEqual(await snapshot(rt), before);
});

Deno.test("POST /api/backends with a taken id is a 409 naming id; the stored key is untouched", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })), 201);
  const before = await snapshot(rt);
  const err = await failure(
    rt.admin(
      "POST",
      "/api/backends",
      backendBody({ id: "b1", api_key: "sk-overwrite-00000000000000" }),
    ),
    409,
    "id",
    "duplicate_id",
  );
  assert.equal(err.type, "conflict_error");
  assert.deepEqual(await snapshot(rt), before);
  assert.equal(await rt.deps.box.open(rt.deps.store.backends.get("b1")!.api_key_enc, "b1"), KEY);
});

const BAD_BACKENDS: [Obj | unknown, string | null, string?][] = [
  [backendBody({ base_url: "ftp://example.com/v1" }), "base_url"],
  [backendBody({ base_url: "not a url" }), "base_url"],
  [backendBody({ base_url: "javascript:alert(1)" }), "base_url"],
  [backendBody({ base_url: "file:///etc/passwd" }), "base_url"],
  [backendBody({ base_url: "https://user:pw@example.com/v1" }), "base_url"],
  [backendBody({ base_url: "https://example.com/" + "a".repeat(3000) }), "base_url"],
  [backendBody({ base_url: 42 }), "base_url"],
  [backendBody({ weight: -1 }), "weight"],
  [backendBody({ weight: 1.5 }), "weight"],
  [backendBody({ weight: "1" }), "weight"],
  [backendBody({ weight: 1e9 }), "weight"],
  [backendBody({ rpm_limit: 0 }), "rpm_limit"],
  [backendBody({ rpm_limit: -5 }), "rpm_limit"],
  [backendBody({ rpm_limit: 1e12 }), "rpm_limit"],
  [backendBody({ rpm_limit: "500" }), "rpm_limit"],
  [backendBody({ tpm_limit: -1 }), "tpm_limit"],
  [backendBody({ tpm_limit: 1e15 }), "tpm_limit"],
  [backendBody({ models: [] }), "models"],
  [backendBody({ models: "gpt-4o" }), "models"],
  [backendBody({ models: [""] }), "models.0"],
  [backendBody({ models: ["ok", 42] }), "models.1"],
  [backendBody({ model_map: { "gpt-4o": 1 } }), "model_map.gpt-4o"],
  [backendBody({ model_map: ["x"] }), "model_map"],
  [backendBody({ name: "" }), "name"],
  [backendBody({ name: 123 }), "name"],
  [backendBody({ name: "x".repeat(201) }), "name"],
  [backendBody({ enabled: "yes" }), "enabled"],
  [backendBody({ id: "Has Spaces" }), "id"],
  [backendBody({ id: "../etc" }), "id"],
  [backendBody({ id: "a".repeat(65) }), "id"],
  [backendBody({ api_key: 12345 }), "api_key"],
  [backendBody({ api_key: "x".repeat(8193) }), "api_key"],
  [backendBody({ api_key_enc: "v1:forged" }), "api_key_enc"],
  [backendBody({ api_key_hint: "sk-…0000" }), "api_key_hint"],
  [backendBody({ status: "cooling" }), "status"],
  [backendBody({ created_at: "2020-01-01T00:00:00Z" }), "created_at"],
  [backendBody({ surprise: true }), "surprise"],
  [backendBody({ pool_id: "nope" }), "pool_id", "unknown_pool"],
  [backendBody({ pool_id: "NOT A SLUG" }), "pool_id"],
  [{ name: "x", api_key: KEY, models: ["m"] }, "base_url"],
  [{ base_url: "https://x.example", models: ["m"] }, "name"],
  [{ name: "x", base_url: "https://x.example" }, "models"],
  [[], null],
  ["backend", null],
  [42, null],
  [null, null],
];

Deno.test("POST /api/backends refuses each bad field with 400 naming it, storing nothing", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "existing" })), 201);
  const before = await snapshot(rt);
  for (const [body, param, code] of BAD_BACKENDS) {
    const err = await failure(
      rt.admin("POST", "/api/backends", JSON.stringify(body)),
      400,
      param,
      code,
    );
    assert.equal(err.type, "invalid_request_error");
  }
  assert.deepEqual(await snapshot(rt), before);
  assert.equal(rt.deps.registry.status(rt.deps.now()).length, 1);
});

Deno.test("PATCH /api/backends/:id refuses each bad field with 400 naming it, storing nothing", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1", rpm_limit: 60 })), 201);
  const before = await snapshot(rt);
  const patches: [unknown, string | null, string?][] = [
    [{ weight: -1 }, "weight"],
    [{ base_url: "ftp://x" }, "base_url"],
    [{ base_url: "https://u:p@x.example" }, "base_url"],
    [{ api_key: 5 }, "api_key"],
    [{ api_key: null }, "api_key"],
    [{ rpm_limit: 0 }, "rpm_limit"],
    [{ models: [] }, "models"],
    [{ name: null }, "name"],
    [{ enabled: 1 }, "enabled"],
    [{ id: "renamed" }, "id"],
    [{ status: "active" }, "status"],
    [{ pool_id: "nope" }, "pool_id", "unknown_pool"],
    [{ api_key: "sk-would-be-new-000000000000", pool_id: "nope" }, "pool_id"],
    [{ api_key: "sk-would-be-new-000000000000", weight: -2 }, "weight"],
    [[{ weight: 2 }], null],
    [null, null],
  ];
  for (const [body, param, code] of patches) {
    await failure(rt.admin("PATCH", "/api/backends/b1", JSON.stringify(body)), 400, param, code);
  }
  assert.deepEqual(await snapshot(rt), before);
  assert.equal(await rt.deps.box.open(rt.deps.store.backends.get("b1")!.api_key_enc, "b1"), KEY);
});

Deno.test("POST /api/backends/:id/clear-cooldown ends a cooldown and resets the counters", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })), 201);
  rt.deps.registry.report("b1", { kind: "rate_limited" }, clock.now());
  rt.deps.registry.report("b1", { kind: "rate_limited" }, clock.now());
  const cooling = await data(rt.admin("GET", "/api/backends/b1"));
  assert.equal(cooling.status, "cooling");
  assert.equal(cooling.consecutive_429, 2);
  assert.equal(cooling.cooldown_until, new Date(clock.now() + 10_000).toISOString());

  clock.advance(2000);
  const cleared = await data(rt.admin("POST", "/api/backends/b1/clear-cooldown"));
  assert.equal(cleared.status, "active");
  assert.equal(cleared.consecutive_429, 0);
  assert.equal(cleared.cooldown_until, null);
  const [status] = await data<Obj[]>(rt.admin("GET", "/api/status"));
  assert.equal(status!.status, "active");

  // The latest cooldown event now ends at the clear.
  const [event] = await data<Obj[]>(rt.admin("GET", "/api/cooldowns?backend_id=b1"));
  assert.equal(event!.ended_at, new Date(clock.now()).toISOString());
});

// ---------------------------------------------------------------------- config

Deno.test("GET /api/config gives the contract's defaults", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const config = await data(rt.admin("GET", "/api/config"));
  assert.deepEqual(config, {
    cooldown_base_seconds: 5,
    cooldown_max_seconds: 300,
    cooldown_exponential_backoff: true,
    cooldown_precheck_threshold_seconds: 1,
    quota_cooldown_seconds: 3600,
    failure_threshold: 3,
    error_cooldown_seconds: 10,
    max_attempts: 4,
    attempt_timeout_ms: 120000,
    first_chunk_timeout_ms: 60000,
    stream_idle_timeout_ms: 30000,
    request_deadline_ms: 300000,
    max_wait_ms: 0,
    pool_retries: 1,
    max_body_bytes: 33554432,
    usage_retention_days: 30,
  });
  assert.deepEqual(config, DEFAULT_CONFIG);
});

Deno.test("PATCH /api/config stores a partial change, applies it at once and keeps the rest", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const patched = await data(
    rt.admin("PATCH", "/api/config", { max_attempts: 2, cooldown_exponential_backoff: false }),
  );
  assert.deepEqual(patched, {
    ...DEFAULT_CONFIG,
    max_attempts: 2,
    cooldown_exponential_backoff: false,
  });
  assert.deepEqual(await data(rt.admin("GET", "/api/config")), patched);
  assert.deepEqual(rt.deps.store.config.load(), patched);
  assert.equal(rt.deps.registry.config.max_attempts, 2);
  assert.equal(rt.deps.registry.policy.exponential, false);
  // An empty patch changes nothing.
  assert.deepEqual(await data(rt.admin("PATCH", "/api/config", {})), patched);
});

Deno.test("PATCH /api/config of one field keeps the fields patched before", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await data(rt.admin("PATCH", "/api/config", { max_attempts: 2 }));
  const second = await data(rt.admin("PATCH", "/api/config", { failure_threshold: 5 }));
  assert.equal(second.max_attempts, 2);
  assert.equal(second.failure_threshold, 5);
  assert.deepEqual(rt.deps.store.config.load(), {
    ...DEFAULT_CONFIG,
    max_attempts: 2,
    failure_threshold: 5,
  });
  const keys = rt.deps.store.db.prepare("SELECT key FROM config ORDER BY key").all() as {
    key: string;
  }[];
  assert.deepEqual(keys.map((r) => r.key), ["failure_threshold", "max_attempts"]);
});

Deno.test("PATCH /api/config refuses bad values with 400 naming the field, storing nothing", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const before = await snapshot(rt);
  const bad: [unknown, string | null][] = [
    [{ max_attempts: 0 }, "max_attempts"],
    [{ max_attempts: 21 }, "max_attempts"],
    [{ max_attempts: "3" }, "max_attempts"],
    [{ max_attempts: 2.5 }, "max_attempts"],
    [{ max_attempts: null }, "max_attempts"],
    [{ cooldown_base_seconds: -1 }, "cooldown_base_seconds"],
    [{ cooldown_max_seconds: 1e9 }, "cooldown_max_seconds"],
    [{ cooldown_exponential_backoff: "true" }, "cooldown_exponential_backoff"],
    [{ failure_threshold: 0 }, "failure_threshold"],
    [{ attempt_timeout_ms: 50 }, "attempt_timeout_ms"],
    [{ request_deadline_ms: 1e12 }, "request_deadline_ms"],
    [{ max_wait_ms: -1 }, "max_wait_ms"],
    [{ pool_retries: -1 }, "pool_retries"],
    [{ pool_retries: 11 }, "pool_retries"],
    [{ pool_retries: 1.5 }, "pool_retries"],
    [{ max_body_bytes: 10 }, "max_body_bytes"],
    [{ max_body_bytes: 1e12 }, "max_body_bytes"],
    [{ usage_retention_days: 0 }, "usage_retention_days"],
    [{ nonsense: 1 }, "nonsense"],
    // A valid field next to a bad one: neither is stored.
    [{ cooldown_base_seconds: 7, failure_threshold: -3 }, "failure_threshold"],
    [{ max_attempts: 2, extra_field: true }, "extra_field"],
    [[], null],
    [null, null],
    ["max_attempts=2", null],
  ];
  for (const [body, param] of bad) {
    await failure(rt.admin("PATCH", "/api/config", JSON.stringify(body)), 400, param);
  }
  assert.deepEqual(await snapshot(rt), before);
  assert.deepEqual(rt.deps.registry.config, DEFAULT_CONFIG);
  assert.equal(
    (rt.deps.store.db.prepare("SELECT COUNT(*) AS n FROM config").get() as { n: number }).n,
    0,
  );
});

// ------------------------------------------------------------------------ keys
// The client-key routes are in admin_keys_test.ts.

// ------------------------------------------------------------------ body reading

Deno.test("malformed or empty JSON bodies are 400 invalid_request_error and store nothing", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const before = await snapshot(rt);
  const routes: [string, string][] = [
    ["POST", "/api/pools"],
    ["PATCH", "/api/pools/primary"],
    ["POST", "/api/backends"],
    ["PATCH", "/api/config"],
    ["POST", "/api/keys"],
  ];
  for (const [method, path] of routes) {
    for (const body of ["{not json", '{"name": "x",}', "", "\u0000", '{"name":"x"} trailing']) {
      const err = await failure(rt.admin(method, path, body), 400, null);
      assert.equal(err.type, "invalid_request_error");
    }
  }
  assert.deepEqual(await snapshot(rt), before);
});

Deno.test("an admin body over 1 MiB is a 413 and stores nothing", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const before = await snapshot(rt);
  const huge = backendBody({ id: "huge", name: "x".repeat(1024 * 1024 + 1) });
  const err = await failure(
    rt.admin("POST", "/api/backends", huge),
    413,
    null,
    "request_too_large",
  );
  assert.equal(err.type, "invalid_request_error");
  // Declared too large up front, without a body to match.
  const declared = await rt.app.request("/api/pools", {
    method: "POST",
    headers: {
      authorization: "Bearer sc-admin-test-token",
      "content-type": "application/json",
      "content-length": String(2 * 1024 * 1024),
    },
    body: JSON.stringify({ id: "declared", name: "D" }),
  });
  await failure(declared, 413, null, "request_too_large");
  assert.deepEqual(await snapshot(rt), before);
});

// -------------------------------------------------------------- observability

Deno.test("GET /api/status lists a status row per backend", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  assert.deepEqual(await data(rt.admin("GET", "/api/status")), []);
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1", rpm_limit: 60 })), 201);
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b2", enabled: false })), 201);
  rt.deps.registry.report("b1", { kind: "rate_limited" }, clock.now());
  const rows = await data<Obj[]>(rt.admin("GET", "/api/status"));
  const byId = new Map(rows.map((r) => [r.backend_id, r]));
  const b1 = byId.get("b1")!;
  for (
    const key of [
      "backend_id",
      "status",
      "cooldown_until",
      "consecutive_429",
      "failures",
      "rpm_tokens_left",
      "in_flight",
    ]
  ) {
    assert.ok(key in b1, key);
  }
  assert.equal(b1.status, "cooling");
  assert.equal(b1.cooldown_until, new Date(clock.now() + 5000).toISOString());
  assert.equal(b1.consecutive_429, 1);
  assert.equal(b1.rpm_tokens_left, 60);
  assert.equal(b1.in_flight, 0);
  assert.equal(byId.get("b2")!.status, "disabled");
  assert.equal(byId.get("b2")!.rpm_tokens_left, null);

  clock.advance(5000);
  assert.equal(
    (await data<Obj[]>(rt.admin("GET", "/api/status"))).find((r) => r.backend_id === "b1")!.status,
    "active",
  );
});

Deno.test("GET /api/usage aggregates the last day by group_by, including queued writes", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  assert.deepEqual(await data(rt.admin("GET", "/api/usage")), []);
  const now = clock.now();
  const { requests, writes } = rt.deps.store;
  writes.enqueue(() => requests.insert(requestEntry({ id: "r1", ts: now - 1000 })));
  writes.enqueue(() =>
    requests.insert(
      requestEntry({ id: "r2", ts: now - 2000, model: "gpt-4o-mini", latency_ms: 300 }),
    )
  );
  writes.enqueue(() => requests.insert(requestEntry({ id: "r3", ts: now - 2 * 86_400_000 })));
  const rows = await data<Obj[]>(rt.admin("GET", "/api/usage"));
  assert.deepEqual(rows, [{
    key: "b1",
    requests: 2,
    errors: 0,
    prompt_tokens: 20,
    completion_tokens: 10,
    total_tokens: 30,
    cost_usd: 0.00015,
    unpriced_requests: 0,
    avg_latency_ms: 200,
    p95_latency_ms: 300,
  }]);
  const models = await data<Obj[]>(rt.admin("GET", "/api/usage?group_by=model"));
  assert.deepEqual(models.map((r) => r.key), ["gpt-4o", "gpt-4o-mini"]);
  const hours = await data<Obj[]>(rt.admin("GET", "/api/usage?group_by=hour"));
  assert.deepEqual(hours.map((r) => [r.key, r.requests]), [["2026-11-27T09:00:00Z", 2]]);
  for (const g of ["backend", "model", "pool", "key", "hour", "minute"]) {
    await data(rt.admin("GET", `/api/usage?group_by=${g}`));
  }
  // An explicit window, as ISO and as epoch ms.
  const since = new Date(now - 3 * 86_400_000).toISOString();
  const all = await data<Obj[]>(rt.admin("GET", `/api/usage?since=${since}&until=${now}`));
  assert.equal(all[0]!.requests, 3);
  assert.deepEqual(await data(rt.admin("GET", `/api/usage?since=${now}&until=${now + 1000}`)), []);
});

Deno.test("GET /api/usage refuses a bad group_by, since, until or unknown parameter with 400", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await failure(rt.admin("GET", "/api/usage?group_by=color"), 400, "group_by");
  await failure(rt.admin("GET", "/api/usage?group_by="), 400, "group_by");
  await failure(rt.admin("GET", "/api/usage?since=yesterday"), 400, "since");
  await failure(rt.admin("GET", "/api/usage?until=not-a-date"), 400, "until");
  await failure(rt.admin("GET", "/api/usage?groupby=model"), 400, "groupby");
});

Deno.test("GET /api/requests lists newest first, with limit and before paging", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  assert.deepEqual(await data(rt.admin("GET", "/api/requests")), []);
  const now = clock.now();
  for (let i = 0; i < 5; i++) {
    rt.deps.store.writes.enqueue(() =>
      rt.deps.store.requests.insert(requestEntry({ id: `r${i}`, ts: now - (5 - i) * 1000 }))
    );
  }
  const all = await data<Obj[]>(rt.admin("GET", "/api/requests"));
  assert.deepEqual(all.map((r) => r.id), ["r4", "r3", "r2", "r1", "r0"]);
  assert.deepEqual(Object.keys(all[0]!).sort(), [
    "api",
    "attempts",
    "backend_id",
    "completion_tokens",
    "cost_usd",
    "error",
    "id",
    "key_id",
    "latency_ms",
    "model",
    "outcome",
    "pool_id",
    "prompt_tokens",
    "status",
    "stream",
    "total_tokens",
    "ts",
    "ttfb_ms",
    "unpriced",
    "upstream_model",
    "usage_estimated",
  ]);
  const page = await data<Obj[]>(rt.admin("GET", "/api/requests?limit=2"));
  assert.deepEqual(page.map((r) => r.id), ["r4", "r3"]);
  const next = await data<Obj[]>(rt.admin("GET", `/api/requests?limit=2&before=${page[1]!.ts}`));
  assert.deepEqual(next.map((r) => r.id), ["r2", "r1"]);
  const byMs = await data<Obj[]>(rt.admin("GET", `/api/requests?before=${now - 3500}`));
  assert.deepEqual(byMs.map((r) => r.id), ["r1", "r0"]);
});

Deno.test("GET /api/requests refuses a bad limit or before with 400 naming it", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  for (const limit of ["0", "-1", "abc", "1001", "2.5"]) {
    await failure(rt.admin("GET", `/api/requests?limit=${limit}`), 400, "limit");
  }
  await failure(rt.admin("GET", "/api/requests?before=soon"), 400, "before");
  await failure(rt.admin("GET", "/api/requests?offset=10"), 400, "offset");
});

Deno.test("GET /api/cooldowns lists cooldown events, filtered by backend_id", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  assert.deepEqual(await data(rt.admin("GET", "/api/cooldowns")), []);
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })), 201);
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b2" })), 201);
  rt.deps.registry.report("b1", { kind: "rate_limited" }, clock.now());
  rt.deps.registry.report("b2", { kind: "auth" }, clock.now());
  const all = await data<Obj[]>(rt.admin("GET", "/api/cooldowns"));
  assert.deepEqual(all.map((e) => [e.backend_id, e.reason, e.seconds]), [["b2", "auth", 300], [
    "b1",
    "429",
    5,
  ]]);
  assert.deepEqual(all[1], {
    id: 1,
    backend_id: "b1",
    model: null,
    reason: "429",
    consecutive: 1,
    seconds: 5,
    started_at: "2026-11-27T10:00:00.000Z",
    ended_at: "2026-11-27T10:00:05.000Z",
  });
  const b1 = await data<Obj[]>(rt.admin("GET", "/api/cooldowns?backend_id=b1"));
  assert.deepEqual(b1.map((e) => e.backend_id), ["b1"]);
  assert.deepEqual(await data(rt.admin("GET", "/api/cooldowns?backend_id=nobody")), []);
  assert.equal((await data<Obj[]>(rt.admin("GET", "/api/cooldowns?limit=1"))).length, 1);
  await failure(rt.admin("GET", "/api/cooldowns?limit=0"), 400, "limit");
  await failure(rt.admin("GET", "/api/cooldowns?backend_id="), 400, "backend_id");
});

Deno.test("GET /api/status and /api/cooldowns show a model cooling on its own", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  await data(rt.admin("POST", "/api/backends", backendBody({ id: "b1" })), 201);
  const t0 = clock.now();
  rt.deps.registry.report("b1", { kind: "rate_limited" }, t0, "gpt-4o");
  rt.deps.registry.report("b1", { kind: "rate_limited" }, t0, "gpt-4o");
  const [row] = await data<Obj[]>(rt.admin("GET", "/api/status"));
  assert.equal(row!.status, "active", "the backend still serves its other models");
  assert.equal(row!.cooldown_until, null);
  assert.equal(row!.consecutive_429, 2, "the longest streak of the backend or a model");
  assert.deepEqual(row!.models_cooling, [
    { model: "gpt-4o", cooldown_until: new Date(t0 + 10_000).toISOString(), consecutive_429: 2 },
  ]);
  // The second 429 lengthened the running cooldown: one event, its end moved.
  const events = await data<Obj[]>(rt.admin("GET", "/api/cooldowns"));
  assert.deepEqual(events.map((e) => [e.model, e.reason, e.consecutive, e.ended_at]), [
    ["gpt-4o", "429", 1, new Date(t0 + 10_000).toISOString()],
  ]);

  // Clearing the backend clears its models too, and ends their events.
  clock.advance(1_000);
  await data(rt.admin("POST", "/api/backends/b1/clear-cooldown"));
  const [cleared] = await data<Obj[]>(rt.admin("GET", "/api/status"));
  assert.deepEqual(cleared!.models_cooling, []);
  assert.equal(cleared!.consecutive_429, 0);
  const [ended] = await data<Obj[]>(rt.admin("GET", "/api/cooldowns"));
  assert.equal(ended!.ended_at, new Date(clock.now()).toISOString());
});

Deno.test("concurrent POST /api/backends and /api/pools with one id: one 201, every other a 409", async () => {
  await using rt = await startTestRuntime();
  const race = async (path: string, body: (i: number) => Obj) => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => rt.admin("POST", path, body(i))),
    );
    const statuses = await Promise.all(answers.map(async (r) => {
      const json = await r.json();
      if (r.status === 409) assert.equal(json.error.code, "duplicate_id");
      return r.status;
    }));
    assert.deepEqual(
      statuses.filter((s) => s !== 409),
      [201],
      `statuses: ${[...new Set(statuses)].join(", ")}`,
    );
  };
  await race("/api/backends", (i) => ({
    id: "same",
    name: `B${i}`,
    base_url: "http://127.0.0.1:9/v1",
    api_key: `sk-race-${i}`,
    models: ["m"],
  }));
  await race("/api/pools", (i) => ({ id: "same-pool", name: `P${i}` }));
  // No id given: concurrent creates with one name each get their own id.
  const named = await Promise.all(
    Array.from({ length: 10 }, () =>
      rt.admin("POST", "/api/backends", {
        name: "Twin",
        base_url: "http://127.0.0.1:9/v1",
        models: ["m"],
      })),
  );
  assert.deepEqual(named.map((r) => r.status), Array(10).fill(201));
  const ids = await Promise.all(named.map(async (r) => (await r.json()).data.id));
  assert.equal(new Set(ids).size, 10);
});

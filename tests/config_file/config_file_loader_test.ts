/**
 * @module config_file_loader_test
 * ConfigFileLoader on a real runtime: a file's items are applied in one go
 * and marked managed, read-only to the API, dashboard items live beside
 * them, a bad file is refused with the running config kept, and a reload in
 * the middle of a slow upstream request lets that request finish.
 */
import assert from "node:assert/strict";
import { ConfigFileLoader } from "../../src/config_file/config_file_loader.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { ADMIN_TOKEN, startTestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;
const env = (vars: Record<string, string>) => (name: string) => vars[name];

async function json(res: Response | Promise<Response>): Promise<{ status: number; body: Obj }> {
  const r = await res;
  return { status: r.status, body: await r.json() as Obj };
}

function file(upstream: string, extra = ""): string {
  return `settings: { pool_retries: 0 }
pools:
  - { id: team, name: Team, priority: 5 }
backends:
  - { id: b1, base_url: "${upstream}", api_key: "\${B1_KEY}", models: ["*"], pool_id: team }
${extra}`;
}

Deno.test("ConfigFileLoader.load() applies the file, marked managed, read-only to the API", async () => {
  await using rt = await startTestRuntime();
  const path = `${rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(path, file("http://127.0.0.1:9/v1"));
  const loader = new ConfigFileLoader(rt.deps, path, { env: env({ B1_KEY: "sk-one-123456789" }) });
  assert.deepEqual(await loader.load("test"), { applied: true });

  const b1 = await json(rt.admin("GET", "/api/backends/b1"));
  assert.equal(b1.status, 200);
  assert.equal((b1.body.data as Obj).managed, "file");
  assert.equal((b1.body.data as Obj).name, "b1");
  assert.equal(rt.deps.registry.get("b1")?.api_key, "sk-one-123456789");
  assert.equal(((await json(rt.admin("GET", "/api/pools/team"))).body.data as Obj).managed, "file");
  assert.equal(rt.deps.registry.config.pool_retries, 0);

  for (
    const [method, route, body] of [
      ["PATCH", "/api/backends/b1", { weight: 2 }],
      ["DELETE", "/api/backends/b1", undefined],
      ["PATCH", "/api/pools/team", { priority: 1 }],
      ["DELETE", "/api/pools/team", undefined],
      ["PATCH", "/api/config", { pool_retries: 2 }],
    ] as const
  ) {
    const r = await json(rt.admin(method, route, body));
    assert.equal(r.status, 409, `${method} ${route}`);
    const error = r.body.error as Obj;
    assert.equal(error.code, "managed_by_config");
    assert.ok(String(error.message).includes(loader.path), String(error.message));
  }
  // Live state is not config.
  assert.equal((await rt.admin("POST", "/api/backends/b1/clear-cooldown")).status, 200);
  assert.equal((await rt.admin("PATCH", "/api/config", { max_attempts: 3 })).status, 200);

  // A dashboard item lives beside the file's, in the file's pool.
  const dash = await json(rt.admin("POST", "/api/backends", {
    id: "dash",
    name: "Dash",
    base_url: "http://127.0.0.1:9/v1",
    models: ["x"],
    pool_id: "team",
  }));
  assert.equal(dash.status, 201);
  assert.equal((dash.body.data as Obj).managed, null);

  const status = (await json(rt.admin("GET", "/api/config/file"))).body.data as Obj;
  assert.equal(status.path, loader.path);
  assert.match(String(status.loaded_at), /^\d{4}-\d\d-\d\dT/);
  assert.equal(status.error, null);
  assert.deepEqual(status.fields, ["pool_retries"]);
});

Deno.test("ConfigFileLoader.load() refuses a bad file whole and keeps the running config", async () => {
  await using rt = await startTestRuntime();
  const path = `${rt.dataDir}/sidecar.yaml`;
  const vars = env({ B1_KEY: "k" });
  await Deno.writeTextFile(path, file("http://127.0.0.1:9/v1"));
  const loader = new ConfigFileLoader(rt.deps, path, { env: vars });
  await loader.load("test");
  const before = await (await rt.admin("GET", "/api/backends")).text();

  // A good new backend and a bad one: neither is applied.
  await Deno.writeTextFile(
    path,
    file(
      "http://127.0.0.1:9/v1",
      `  - { id: b2, base_url: "http://127.0.0.1:9/v1", models: ["*"] }
  - { id: b3, base_url: "nope", models: ["*"], api_key: "\${MISSING_KEY}" }`,
    ),
  );
  const r = await loader.load("test");
  assert.ok(r && !r.applied);
  assert.equal(await (await rt.admin("GET", "/api/backends")).text(), before);
  assert.equal(rt.deps.registry.get("b2"), undefined);
  const status = (await json(rt.admin("GET", "/api/config/file"))).body.data as Obj;
  assert.ok(String(status.error).includes("backends[2].base_url"), String(status.error));
  assert.ok(String(status.error).includes("MISSING_KEY"), String(status.error));
  assert.ok(status.loaded_at !== null);
  assert.ok(rt.logLines.some((l) => l.includes("config file refused")));
});

Deno.test("ConfigFileLoader.load() deletes what the file dropped and keeps dashboard items", async () => {
  await using rt = await startTestRuntime();
  const path = `${rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(
    path,
    file("http://127.0.0.1:9/v1") +
      `keys:\n  - { id: app, name: App, sha256: "${"b".repeat(64)}" }\n`,
  );
  const loader = new ConfigFileLoader(rt.deps, path, { env: env({ B1_KEY: "k" }) });
  await loader.load("test");
  assert.equal(((await json(rt.admin("GET", "/api/keys"))).body.data as Obj[])[0]!.managed, "file");
  await rt.admin("POST", "/api/keys", { name: "dash" });
  await Deno.writeTextFile(path, "{}");
  assert.deepEqual(await loader.load("test"), { applied: true });
  assert.equal((await rt.admin("GET", "/api/backends/b1")).status, 404);
  assert.equal((await rt.admin("GET", "/api/pools/team")).status, 404);
  const keys = (await json(rt.admin("GET", "/api/keys"))).body.data as Obj[];
  assert.deepEqual(keys.map((k) => k.name), ["dash"]);
  // A setting the file stopped setting reads as its default, and is the dashboard's again.
  assert.equal(rt.deps.registry.config.pool_retries, 1);
  assert.equal((await rt.admin("PATCH", "/api/config", { pool_retries: 2 })).status, 200);
});

Deno.test("a reload in the middle of a slow upstream request lets the request finish", async () => {
  await using upstream = {
    m: await startMockUpstream({
      default: { kind: "stream", chunks: ["one ", "two ", "three"], delayMs: 150 },
    }),
    async [Symbol.asyncDispose]() {
      await this.m.close();
    },
  };
  await using rt = await startTestRuntime();
  const path = `${rt.dataDir}/sidecar.yaml`;
  const vars = env({ B1_KEY: "k1" });
  await Deno.writeTextFile(path, file(upstream.m.url));
  const loader = new ConfigFileLoader(rt.deps, path, { env: vars });
  await loader.load("test");

  const res = await rt.app.request("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(res.status, 200);
  const body = res.text();
  // The request is now streaming from b1; the file moves b1 away and adds b2.
  await Deno.writeTextFile(
    path,
    file(upstream.m.url).replace("id: b1", "id: b2"),
  );
  assert.deepEqual(await loader.load("test"), { applied: true });
  assert.equal(rt.deps.registry.get("b1"), undefined);
  const text = await body;
  assert.ok(text.includes("one ") && text.includes("three") && text.includes("[DONE]"), text);
  assert.equal(res.headers.get("x-sidecar-backend"), "b1");

  // The next request goes to the new backend.
  const next = await rt.app.request("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(next.status, 200);
  assert.equal(next.headers.get("x-sidecar-backend"), "b2");
  await next.body?.cancel();
});

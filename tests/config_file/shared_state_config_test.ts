/**
 * @module shared_state_config_test
 * The config file with shared state (docs/config.md, "With shared state"):
 * with Redis and a file, the file is applied exclusively (rows made in the
 * dashboard are deleted, said in one warning; their request history stays),
 * a file may not lean on a dashboard pool, and every create through the API
 * is a 409 naming the file; with Redis and no file, Sidecar serves as before
 * and says once that each replica routes on its own config. `sidecar config
 * check` with SIDECAR_REDIS_URL checks the file as such a start would.
 */
import assert from "node:assert/strict";
import { configCheckCommand } from "../../src/cli/config_commands.ts";
import { resolveSettings } from "../../src/cli/settings.ts";
import { startConfigFile } from "../../src/config_file/start_config_file.ts";
import { StartupError } from "../../src/errors.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;
const SHA = "ab".repeat(32);

const FILE = `pools:
  - { id: team, priority: 5 }
backends:
  - { id: filed, base_url: "http://127.0.0.1:9/v1", models: ["*"], pool_id: team }
keys:
  - { id: filed-key, name: filed-client, sha256: "${SHA}" }
`;

/** A runtime in Redis mode on a real server, and the path its file goes to. */
async function clustered() {
  const server = await RedisServer.start();
  const rt = await startTestRuntime({
    settings: { redisUrl: server.url, redisPrefix: "t:" },
  });
  return {
    server,
    rt,
    path: `${rt.dataDir}/sidecar.yaml`,
    async [Symbol.asyncDispose]() {
      await rt.close();
      await server[Symbol.asyncDispose]();
    },
  };
}

async function ids(rt: TestRuntime, route: string): Promise<string[]> {
  const res = await rt.admin("GET", route);
  return ((await res.json()).data as Obj[]).map((r) => String(r.id)).sort();
}

const warnings = (rt: TestRuntime, msg: string) =>
  rt.logLines.map((l) => JSON.parse(l) as Obj).filter((l) => l.level === "warn" && l.msg === msg);

const NO_FILE_WARNING =
  "shared state without a config file: each replica routes on its own SQLite config";

Deno.test({
  name:
    "startConfigFile() with shared state applies the file exclusively: dashboard rows are deleted, in one warning, their request history kept",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using t = await clustered();
    const upstream = await startMockUpstream();
    try {
      const { rt } = t;
      // Made before any file: a dashboard pool, backend and key, and a request through them.
      assert.equal(
        (await rt.admin("POST", "/api/pools", { id: "mine", name: "Mine", priority: 20 })).status,
        201,
      );
      const dash = await rt.admin("POST", "/api/backends", {
        id: "dash",
        name: "Dash",
        base_url: upstream.url,
        models: ["*"],
      });
      assert.equal(dash.status, 201);
      const key = (await (await rt.admin("POST", "/api/keys", { name: "dash-client" })).json())
        .data as Obj;
      const chat = () =>
        rt.app.request("/v1/chat/completions", {
          method: "POST",
          headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
        });
      const before = await chat();
      assert.equal(before.status, 200, await before.text());

      await Deno.writeTextFile(t.path, FILE);
      const watch = await startConfigFile(rt.deps, t.path, { env: () => undefined });
      watch?.close();

      assert.deepEqual(await ids(rt, "/api/pools"), ["team"]);
      assert.deepEqual(await ids(rt, "/api/backends"), ["filed"]);
      assert.deepEqual(await ids(rt, "/api/keys"), ["filed-key"]);
      assert.equal(rt.deps.registry.get("dash"), undefined, "not routed");
      assert.equal((await chat()).status, 401, "the dashboard key no longer lets anyone in");
      const said = warnings(
        rt,
        "rows the config file does not list were deleted: with shared state the file is the only source",
      );
      assert.equal(said.length, 1);
      assert.equal(
        said[0]!.removed,
        `backend "dash", pool "primary", pool "mine", pool "fallback", key "${key.id}"`,
      );
      rt.deps.store.flush();
      const history = (await (await rt.admin("GET", "/api/requests")).json()).data as Obj[];
      assert.deepEqual(history.map((r) => [r.backend_id, r.key_id]), [["dash", key.id]]);
    } finally {
      await upstream.close();
    }
  },
});

Deno.test({
  name:
    "startConfigFile() with shared state refuses a file backend in a pool only the database has",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using t = await clustered();
    await Deno.writeTextFile(
      t.path,
      `backends:\n  - { id: filed, base_url: "http://127.0.0.1:9/v1", models: ["*"] }\n`,
    );
    await assert.rejects(
      () => startConfigFile(t.rt.deps, t.path, { env: () => undefined }),
      (err: Error) => {
        assert.ok(err instanceof StartupError);
        assert.match(err.message, /backends\[0\]\.pool_id: No pool "primary" in the file/);
        return true;
      },
    );
    assert.deepEqual(await ids(t.rt, "/api/pools"), ["fallback", "primary"], "nothing applied");
  },
});

Deno.test({
  name:
    "with shared state and a file, every create through the API is a 409 managed_by_config naming the file",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using t = await clustered();
    await Deno.writeTextFile(t.path, FILE);
    (await startConfigFile(t.rt.deps, t.path, { env: () => undefined }))?.close();
    for (
      const [route, body] of [
        ["/api/pools", { id: "mine", name: "Mine" }],
        ["/api/backends", {
          id: "b2",
          name: "B2",
          base_url: "http://127.0.0.1:9/v1",
          models: ["*"],
          pool_id: "team",
        }],
        ["/api/keys", { name: "another" }],
      ] as const
    ) {
      const res = await t.rt.admin("POST", route, body);
      assert.equal(res.status, 409, route);
      const error = (await res.json()).error as Obj;
      assert.equal(error.code, "managed_by_config", route);
      assert.equal(error.type, "conflict_error");
      assert.ok(String(error.message).includes(t.path), String(error.message));
    }
    assert.deepEqual(await ids(t.rt, "/api/keys"), ["filed-key"]);
    // Live state is not config.
    assert.equal((await t.rt.admin("POST", "/api/backends/filed/pause")).status, 200);
  },
});

Deno.test({
  name:
    "with shared state and no file, Sidecar serves on its own SQLite config and says so in one warning",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using t = await clustered();
    assert.equal(await startConfigFile(t.rt.deps, undefined), undefined);
    const said = warnings(t.rt, NO_FILE_WARNING);
    assert.equal(said.length, 1);
    assert.match(String(said[0]!.fix), /--config/);
    assert.equal(
      (await t.rt.admin("POST", "/api/pools", { id: "mine", name: "Mine" })).status,
      201,
    );
  },
});

Deno.test("in process, no file is no warning, and a file keeps dashboard rows beside its own", async () => {
  await using rt = await startTestRuntime();
  assert.equal(await startConfigFile(rt.deps, undefined), undefined);
  assert.equal(warnings(rt, NO_FILE_WARNING).length, 0);
  assert.equal((await rt.admin("POST", "/api/pools", { id: "mine", name: "Mine" })).status, 201);
  const path = `${rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(path, FILE);
  (await startConfigFile(rt.deps, path, { env: () => undefined }))?.close();
  assert.deepEqual(await ids(rt, "/api/pools"), ["fallback", "mine", "primary", "team"]);
  assert.equal((await rt.admin("POST", "/api/keys", { name: "another" })).status, 201);
});

Deno.test("sidecar config check with SIDECAR_REDIS_URL refuses what a shared-state start would", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-check-" });
  try {
    const path = `${dir}/sidecar.yaml`;
    // No pools: the backend lands in "primary", which a new database has.
    await Deno.writeTextFile(
      path,
      `backends:\n  - { id: filed, base_url: "http://127.0.0.1:9/v1", models: ["*"] }\n`,
    );
    const check = async (vars: Record<string, string>) => {
      const err: string[] = [];
      const env = (name: string) => ({ SIDECAR_DATA_DIR: dir, ...vars })[name];
      const code = await configCheckCommand(
        resolveSettings(["config", "check", path], env),
        env,
        { out: () => {}, err: (t) => err.push(t) },
      );
      return { code, err: err.join("\n") };
    };
    assert.equal((await check({})).code, 0);
    const shared = await check({ SIDECAR_REDIS_URL: "redis://127.0.0.1:6399" });
    assert.equal(shared.code, 2);
    assert.match(shared.err, /backends\[0\]\.pool_id: No pool "primary" in the file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

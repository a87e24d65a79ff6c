/**
 * @module config_file_process_test
 * The config file end to end on a real `sidecar` process: started with
 * `--config`, serving a backend from the file through a loopback upstream,
 * showing it managed and refusing a PATCH; reloads on SIGHUP and on a file
 * change, a bad file refused with the old config kept; `config check`,
 * `config export` and `key new` as an operator runs them.
 */
import assert from "node:assert/strict";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { adminCall, runSidecar, sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";
import { until } from "../helpers/until.ts";

const ADMIN = "sc-admin-config-file-test";
const UPSTREAM_KEY = "sk-upstream-secret-4242";

type Obj = Record<string, unknown>;

/** Writes by rename, as editors and Kubernetes do. */
async function replaceFile(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path + ".tmp", text);
  await Deno.rename(path + ".tmp", path);
}

const backendLine = (id: string, url: string) =>
  `  - { id: ${id}, base_url: "${url}", api_key: "\${UP_KEY}", models: ["*"] }\n`;

Deno.test("sidecar --config serves the file's items, reloads them, refuses a bad file", async () => {
  const upstream = await startMockUpstream({ name: "up" });
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-cfg-data-" });
  const cfgDir = await Deno.makeTempDir({ prefix: "sidecar-cfg-" });
  const path = `${cfgDir}/sidecar.yaml`;
  const env = sidecarEnv({ SIDECAR_ADMIN_TOKEN: ADMIN, UP_KEY: UPSTREAM_KEY });
  try {
    // key new: a secret and the line to paste.
    const made = await runSidecar(["key", "new", "--name", "my app"], env);
    assert.equal(made.code, 0, made.stderr);
    const [secret, keyLine] = made.stdout.trim().split("\n");
    assert.match(secret!, /^sk-sc-[A-Za-z0-9_-]{43}$/);
    assert.match(
      keyLine!,
      /^- \{ id: key_[0-9a-f]{12}, name: "my app", sha256: "[0-9a-f]{64}" \}$/,
    );

    const base = `settings: { max_attempts: 2 }\nbackends:\n${backendLine("b1", upstream.url)}`;
    await Deno.writeTextFile(path, `${base}keys:\n  ${keyLine}\n`);

    const checked = await runSidecar(["config", "check", path], env);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /valid \(1 settings, 0 pools, 1 backends, 1 keys\)/);

    await using sc = await SidecarProcess.start(dataDir, env, ["--config", path]);
    const api = (method: string, route: string, body?: unknown) =>
      adminCall(sc.url, ADMIN, method, route, body);

    const b1 = await api("GET", "/api/backends/b1");
    assert.equal(b1.status, 200);
    assert.equal((b1.json.data as Obj).managed, "file");
    const patch = await api("PATCH", "/api/backends/b1", { weight: 3 });
    assert.equal(patch.status, 409);
    assert.equal((patch.json.error as Obj).code, "managed_by_config");
    assert.ok(String((patch.json.error as Obj).message).includes(path));

    // The key from `key new` authenticates, and b1 serves with the key from the environment.
    const chat = await fetch(`${sc.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(chat.status, 200, await chat.clone().text());
    assert.equal(chat.headers.get("x-sidecar-backend"), "b1");
    await chat.body?.cancel();
    assert.equal(upstream.requests.at(-1)?.headers.get("authorization"), `Bearer ${UPSTREAM_KEY}`);

    // SIGHUP right after the change: it reloads before the watch's debounce.
    await replaceFile(path, `${base}${backendLine("b2", upstream.url)}keys:\n  ${keyLine}\n`);
    sc.signal("SIGHUP");
    await until(
      "b2 after SIGHUP",
      async () => (await api("GET", "/api/backends/b2")).status === 200,
    );

    // A change alone is picked up by the watch.
    await replaceFile(
      path,
      `${base}${backendLine("b2", upstream.url)}${
        backendLine("b3", upstream.url)
      }keys:\n  ${keyLine}\n`,
    );
    await until(
      "b3 after the file changed",
      async () => (await api("GET", "/api/backends/b3")).status === 200,
    );

    // A bad file is refused; the running config is kept and the error shown.
    await replaceFile(path, `${base}${backendLine("b4", "not a url")}`);
    await until("the refusal", async () => {
      const s = await api("GET", "/api/config/file");
      return typeof (s.json.data as Obj | null)?.error === "string";
    });
    const status = (await api("GET", "/api/config/file")).json.data as Obj;
    assert.ok(String(status.error).includes("backends[1].base_url"), String(status.error));
    assert.equal((await api("GET", "/api/backends/b3")).status, 200);
    assert.equal((await api("GET", "/api/backends/b4")).status, 404);

    // Export while it runs: no provider key in clear, and it checks once its variables are set.
    const exported = await runSidecar(["config", "export", "--data-dir", dataDir], env);
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(!exported.stdout.includes(UPSTREAM_KEY));
    assert.match(exported.stdout, /api_key: \$\{SIDECAR_KEY_B1\}/);
    const exportPath = `${cfgDir}/exported.yaml`;
    await Deno.writeTextFile(exportPath, exported.stdout);
    const unset = await runSidecar(["config", "check", exportPath, "--data-dir", dataDir], env);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /SIDECAR_KEY_B1 is not set/);
    const vars = { SIDECAR_KEY_B1: "a", SIDECAR_KEY_B2: "b", SIDECAR_KEY_B3: "c" };
    const roundTrip = await runSidecar(
      ["config", "check", exportPath, "--data-dir", dataDir],
      { ...env, ...vars },
    );
    assert.equal(roundTrip.code, 0, roundTrip.stderr);

    const bad = await runSidecar(["config", "check", path], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^backends\[1\]\.base_url: /m);
    assert.equal(bad.stdout, "");

    await sc.kill();
    const [stdout] = await sc.output();
    assert.match(stdout, /"config file applied".*"reason":"SIGHUP"/);
    assert.match(stdout, /"config file applied".*"reason":"file changed"/);
    assert.match(stdout, /"config file refused; the running config is kept"/);
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(cfgDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("sidecar --config with a bad file does not start, and says why", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-cfg-data-" });
  const path = `${dataDir}/bad.yaml`;
  await Deno.writeTextFile(
    path,
    'backends:\n  - { id: x, base_url: http://a/v1, models: [m], api_key: "${NOPE}" }\n',
  );
  try {
    const r = await runSidecar(["serve", "--port", "0", "--data-dir", dataDir, "--config", path]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /backends\[0\]\.api_key: Environment variable NOPE is not set/);
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

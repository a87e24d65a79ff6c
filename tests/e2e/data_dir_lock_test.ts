/**
 * @module data_dir_lock_test
 * One process owns a data dir: `sidecar rotate-key` and a second server
 * are refused while a server runs on it (exit 2, a clear message, nothing
 * changed), and a server killed with SIGKILL leaves no stale lock behind.
 */
import assert from "node:assert/strict";
import { adminCall, runSidecar, sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";

const TOKEN = "sc-admin-e2e-lock";
const ENV = sidecarEnv({ SIDECAR_ADMIN_TOKEN: TOKEN, SIDECAR_LOG_LEVEL: "error" });
const BACKEND = {
  id: "b1",
  name: "B1",
  base_url: "http://127.0.0.1:9/v1",
  api_key: "sk-lock-test-0000000000",
  models: ["m"],
};

function snapshot(dir: string): { key: string; db: Uint8Array } {
  return {
    key: Deno.readTextFileSync(`${dir}/master.key`),
    db: Deno.readFileSync(`${dir}/sidecar.db`),
  };
}

Deno.test("sidecar rotate-key against a running server is refused with exit 2; nothing changes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-lock-" });
  try {
    {
      await using server = await SidecarProcess.start(dir, ENV);
      const created = await adminCall(server.url, TOKEN, "POST", "/api/backends", BACKEND);
      assert.equal(created.status, 201);
      const before = Deno.readTextFileSync(`${dir}/master.key`);

      const out = await runSidecar(["rotate-key", "--data-dir", dir], ENV);
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /in use by a running Sidecar.*stop it/i);
      assert.doesNotMatch(out.stderr, /^\s+at /m);
      assert.equal(Deno.readTextFileSync(`${dir}/master.key`), before);
      assert.throws(() => Deno.statSync(`${dir}/master.key.new`), Deno.errors.NotFound);

      // The server still seals under the key it has, and the next start opens it.
      const more = await adminCall(server.url, TOKEN, "POST", "/api/backends", {
        ...BACKEND,
        id: "b2",
      });
      assert.equal(more.status, 201, JSON.stringify(more.json));
      await server.kill();
    }
    // kill -9 left no stale lock: rotation now runs, and the server starts on the new key.
    const rotated = await runSidecar(["rotate-key", "--data-dir", dir], ENV);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /Re-encrypted 2 provider key/);
    await using server = await SidecarProcess.start(dir, ENV);
    const list = await adminCall(server.url, TOKEN, "GET", "/api/backends");
    assert.equal((list.json.data as unknown[]).length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sidecar serve on a data dir another server holds is refused with exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-lock-" });
  try {
    await using server = await SidecarProcess.start(dir, ENV);
    const before = snapshot(dir);
    const out = await runSidecar(["serve", "--port", "0", "--data-dir", dir], ENV);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /in use by a running Sidecar/i);
    assert.doesNotMatch(out.stdout, /listening on/);
    assert.equal(snapshot(dir).key, before.key);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200, "the first server is unharmed");
    await health.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

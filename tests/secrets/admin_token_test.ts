/**
 * @module admin_token_test
 * Admin token resolution: env wins; otherwise generated once, shown once,
 * and only its hash stored.
 */
import assert from "node:assert/strict";
import { resolveAdminToken } from "../../src/secrets/admin_token.ts";
import { sha256Hex } from "../../src/secrets/token_hash.ts";
import { openDatabase } from "../../src/store/database.ts";
import { createStore } from "../../src/store/store.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";

function metaValues(store: ReturnType<typeof createStore>): string[] {
  return (store.db.prepare("SELECT value FROM meta").all() as { value: string }[]).map((r) =>
    r.value
  );
}

Deno.test("resolveAdminToken() uses the env token's hash and stores nothing", () => {
  const store = createStore(openDatabase(":memory:"));
  try {
    const t = resolveAdminToken(store.meta, "env-admin-secret");
    assert.deepEqual(t, { hash: sha256Hex("env-admin-secret") });
    assert.equal(store.meta.get("admin_token_hash"), undefined);
  } finally {
    store.close();
  }
});

Deno.test("resolveAdminToken() generates a token once and stores only its hash", () => {
  const store = createStore(openDatabase(":memory:"));
  try {
    const first = resolveAdminToken(store.meta, undefined);
    assert.ok(first.generated);
    assert.match(first.generated, /^sc-admin-[A-Za-z0-9_-]{43}$/);
    assert.equal(first.hash, sha256Hex(first.generated));
    assert.equal(store.meta.get("admin_token_hash"), first.hash);
    assert.ok(!metaValues(store).some((v) => v.includes(first.generated!)));

    const second = resolveAdminToken(store.meta, undefined);
    assert.deepEqual(second, { hash: first.hash }, "no new token on the second start");
    const third = resolveAdminToken(store.meta, "");
    assert.deepEqual(third, { hash: first.hash }, "an empty env value counts as unset");
  } finally {
    store.close();
  }
});

Deno.test("resolveAdminToken() lets the env token win over a stored hash", () => {
  const store = createStore(openDatabase(":memory:"));
  try {
    const generated = resolveAdminToken(store.meta, undefined);
    const env = resolveAdminToken(store.meta, "from-env");
    assert.deepEqual(env, { hash: sha256Hex("from-env") });
    assert.equal(store.meta.get("admin_token_hash"), generated.hash, "the stored hash is kept");
  } finally {
    store.close();
  }
});

Deno.test("boot() generates the admin token on first start only; the token keeps working", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-admin-token-test-" });
  try {
    const first = await startTestRuntime({ dataDir: dir, settings: { adminToken: undefined } });
    const token = first.runtime.admin.generated;
    await first.close();
    assert.ok(token);

    await using second = await startTestRuntime({
      dataDir: dir,
      settings: { adminToken: undefined },
    });
    assert.equal(second.runtime.admin.generated, undefined);
    assert.equal(second.deps.keyRing.isAdmin(token), true);
    const res = await second.app.request("/api/pools", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.ok(!second.logLines.some((l) => l.includes(token)), "the token is never logged");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("boot() with SIDECAR_ADMIN_TOKEN set accepts that token and not the stored one", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-admin-token-test-" });
  try {
    const first = await startTestRuntime({ dataDir: dir, settings: { adminToken: undefined } });
    const generated = first.runtime.admin.generated!;
    await first.close();

    await using second = await startTestRuntime({
      dataDir: dir,
      settings: { adminToken: "env-wins" },
    });
    assert.equal(second.deps.keyRing.isAdmin("env-wins"), true);
    assert.equal(second.deps.keyRing.isAdmin(generated), false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

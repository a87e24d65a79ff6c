/**
 * @module backend_repo_test
 * The backends table's `api` column on a real SQLite file: stored and read
 * back, and a backend stored before migration v9 comes up as openai.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/store/database.ts";
import { migrate, MIGRATIONS } from "../../src/store/migrations.ts";
import { createStore } from "../../src/store/store.ts";
import { backendFields, tempStore } from "./temp_store.ts";

const NOW = "2026-11-27T10:00:00Z";

Deno.test("BackendRepo stores api on insert and update", () => {
  using s = tempStore();
  const { backends } = s.store;
  assert.ok(backends.insert("claude", { ...backendFields(), api: "anthropic" }, NOW));
  assert.equal(backends.get("claude")!.api, "anthropic");
  backends.update("claude", { ...backendFields(), api: "openai" }, NOW);
  assert.equal(backends.get("claude")!.api, "openai");
});

Deno.test("a backend stored before migration v9 comes up speaking openai", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-backend-migration-" });
  try {
    const path = `${dir}/sidecar.db`;
    const old = new DatabaseSync(path);
    for (let v = 0; v < 8; v++) old.exec(MIGRATIONS[v]!);
    old.exec("PRAGMA user_version = 8");
    old.exec(`INSERT INTO backends (id, name, base_url, api_key_enc, api_key_hint, pool_id,
        models, model_map, weight, rpm_limit, tpm_limit, enabled, created_at, updated_at)
      VALUES ('old', 'Old', 'https://api.openai.com/v1', 'v1:x', '', 'primary', '["m"]', '{}',
        1, NULL, NULL, 1, '${NOW}', '${NOW}')`);
    old.close();
    const store = createStore(openDatabase(path));
    try {
      assert.equal(migrate(store.db), MIGRATIONS.length);
      const row = store.backends.get("old")!;
      assert.equal(row.api, "openai");
      assert.equal(row.base_url, "https://api.openai.com/v1", "the URL is left as stored");
    } finally {
      store.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

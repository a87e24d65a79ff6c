/**
 * @module client_key_repo_test
 * Client-key rows on a real SQLite file: the policy round-trips (globs,
 * metadata as sent), a use is never moved back by a late write, and a key
 * stored before migration v7 comes up with no policy at all.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DEFAULT_POLICY } from "../../src/keys/key_policy.ts";
import { openDatabase } from "../../src/store/database.ts";
import { migrate, MIGRATIONS } from "../../src/store/migrations.ts";
import { createStore } from "../../src/store/store.ts";
import { keyRow } from "../helpers/key_row.ts";
import { tempStore } from "./temp_store.ts";

const POLICY = {
  models: ["gpt-4o*", "claude-*"],
  rpm_limit: 60,
  tpm_limit: 1000,
  max_concurrent: 2,
  budget_usd: 12.5,
  budget_period: "week" as const,
  expires_at: "2027-01-01T00:00:00Z",
  enabled: false,
  metadata: JSON.parse('{"__proto__":{"x":1},"team":"a"}'),
};

Deno.test("ClientKeyRepo stores the policy and reads it back as given, an own __proto__ key included", () => {
  using s = tempStore();
  const { last_used_at: _l, managed: _m, ...row } = keyRow("k1", "h1", POLICY);
  assert.ok(s.store.keys.insert(row));
  assert.equal(s.store.keys.insert({ ...row, id: "k2" }), false, "the same hash twice");
  const got = s.store.keys.get("k1")!;
  assert.deepEqual({ ...got, metadata: undefined }, {
    ...keyRow("k1", "h1", POLICY),
    metadata: undefined,
  });
  assert.equal(JSON.stringify(got.metadata), '{"__proto__":{"x":1},"team":"a"}');
  s.store.keys.update("k1", { name: "n", key_hash: "h2", key_hint: "…2", ...DEFAULT_POLICY });
  assert.deepEqual(s.store.keys.get("k1"), {
    ...keyRow("k1", "h2"),
    name: "n",
    key_hint: "…2",
  });
});

Deno.test("ClientKeyRepo.touch() only moves last_used_at forward", () => {
  using s = tempStore();
  const { last_used_at: _l, managed: _m, ...row } = keyRow("k1", "h1");
  s.store.keys.insert(row);
  s.store.keys.touch("k1", "2026-11-27T10:00:05Z");
  s.store.keys.touch("k1", "2026-11-27T10:00:01Z");
  assert.equal(s.store.keys.get("k1")!.last_used_at, "2026-11-27T10:00:05Z");
  s.store.keys.touch("k1", "2026-11-27T10:01:00Z");
  assert.equal(s.store.keys.get("k1")!.last_used_at, "2026-11-27T10:01:00Z");
  s.store.keys.touch("gone", "2026-11-27T10:02:00Z");
});

Deno.test("a key stored before migration v7 comes up enabled, with no limits and empty metadata", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-key-migration-" });
  try {
    const path = `${dir}/sidecar.db`;
    const old = new DatabaseSync(path);
    for (let v = 0; v < 6; v++) old.exec(MIGRATIONS[v]!);
    old.exec("PRAGMA user_version = 6");
    old.exec(`INSERT INTO client_keys (id, name, key_hash, key_hint, created_at)
      VALUES ('key_old', 'old', 'hash', 'sk-…abcd', '2026-01-01T00:00:00Z')`);
    old.close();
    const store = createStore(openDatabase(path));
    try {
      assert.equal(migrate(store.db), MIGRATIONS.length);
      assert.deepEqual(store.keys.get("key_old"), {
        ...keyRow("key_old", "hash"),
        name: "old",
        key_hint: "sk-…abcd",
        created_at: "2026-01-01T00:00:00Z",
      });
    } finally {
      store.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

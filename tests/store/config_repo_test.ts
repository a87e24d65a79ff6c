/**
 * @module config_repo_test
 * The stored gateway config: defaults, patches, and fields from other versions.
 */
import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../../src/gateway_config.ts";
import { tempStore } from "./temp_store.ts";

Deno.test("ConfigRepo.load() gives the defaults on a new database", () => {
  using t = tempStore();
  assert.deepEqual(t.store.config.load(), DEFAULT_CONFIG);
});

Deno.test("ConfigRepo.save() stores only the patched fields and load() merges them", () => {
  using t = tempStore();
  t.store.config.save({ max_attempts: 2, cooldown_exponential_backoff: false });
  t.store.config.save({ max_wait_ms: 500 });
  assert.deepEqual(t.store.config.load(), {
    ...DEFAULT_CONFIG,
    max_attempts: 2,
    cooldown_exponential_backoff: false,
    max_wait_ms: 500,
  });
  const rows = t.store.db.prepare("SELECT key FROM config ORDER BY key").all() as { key: string }[];
  assert.deepEqual(rows.map((r) => r.key), [
    "cooldown_exponential_backoff",
    "max_attempts",
    "max_wait_ms",
  ]);
});

Deno.test("ConfigRepo.load() ignores a stored field this version does not know", () => {
  using t = tempStore();
  t.store.db.prepare("INSERT INTO config (key, value) VALUES (?, ?)").run("retired_field", "1");
  assert.deepEqual(t.store.config.load(), DEFAULT_CONFIG);
});

/**
 * @module resume_mark_repo_test
 * Stored not-resumable marks on a real temp file, and migration v4 on a
 * file that already holds backends.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/store/database.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { createStore } from "../../src/store/store.ts";
import { backendFields, tempStore } from "./temp_store.ts";

const NOW_ISO = "2026-11-27T10:00:00Z";
const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

Deno.test("ResumeMarkRepo.save() / loadAll() round-trip, oldest first, one row per pair", () => {
  using t = tempStore();
  const { store } = t;
  store.backends.insert("b1", backendFields(), NOW_ISO);
  store.backends.insert("b2", backendFields(), NOW_ISO);
  store.resumeMarks.save({ backendId: "b1", model: "gpt-4o", markedAt: T0 + 5 });
  store.resumeMarks.save({ backendId: "b2", model: "llama", markedAt: T0 });
  store.resumeMarks.save({ backendId: "b1", model: "gpt-4o", markedAt: T0 + 9 });
  assert.deepEqual(store.resumeMarks.loadAll(), [
    { backendId: "b2", model: "llama", markedAt: T0 },
    { backendId: "b1", model: "gpt-4o", markedAt: T0 + 9 },
  ]);
});

Deno.test("ResumeMarkRepo.clear() removes one backend's marks; deleting a backend removes its own", () => {
  using t = tempStore();
  const { store } = t;
  for (const id of ["b1", "b2", "b3"]) {
    store.backends.insert(id, backendFields(), NOW_ISO);
    store.resumeMarks.save({ backendId: id, model: "m", markedAt: T0 });
  }
  assert.equal(store.resumeMarks.clear("b1"), 1);
  store.backends.remove("b2");
  assert.deepEqual(store.resumeMarks.loadAll().map((m) => m.backendId), ["b3"]);
});

Deno.test("ResumeMarkRepo.save() for a backend deleted meanwhile writes nothing and does not fail", () => {
  using t = tempStore();
  const { store } = t;
  store.transaction(() => store.resumeMarks.save({ backendId: "gone", model: "m", markedAt: T0 }));
  assert.deepEqual(store.resumeMarks.loadAll(), []);
});

Deno.test("migration v4 keeps existing backends, each with resume 'off'", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-resume-migration-test-" });
  try {
    const path = `${dir}/sidecar.db`;
    const v4 = MIGRATIONS.findIndex((m) => m.includes("resume_marks"));
    assert.ok(v4 > 0);
    const old = new DatabaseSync(path);
    for (const m of MIGRATIONS.slice(0, v4)) old.exec(m);
    old.exec(`PRAGMA user_version = ${v4}`);
    old.exec(
      `INSERT INTO backends (id, name, base_url, api_key_enc, api_key_hint, pool_id, models,
         model_map, weight, enabled, created_at, updated_at)
       VALUES ('b1', 'B', 'http://x', 'sealed', 'sk-…', 'primary', '["gpt-4o"]', '{}', 1, 1, '', '')`,
    );
    old.close();

    const store = createStore(openDatabase(path));
    try {
      const [b] = store.backends.list();
      assert.equal(b?.id, "b1");
      assert.equal(b?.resume, "off");
      assert.deepEqual(store.resumeMarks.loadAll(), []);
      store.backends.update("b1", { ...backendFields(), resume: "prefill" }, NOW_ISO);
      assert.equal(store.backends.get("b1")?.resume, "prefill");
    } finally {
      store.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

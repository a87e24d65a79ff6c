/**
 * @module migrations_test
 * Schema migrations on real temp files: fresh, older, re-run and newer databases.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StartupError } from "../../src/errors.ts";
import { openDatabase } from "../../src/store/database.ts";
import { migrate, MIGRATIONS } from "../../src/store/migrations.ts";
import { createStore } from "../../src/store/store.ts";
import { backendFields } from "./temp_store.ts";

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

function tables(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  ).all() as { name: string }[]).map((r) => r.name);
}

function withTempDir(fn: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-migrations-test-" });
  try {
    fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("openDatabase() brings a fresh file to user_version = MIGRATIONS.length", () => {
  withTempDir((dir) => {
    const db = openDatabase(`${dir}/sidecar.db`);
    try {
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.deepEqual(tables(db), [
        "auth_failures",
        "backend_state",
        "backends",
        "client_keys",
        "config",
        "cooldown_events",
        "key_spend",
        "meta",
        "pools",
        "prices",
        "requests",
        "resume_marks",
        "sessions",
      ]);
    } finally {
      db.close();
    }
  });
});

Deno.test("openDatabase() seeds the pools primary (priority 0) and fallback (priority 100)", () => {
  withTempDir((dir) => {
    const store = createStore(openDatabase(`${dir}/sidecar.db`));
    try {
      const pools = store.pools.list().map((p) => ({ id: p.id, priority: p.priority }));
      assert.deepEqual(pools, [{ id: "primary", priority: 0 }, { id: "fallback", priority: 100 }]);
      for (const p of store.pools.list()) {
        assert.match(p.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
    } finally {
      store.close();
    }
  });
});

Deno.test("openDatabase() migrates an older file at user_version 0 with no tables", () => {
  withTempDir((dir) => {
    const path = `${dir}/sidecar.db`;
    const old = new DatabaseSync(path);
    old.exec("PRAGMA user_version = 0");
    assert.deepEqual(tables(old), []);
    old.close();

    const db = openDatabase(path);
    try {
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.ok(tables(db).includes("backends"));
    } finally {
      db.close();
    }
  });
});

Deno.test("migrate() on an up-to-date file changes nothing and keeps the data", () => {
  withTempDir((dir) => {
    const path = `${dir}/sidecar.db`;
    const first = createStore(openDatabase(path));
    first.pools.insert("extra", { name: "Extra", priority: 5 }, "2026-01-01T00:00:00Z");
    first.backends.insert("b1", backendFields(), "2026-01-01T00:00:00Z");
    first.close();

    const db = openDatabase(path);
    try {
      assert.equal(migrate(db), MIGRATIONS.length);
      assert.equal(userVersion(db), MIGRATIONS.length);
      const store = createStore(db);
      assert.deepEqual(store.pools.list().map((p) => p.id), ["primary", "extra", "fallback"]);
      assert.equal(store.backends.list().length, 1);
    } finally {
      db.close();
    }
  });
});

Deno.test("openDatabase() refuses a database newer than the code, leaving it untouched", () => {
  withTempDir((dir) => {
    const path = `${dir}/sidecar.db`;
    const future = new DatabaseSync(path);
    future.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    future.close();

    assert.throws(() => openDatabase(path), (err) => {
      assert.ok(err instanceof StartupError);
      assert.match(err.message, /newer than this Sidecar/);
      assert.ok(err.message.includes(String(MIGRATIONS.length + 1)));
      return true;
    });
    const check = new DatabaseSync(path);
    try {
      assert.equal(userVersion(check), MIGRATIONS.length + 1);
      assert.deepEqual(tables(check), []);
    } finally {
      check.close();
    }
  });
});

Deno.test("migrate() to scoped cooldowns keeps an old 429 cooldown as a backend-wide one", () => {
  withTempDir((dir) => {
    const path = `${dir}/sidecar.db`;
    const scoped = MIGRATIONS.findIndex((m) => m.includes("backend_state_scoped"));
    assert.ok(scoped > 0);
    // A file at the version before: one row per backend, its 429 cooldown backend-wide.
    const old = new DatabaseSync(path);
    old.exec("PRAGMA foreign_keys = ON");
    for (const m of MIGRATIONS.slice(0, scoped)) old.exec(m);
    old.exec(`PRAGMA user_version = ${scoped}`);
    old.exec(
      `INSERT INTO backends (id, name, base_url, api_key_enc, api_key_hint, pool_id, models,
         model_map, weight, enabled, created_at, updated_at)
       VALUES ('b1', 'B', 'http://x', 'sealed', 'sk-…', 'primary', '["gpt-4o"]', '{}', 1, 1, '', '')`,
    );
    const health = { state: "cooling", reason: "429", since: 1_000, until: 9_000 };
    old.prepare(
      "INSERT INTO backend_state (backend_id, health, consecutive_429, failures) VALUES (?, ?, 3, 1)",
    ).run("b1", JSON.stringify(health));
    old.exec(
      `INSERT INTO cooldown_events (backend_id, reason, consecutive, seconds, started_at, ended_at)
       VALUES ('b1', '429', 3, 8, 1000, 9000)`,
    );
    old.close();

    const store = createStore(openDatabase(path));
    try {
      assert.equal(userVersion(store.db), MIGRATIONS.length);
      assert.deepEqual(
        store.health.loadAll(),
        new Map([["b1", {
          health,
          consecutive429: 3,
          failures: 1,
        }]]),
      );
      assert.equal(store.health.events(10)[0]?.model, null);
      // The new shape: a pair beside the backend row.
      store.health.save("b1", {
        health: { state: "cooling", reason: "429", since: 2_000, until: 7_000 },
        consecutive429: 1,
        failures: 0,
      }, "gpt-4o");
      assert.equal(store.health.loadAll().get("b1")?.models?.size, 1);
    } finally {
      store.close();
    }
  });
});

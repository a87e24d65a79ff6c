/**
 * @module database_test
 * openDatabase() pragmas and its start-up errors; transaction() semantics.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StartupError } from "../../src/errors.ts";
import { transaction } from "../../src/store/connection.ts";
import { openDatabase } from "../../src/store/database.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";
import { backendFields, tempStore } from "./temp_store.ts";

Deno.test("openDatabase() on a file that is not SQLite throws a StartupError naming the file", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-db-test-" });
  try {
    for (
      const [name, text] of [["long.db", "not a database at all\n".repeat(100)], ["short.db", "hi"]]
    ) {
      const path = `${dir}/${name}`;
      Deno.writeTextFileSync(path, text!);
      assert.throws(() => openDatabase(path), (err) => {
        assert.ok(err instanceof StartupError);
        assert.equal(err.message, `"${path}" is not a SQLite database`);
        return true;
      });
      // The operator's file is left as it was.
      assert.equal(Deno.readTextFileSync(path), text);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openDatabase() on a directory or a missing parent throws a StartupError", () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-db-test-" });
  try {
    for (const path of [dir, `${dir}/missing/sidecar.db`]) {
      assert.throws(() => openDatabase(path), (err) => {
        assert.ok(err instanceof StartupError);
        assert.ok(err.message.includes(`"${path}"`), err.message);
        return true;
      });
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openDatabase() turns on WAL journaling for a file", () => {
  using t = tempStore();
  const mode = t.store.db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
  assert.equal(mode.journal_mode, "wal");
  t.store.pools.insert("p", { name: "P", priority: 1 }, "2026-01-01T00:00:00Z");
  assert.ok(Deno.statSync(`${t.path}-wal`).isFile);
  // WAL is a property of the file: a second connection sees it too.
  const other = new DatabaseSync(t.path);
  try {
    assert.equal(
      (other.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode,
      "wal",
    );
  } finally {
    other.close();
  }
});

Deno.test("openDatabase() works on :memory:", () => {
  const db = openDatabase(":memory:");
  try {
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM pools").get() as { n: number }).n, 2);
  } finally {
    db.close();
  }
});

Deno.test("openDatabase() turns on foreign keys: unknown pool refused, non-empty pool kept", () => {
  using t = tempStore();
  const { store } = t;
  assert.equal(
    (store.db.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number }).foreign_keys,
    1,
  );
  assert.throws(
    () => store.backends.insert("b0", backendFields("nope"), "2026-01-01T00:00:00Z"),
    /FOREIGN KEY/,
  );
  store.backends.insert("b1", backendFields("primary"), "2026-01-01T00:00:00Z");
  assert.throws(() => store.pools.remove("primary"), /FOREIGN KEY/);
  assert.ok(store.pools.get("primary"));
});

Deno.test("openDatabase() foreign keys: deleting a backend cascades to its health row", () => {
  using t = tempStore();
  const { store } = t;
  store.backends.insert("b1", backendFields(), "2026-01-01T00:00:00Z");
  store.health.save("b1", { health: { state: "healthy" }, consecutive429: 2, failures: 1 });
  assert.equal(store.health.loadAll().size, 1);
  store.backends.remove("b1");
  assert.equal(store.health.loadAll().size, 0);
});

Deno.test("transaction() commits on success and returns the result", () => {
  using t = tempStore();
  const { store } = t;
  const out = transaction(store.db, () => {
    store.pools.insert("a", { name: "A", priority: 1 }, "2026-01-01T00:00:00Z");
    return 42;
  });
  assert.equal(out, 42);
  assert.ok(store.pools.get("a"));
});

Deno.test("transaction() rolls back everything when fn throws, and rethrows", () => {
  using t = tempStore();
  const { store } = t;
  const boom = new Error("boom");
  assert.throws(
    () =>
      transaction(store.db, () => {
        store.pools.insert("a", { name: "A", priority: 1 }, "2026-01-01T00:00:00Z");
        throw boom;
      }),
    (err) => err === boom,
  );
  assert.equal(store.pools.get("a"), undefined);
  assert.equal(store.db.isTransaction, false);
});

Deno.test("Store.checkpoint() moves the WAL into the file; SQLite never checkpoints on its own", () => {
  using t = tempStore();
  const db = t.store.db;
  const auto = db.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number };
  assert.equal(auto.wal_autocheckpoint, 0);
  // Enough commits to pass SQLite's default 1,000-page threshold many times over.
  for (let i = 0; i < 100; i++) {
    t.store.transaction(() => {
      for (let j = 0; j < 200; j++) t.store.meta.put(`k${i}-${j}`, "x".repeat(200));
    });
  }
  const walBefore = Deno.statSync(`${t.path}-wal`).size;
  assert.ok(walBefore > 4096 * 1000, `WAL is ${walBefore} bytes`);
  const fileBefore = Deno.statSync(t.path).size;
  assert.ok(fileBefore < walBefore / 10, "the rows are still only in the WAL");
  t.store.checkpoint();
  t.store.flush(); // the checkpoint runs on the writer thread; flush waits for it
  const fileAfter = Deno.statSync(t.path).size;
  assert.ok(fileAfter > 4096 * 1000, `database file is ${fileAfter} bytes after the checkpoint`);
});

Deno.test("boot checkpoints a large WAL left by a killed process (WAL truncated)", async () => {
  const dataDir = Deno.makeTempDirSync({ prefix: "sidecar-wal-test-" });
  const path = `${dataDir}/sidecar.db`;
  // A connection that never checkpoints stands in for the killed process:
  // while it stays open, closing others does not fold the WAL in either.
  const killed = openDatabase(path);
  try {
    const put = killed.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    const pad = "x".repeat(4000);
    for (let i = 0; i < 2000; i++) put.run(`pad-${i}`, pad);
    assert.ok(Deno.statSync(`${path}-wal`).size > 5_000_000, "the WAL has grown");
    const rt = await startTestRuntime({ dataDir });
    try {
      // Truncated, then only boot's own few writes (key check, admin hash).
      const size = Deno.statSync(`${path}-wal`).size;
      assert.ok(size < 100_000, `the WAL is truncated at start-up (${size} bytes)`);
      assert.equal(rt.deps.store.meta.get("pad-1999"), pad, "and its rows are in the file");
    } finally {
      await rt.close();
    }
  } finally {
    killed.close();
    Deno.removeSync(dataDir, { recursive: true });
  }
});

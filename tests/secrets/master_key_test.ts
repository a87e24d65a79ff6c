/**
 * @module master_key_test
 * Finding, creating and checking the master key: env format, the 0600 key
 * file, and a wrong key refused at start-up with a clear message.
 */
import assert from "node:assert/strict";
import {
  decodeMasterKey,
  loadMasterKey,
  newMasterKey,
  verifyMasterKey,
  writeKeyFile,
} from "../../src/secrets/master_key.ts";
import { SecretBox, toBase64 } from "../../src/secrets/secret_box.ts";
import { StartupError } from "../../src/errors.ts";
import { openDatabase } from "../../src/store/database.ts";
import { createStore } from "../../src/store/store.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";

function withTempDir<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-master-key-test-" });
  return Promise.resolve(fn(dir)).finally(() => Deno.removeSync(dir, { recursive: true }));
}

function isStartupError(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof StartupError, String(err));
    assert.match(err.message, pattern);
    return true;
  };
}

Deno.test("decodeMasterKey() accepts base64 of exactly 32 bytes, trimming whitespace", () => {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  assert.deepEqual(decodeMasterKey(toBase64(raw), "k"), raw);
  assert.deepEqual(decodeMasterKey(`  ${toBase64(raw)}\n`, "k"), raw);
});

Deno.test("decodeMasterKey() refuses bad base64 and wrong lengths, naming the origin", () => {
  assert.throws(
    () => decodeMasterKey("not base64 !!", "SIDECAR_MASTER_KEY"),
    isStartupError(/^SIDECAR_MASTER_KEY is not valid base64$/),
  );
  for (const n of [0, 16, 31, 33, 64]) {
    assert.throws(
      () => decodeMasterKey(toBase64(new Uint8Array(n)), "SIDECAR_MASTER_KEY"),
      isStartupError(new RegExp(`^SIDECAR_MASTER_KEY must be base64 of 32 bytes, got ${n} bytes$`)),
    );
  }
});

Deno.test("newMasterKey() is base64 of 32 random bytes", () => {
  const a = newMasterKey();
  assert.equal(decodeMasterKey(a, "k").length, 32);
  assert.notEqual(a, newMasterKey());
});

Deno.test("loadMasterKey() uses a valid env value and creates no file", async () => {
  await withTempDir((dir) => {
    const key = newMasterKey();
    const { raw, source } = loadMasterKey(key, dir);
    assert.deepEqual(raw, decodeMasterKey(key, "k"));
    assert.deepEqual(source, { kind: "env" });
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("loadMasterKey() refuses an env value that is not base64 of 32 bytes", async () => {
  await withTempDir((dir) => {
    for (const bad of ["hunter2", toBase64(new Uint8Array(16)), "%%%%"]) {
      assert.throws(() => loadMasterKey(bad, dir), isStartupError(/SIDECAR_MASTER_KEY/));
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no key file is created as a fallback");
  });
});

Deno.test("loadMasterKey() creates master.key with mode 0600 on first load, re-reads it after", async () => {
  await withTempDir((dir) => {
    const first = loadMasterKey(undefined, dir);
    const path = `${dir}/master.key`;
    assert.deepEqual(first.source, { kind: "file", path, created: true });
    const stat = Deno.statSync(path);
    assert.equal(stat.mode! & 0o777, 0o600);
    assert.match(Deno.readTextFileSync(path), /^[A-Za-z0-9+/]{43}=\n$/);

    const second = loadMasterKey(undefined, dir);
    assert.deepEqual(second.source, { kind: "file", path, created: false });
    assert.deepEqual(second.raw, first.raw);
    // An empty env value counts as unset.
    assert.deepEqual(loadMasterKey("", dir).raw, first.raw);
  });
});

Deno.test("loadMasterKey() refuses a master.key that is not a 32-byte key, naming the file", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/master.key`;
    Deno.writeTextFileSync(path, "garbage");
    assert.throws(() => loadMasterKey(undefined, dir), isStartupError(new RegExp(`"${path}"`)));
    assert.equal(Deno.readTextFileSync(path), "garbage", "the file is not replaced");
  });
});

Deno.test("loadMasterKey() reports an unreadable master.key as a StartupError", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/master.key`);
    assert.throws(() => loadMasterKey(undefined, dir), isStartupError(/Cannot read master key/));
  });
});

Deno.test("writeKeyFile() refuses to overwrite an existing key file", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/master.key`;
    writeKeyFile(path, "first");
    assert.throws(() => writeKeyFile(path, "second"), isStartupError(/Cannot write master key/));
    assert.equal(Deno.readTextFileSync(path), "first\n");
  });
});

Deno.test("verifyMasterKey() stores a key check on a new database and accepts the same key", async () => {
  const store = createStore(openDatabase(":memory:"));
  try {
    const box = await SecretBox.fromRawKey(crypto.getRandomValues(new Uint8Array(32)));
    assert.equal(store.meta.get("key_check"), undefined);
    await verifyMasterKey(store.meta, box);
    const check = store.meta.get("key_check");
    assert.ok(check?.startsWith("v1:"));
    await verifyMasterKey(store.meta, box);
    assert.equal(store.meta.get("key_check"), check, "a passing check rewrites nothing");
  } finally {
    store.close();
  }
});

Deno.test("verifyMasterKey() refuses a different key with a clear message", async () => {
  const store = createStore(openDatabase(":memory:"));
  try {
    const right = await SecretBox.fromRawKey(crypto.getRandomValues(new Uint8Array(32)));
    const wrong = await SecretBox.fromRawKey(crypto.getRandomValues(new Uint8Array(32)));
    await verifyMasterKey(store.meta, right);
    const check = store.meta.get("key_check");
    await assert.rejects(
      () => verifyMasterKey(store.meta, wrong),
      isStartupError(/^The master key does not match this database: set SIDECAR_MASTER_KEY/),
    );
    assert.equal(store.meta.get("key_check"), check, "a failed check changes nothing");
  } finally {
    store.close();
  }
});

Deno.test("boot() with a wrong SIDECAR_MASTER_KEY for an existing database stops start-up", async () => {
  await withTempDir(async (dir) => {
    const first = await startTestRuntime({ dataDir: dir });
    await first.admin("POST", "/api/backends", {
      id: "b1",
      name: "B1",
      base_url: "http://127.0.0.1:9",
      api_key: "sk-secret-value-1234567890",
      models: ["m"],
    });
    await first.close();

    await assert.rejects(
      () => startTestRuntime({ dataDir: dir, settings: { masterKey: newMasterKey() } }),
      isStartupError(/master key does not match/),
    );
    // The right key, given through the env instead of the file, still works.
    const fileKey = Deno.readTextFileSync(`${dir}/master.key`).trim();
    await using again = await startTestRuntime({ dataDir: dir, settings: { masterKey: fileKey } });
    assert.equal(again.deps.registry.get("b1")?.api_key, "sk-secret-value-1234567890");
  });
});

Deno.test("boot() refuses to mint a new master key for a database that already holds sealed data", async () => {
  await withTempDir(async (dir) => {
    const first = await startTestRuntime({ dataDir: dir });
    await first.close();
    Deno.removeSync(`${dir}/master.key`);
    await assert.rejects(
      () => startTestRuntime({ dataDir: dir }),
      isStartupError(/master\.key" is missing and SIDECAR_MASTER_KEY is not set/),
    );
    assert.throws(() => Deno.statSync(`${dir}/master.key`), Deno.errors.NotFound);
  });
});

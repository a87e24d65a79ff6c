/**
 * @module rotate_key_command_test
 * `sidecar rotate-key` against a real data dir: the stored keys move to a new
 * master key and the server boots with it afterwards.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { rotateKeyCommand } from "../../src/cli/rotate_key_command.ts";
import { resolveSettings } from "../../src/cli/settings.ts";
import { newMasterKey } from "../../src/secrets/master_key.ts";
import { StartupError } from "../../src/errors.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";

const KEY = "sk-rotate-me-000000000000000000000000";

/** Runs `fn` with console.log captured. */
async function captureLog(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.log = original;
  }
  return lines;
}

async function seed(dir: string, masterKey?: string): Promise<void> {
  const rt = await startTestRuntime({ dataDir: dir, settings: { masterKey } });
  const res = await rt.admin("POST", "/api/backends", {
    id: "b1",
    name: "B1",
    base_url: "http://127.0.0.1:9",
    api_key: KEY,
    models: ["m"],
  });
  assert.equal(res.status, 201);
  await res.body?.cancel();
  await rt.close();
}

Deno.test("rotateKeyCommand() with master.key replaces the file and keeps every key readable", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-rotate-test-" });
  try {
    await seed(dir);
    const oldKey = Deno.readTextFileSync(`${dir}/master.key`);
    const lines = await captureLog(() =>
      rotateKeyCommand(resolveSettings(["rotate-key", "--data-dir", dir], () => undefined))
    );
    const newKey = Deno.readTextFileSync(`${dir}/master.key`);
    assert.notEqual(newKey, oldKey);
    assert.equal(Deno.statSync(`${dir}/master.key`).mode! & 0o777, 0o600);
    assert.throws(() => Deno.statSync(`${dir}/master.key.new`), Deno.errors.NotFound);
    assert.deepEqual(lines, [
      `Re-encrypted 1 provider key(s); new master key written to ${dir}/master.key`,
    ]);
    assert.ok(!lines.join("\n").includes(newKey.trim()), "the file's key is not printed");

    {
      await using rt = await startTestRuntime({ dataDir: dir });
      assert.equal(rt.deps.registry.get("b1")?.api_key, KEY);
    }
    await assert.rejects(
      () => startTestRuntime({ dataDir: dir, settings: { masterKey: oldKey.trim() } }),
      /master key does not match/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("rotateKeyCommand() with SIDECAR_MASTER_KEY prints the new key to set", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-rotate-test-" });
  try {
    const oldKey = newMasterKey();
    await seed(dir, oldKey);
    const settings = resolveSettings(
      ["rotate-key", "--data-dir", dir],
      (n) => n === "SIDECAR_MASTER_KEY" ? oldKey : undefined,
    );
    const lines = await captureLog(() => rotateKeyCommand(settings));
    const printed = lines.join("\n").match(/^([A-Za-z0-9+/]{43}=)$/m)?.[1];
    assert.ok(printed, lines.join("\n"));
    assert.ok(!lines.join("\n").includes(KEY));
    assert.throws(() => Deno.statSync(`${dir}/master.key`), Deno.errors.NotFound);

    await using rt = await startTestRuntime({ dataDir: dir, settings: { masterKey: printed } });
    assert.equal(rt.deps.registry.get("b1")?.api_key, KEY);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("rotateKeyCommand() refuses a wrong master key and changes nothing", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-rotate-test-" });
  try {
    await seed(dir);
    const before = Deno.readFileSync(`${dir}/master.key`);
    const wrong = newMasterKey();
    const settings = resolveSettings(
      ["rotate-key", "--data-dir", dir],
      (n) => n === "SIDECAR_MASTER_KEY" ? wrong : undefined,
    );
    await assert.rejects(() => rotateKeyCommand(settings), (err) => {
      assert.ok(err instanceof StartupError);
      assert.match(err.message, /master key does not match/);
      return true;
    });
    assert.deepEqual(Deno.readFileSync(`${dir}/master.key`), before);
    await using rt = await startTestRuntime({ dataDir: dir });
    assert.equal(rt.deps.registry.get("b1")?.api_key, KEY);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("rotateKeyCommand() without any master key refuses with a clear message", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-rotate-test-" });
  try {
    await seed(dir);
    Deno.removeSync(`${dir}/master.key`);
    const settings = resolveSettings(["rotate-key", "--data-dir", dir], () => undefined);
    await assert.rejects(() => rotateKeyCommand(settings), /No master key found/);
    assert.throws(
      () => Deno.statSync(`${dir}/master.key`),
      Deno.errors.NotFound,
      "no key is minted",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** The database's bytes and master.key's text, to show a failed rotation changed nothing. */
function snapshot(dir: string) {
  return {
    key: Deno.readTextFileSync(`${dir}/master.key`),
    sealed: (() => {
      const db = new DatabaseSync(`${dir}/sidecar.db`);
      try {
        return db.prepare(
          "SELECT (SELECT api_key_enc FROM backends WHERE id = 'b1') AS b1, " +
            "(SELECT value FROM meta WHERE key = 'key_check') AS key_check",
        ).get();
      } finally {
        db.close();
      }
    })(),
  };
}

const failingRenames = [
  ["the key file cannot be moved into place", () => {
    throw new Error("Injected: rename failed");
  }],
  [
    "the rotation fails after the new key file is in place",
    (() => {
      let calls = 0;
      return (from: string, to: string) => {
        Deno.renameSync(from, to);
        if (calls++ === 0) throw new Error("Injected: failed after the rename");
      };
    })(),
  ],
] as const;

for (const [what, rename] of failingRenames) {
  Deno.test(`rotateKeyCommand(): when ${what}, db and master.key are unchanged and the server starts`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "sidecar-rotate-test-" });
    try {
      await seed(dir);
      const before = snapshot(dir);
      const settings = resolveSettings(["rotate-key", "--data-dir", dir], () => undefined);
      await assert.rejects(() => rotateKeyCommand(settings, { rename }), /Injected/);
      assert.deepEqual(snapshot(dir), before);
      assert.throws(() => Deno.statSync(`${dir}/master.key.new`), Deno.errors.NotFound);
      await using rt = await startTestRuntime({ dataDir: dir });
      assert.equal(rt.deps.registry.get("b1")?.api_key, KEY);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

Deno.test("rotateKeyCommand() while a server holds the data dir is refused and changes nothing", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-rotate-test-" });
  try {
    await seed(dir);
    const before = snapshot(dir);
    await using _rt = await startTestRuntime({ dataDir: dir });
    const settings = resolveSettings(["rotate-key", "--data-dir", dir], () => undefined);
    await assert.rejects(() => rotateKeyCommand(settings), (err) => {
      assert.ok(err instanceof StartupError);
      assert.match(err.message, /in use by a running Sidecar \(pid \d+\): stop it before rotating/);
      return true;
    });
    assert.deepEqual(snapshot(dir), before);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/**
 * @module rotate_key_command_test
 * `sidecar rotate-key` against a real data dir: the stored keys move to a new
 * master key and the server boots with it afterwards.
 */
import assert from "node:assert/strict";
import { rotateKeyCommand } from "../../src/cli/rotate_key_command.ts";
import { resolveSettings } from "../../src/cli/settings.ts";
import { newMasterKey } from "../../src/secrets/master_key.ts";
import { StartupError } from "../../src/store/database.ts";
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

    await using rt = await startTestRuntime({ dataDir: dir });
    assert.equal(rt.deps.registry.get("b1")?.api_key, KEY);
    await assert.rejects(
      () => startTestRuntime({ dataDir: dir, settings: { masterKey: oldKey.trim() } }),
      StartupError,
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

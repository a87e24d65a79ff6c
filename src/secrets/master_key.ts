/**
 * @module master_key
 * Finds the master key (env `SIDECAR_MASTER_KEY`, else `master.key` in the
 * data dir, created 0600 on first start) and checks it against the
 * database's key-check value so a wrong key stops start-up, not a request.
 */
import { join } from "node:path";
import { StartupError } from "../errors.ts";
import type { MetaRepo } from "../store/meta_repo.ts";
import { fromBase64, SealError, type SecretBox, toBase64 } from "./secret_box.ts";

const KEY_CHECK = "key_check";
const KEY_CHECK_PLAINTEXT = "sidecar-key-check";
export const MASTER_KEY_FILE = "master.key";

/** Where the master key came from. */
export type MasterKeySource = { kind: "env" } | { kind: "file"; path: string; created: boolean };

/** Decodes a base64 master key, insisting on exactly 32 bytes. */
export function decodeMasterKey(text: string, origin: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = fromBase64(text.trim());
  } catch {
    throw new StartupError(`${origin} is not valid base64`);
  }
  if (raw.length !== 32) {
    throw new StartupError(`${origin} must be base64 of 32 bytes, got ${raw.length} bytes`);
  }
  return raw;
}

/** A fresh random master key, base64. */
export function newMasterKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** Reads the master key from env or file, creating the file when absent. */
export function loadMasterKey(
  envValue: string | undefined,
  dataDir: string,
): { raw: Uint8Array; source: MasterKeySource } {
  if (envValue !== undefined && envValue !== "") {
    return { raw: decodeMasterKey(envValue, "SIDECAR_MASTER_KEY"), source: { kind: "env" } };
  }
  const path = join(dataDir, MASTER_KEY_FILE);
  try {
    const text = Deno.readTextFileSync(path);
    return {
      raw: decodeMasterKey(text, `"${path}"`),
      source: { kind: "file", path, created: false },
    };
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      if (err instanceof StartupError) throw err;
      throw new StartupError(`Cannot read master key "${path}": ${(err as Error).message}`);
    }
  }
  const key = newMasterKey();
  writeKeyFile(path, key);
  return { raw: decodeMasterKey(key, `"${path}"`), source: { kind: "file", path, created: true } };
}

/** Writes a key file readable by the owner only; `createNew` refuses to overwrite. */
export function writeKeyFile(path: string, base64Key: string, createNew = true): void {
  try {
    Deno.writeTextFileSync(path, base64Key + "\n", { mode: 0o600, createNew });
    Deno.chmodSync(path, 0o600);
  } catch (err) {
    throw new StartupError(`Cannot write master key "${path}": ${(err as Error).message}`);
  }
}

/**
 * Verifies the key against the stored key-check value, or stores one on a
 * new database. Throws a {@link StartupError} on a mismatch.
 */
export async function verifyMasterKey(meta: MetaRepo, box: SecretBox): Promise<void> {
  const stored = meta.get(KEY_CHECK);
  if (stored === undefined) {
    meta.put(KEY_CHECK, await box.seal(KEY_CHECK_PLAINTEXT, KEY_CHECK));
    return;
  }
  try {
    if (await box.open(stored, KEY_CHECK) === KEY_CHECK_PLAINTEXT) return;
  } catch (err) {
    if (!(err instanceof SealError)) throw err;
  }
  throw new StartupError(
    "The master key does not match this database: set SIDECAR_MASTER_KEY (or master.key) " +
      "to the key the database was created with",
  );
}

/** The key-check value sealed under `box` (used by rotation). */
export function sealKeyCheck(box: SecretBox): Promise<string> {
  return box.seal(KEY_CHECK_PLAINTEXT, KEY_CHECK);
}

/** The meta key holding the key-check value. */
export const KEY_CHECK_META = KEY_CHECK;

/**
 * @module rotate_key_command
 * `sidecar rotate-key`: generates a new master key, re-seals every stored
 * provider key under it in one transaction, and installs the new key file
 * inside that transaction, so a failure anywhere leaves the database and
 * `master.key` as they were. Refused while a server holds the data dir.
 */
import { join } from "node:path";
import {
  decodeMasterKey,
  loadMasterKey,
  MASTER_KEY_FILE,
  newMasterKey,
  verifyMasterKey,
  writeKeyFile,
} from "../secrets/master_key.ts";
import { rotateKeys } from "../secrets/rotate_key.ts";
import { SecretBox } from "../secrets/secret_box.ts";
import { lockDataDir } from "../store/data_dir_lock.ts";
import { StartupError } from "../errors.ts";
import { openDatabase } from "../store/database.ts";
import { createStore } from "../store/store.ts";
import type { Settings } from "./settings.ts";

/** Options of {@link rotateKeyCommand}, for tests that make a step fail. */
export interface RotateKeyOptions {
  /** Moves a file over another atomically. @default Deno.renameSync */
  rename?: (from: string, to: string) => void;
}

/** Rotates the master key; prints what it did (never a provider key). */
export async function rotateKeyCommand(
  settings: Settings,
  opts: RotateKeyOptions = {},
): Promise<void> {
  const rename = opts.rename ?? Deno.renameSync;
  const lock = lockDataDir(settings.dataDir, "before rotating the master key");
  try {
    const store = createStore(openDatabase(settings.dbPath));
    try {
      if (!settings.masterKey) {
        try {
          Deno.statSync(join(settings.dataDir, MASTER_KEY_FILE));
        } catch {
          throw new StartupError("No master key found: set SIDECAR_MASTER_KEY or keep master.key");
        }
      }
      const { raw, source } = loadMasterKey(settings.masterKey, settings.dataDir);
      const from = await SecretBox.fromRawKey(raw);
      await verifyMasterKey(store.meta, from);
      const fresh = newMasterKey();
      const to = await SecretBox.fromRawKey(decodeMasterKey(fresh, "new key"));
      if (source.kind === "file") {
        const n = await installRotated(
          source.path,
          fresh,
          rename,
          (install) => rotateKeys(store, from, to, install),
        );
        console.log(`Re-encrypted ${n} provider key(s); new master key written to ${source.path}`);
      } else {
        const n = await rotateKeys(store, from, to);
        console.log(`Re-encrypted ${n} provider key(s) under a new master key.`);
        console.log(`Set SIDECAR_MASTER_KEY to this value before the next start:\n${fresh}`);
      }
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}

/**
 * Writes the new key beside the old one, and has `rotate` move it into place
 * (one rename) inside its transaction, just before the commit. If the rename
 * fails nothing is committed; if the commit fails after the rename, the old
 * key is put back. The temporary file never outlives the command.
 */
async function installRotated(
  path: string,
  fresh: string,
  rename: (from: string, to: string) => void,
  rotate: (install: () => void) => Promise<number>,
): Promise<number> {
  const pending = path + ".new";
  const old = Deno.readTextFileSync(path);
  removeIfThere(pending); // a leftover of an earlier interrupted rotation
  writeKeyFile(pending, fresh, true);
  let installed = false;
  try {
    return await rotate(() => {
      // Set first: a rename that fails halfway may still have moved the file.
      installed = true;
      rename(pending, path);
    });
  } catch (err) {
    if (installed) {
      removeIfThere(pending);
      writeKeyFile(pending, old.trim(), true);
      rename(pending, path);
    }
    throw err;
  } finally {
    removeIfThere(pending);
  }
}

function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

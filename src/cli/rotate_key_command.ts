/**
 * @module rotate_key_command
 * `sidecar rotate-key`: generates a new master key, re-seals every stored
 * provider key under it in one transaction, then installs the new key.
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
import { openDatabase, StartupError } from "../store/database.ts";
import { createStore } from "../store/store.ts";
import type { Settings } from "./settings.ts";

/** Rotates the master key; prints what it did (never a provider key). */
export async function rotateKeyCommand(settings: Settings): Promise<void> {
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
      // Write the new key beside the old one first: if the process dies after
      // the commit, the operator still has the key the database now needs.
      const pending = source.path + ".new";
      try {
        Deno.removeSync(pending);
      } catch { // no leftover from an earlier interrupted rotation
      }
      writeKeyFile(pending, fresh, false);
      const n = await rotateKeys(store, from, to);
      Deno.renameSync(pending, source.path);
      console.log(`Re-encrypted ${n} provider key(s); new master key written to ${source.path}`);
    } else {
      const n = await rotateKeys(store, from, to);
      console.log(`Re-encrypted ${n} provider key(s) under a new master key.`);
      console.log(`Set SIDECAR_MASTER_KEY to this value before the next start:\n${fresh}`);
    }
  } finally {
    store.close();
  }
}

/**
 * @module rotate_key
 * `sidecar rotate-key`: re-seals every stored provider key (and the
 * key-check value) under a new master key in one transaction.
 */
import type { Store } from "../store/store.ts";
import { KEY_CHECK_META, sealKeyCheck } from "./master_key.ts";
import type { SecretBox } from "./secret_box.ts";

/**
 * Opens every key with `from` and seals it with `to`, then writes all rows in
 * one transaction: either every key moves to the new master key or none does.
 * `beforeCommit` runs inside the transaction once the rows are written (the
 * new key file is installed there); when it throws, nothing is committed.
 * Returns the number of backend keys re-sealed.
 */
export async function rotateKeys(
  store: Store,
  from: SecretBox,
  to: SecretBox,
  beforeCommit: () => void = () => {},
): Promise<number> {
  const resealed: { id: string; sealed: string }[] = [];
  for (const b of store.backends.list()) {
    const plain = await from.open(b.api_key_enc, b.id);
    resealed.push({ id: b.id, sealed: await to.seal(plain, b.id) });
  }
  const check = await sealKeyCheck(to);
  store.transaction(() => {
    for (const r of resealed) store.backends.setSealedKey(r.id, r.sealed);
    store.meta.put(KEY_CHECK_META, check);
    beforeCommit();
  });
  return resealed.length;
}

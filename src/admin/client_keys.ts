/**
 * @module client_keys
 * Client key administration: a key is shown once at creation; only its hash
 * and a hint are stored.
 */
import type { AppDeps } from "../app_deps.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { generateSecret, secretHint, sha256Hex } from "../secrets/token_hash.ts";
import { KeyCreate } from "./inputs.ts";
import { reloadRuntime } from "./reload.ts";
import { parseInput } from "./validate.ts";
import { refuseCreate, refuseManaged } from "./managed.ts";
import type { Managed } from "../store/rows.ts";
import { isoSeconds } from "../bytes.ts";

/** A client key as listed. */
export interface ClientKeyView {
  id: string;
  name: string;
  key_hint: string;
  /** `"file"` when the config file declares it (read-only then), else null. */
  managed: Managed;
  created_at: string;
}

/** Lists client keys (hints only). */
export function listKeys(deps: AppDeps): ClientKeyView[] {
  return deps.store.keys.list().map(({ key_hash: _h, ...k }) => k);
}

/**
 * A new client key: its id and secret, the same for the API, the dashboard
 * and `sidecar key new`.
 */
export function newClientKey(): { id: string; key: string } {
  return {
    id: "key_" + crypto.randomUUID().replaceAll("-", "").slice(0, 12),
    key: generateSecret("sk-sc-"),
  };
}

/** Creates a key; the returned `key` is the only time it is ever shown. */
export async function createKey(
  deps: AppDeps,
  body: unknown,
): Promise<ClientKeyView & { key: string }> {
  refuseCreate(deps, "client key");
  const input = parseInput(KeyCreate, body);
  const { id, key } = newClientKey();
  const record = {
    id,
    name: input.name,
    key_hash: sha256Hex(key),
    key_hint: secretHint(key),
    created_at: isoSeconds(deps.now()),
  };
  if (!deps.store.keys.insert(record)) {
    // Both are random (2^48 ids, 256-bit keys): a clash means a broken random source.
    throw new ConflictError(`Client key "${id}" already exists`, "id", "duplicate_id");
  }
  await reloadRuntime(deps);
  const { key_hash: _h, ...view } = record;
  return { ...view, managed: null, key };
}

/** Revokes a key at once. */
export async function deleteKey(deps: AppDeps, id: string): Promise<void> {
  const key = deps.store.keys.get(id);
  if (!key) throw new NotFoundError(`No client key "${id}"`);
  refuseManaged(deps.store, `Client key "${id}"`, key.managed);
  if (!deps.store.keys.remove(id)) throw new NotFoundError(`No client key "${id}"`);
  await reloadRuntime(deps);
}

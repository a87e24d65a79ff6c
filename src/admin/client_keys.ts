/**
 * @module client_keys
 * Client key administration (docs/keys.md): a key is shown once, at creation
 * and at each rotation; only its hash and a hint are stored, with the key's
 * policy. Every change reaches the request path at once (the key ring is
 * reloaded).
 */
import type { AppDeps } from "../app_deps.ts";
import { BadRequestError, ConflictError, NotFoundError } from "../errors.ts";
import { periodStart } from "../keys/budget_period.ts";
import { type KeyPolicy, policyIssue, policyOf } from "../keys/key_policy.ts";
import { generateSecret, secretHint, sha256Hex } from "../secrets/token_hash.ts";
import type { ClientKeyFields } from "../store/client_key_repo.ts";
import { KeyCreate, KeyPatch } from "./inputs.ts";
import { reloadRuntime } from "./reload.ts";
import { parseInput } from "./validate.ts";
import { refuseCreate, refuseManaged } from "./managed.ts";
import type { ClientKeyRecord, Managed } from "../store/rows.ts";
import { isoSeconds } from "../bytes.ts";
import { roundUsd } from "../pricing/cost.ts";

/** A client key as the API shows it: its policy, and read-only fields. */
export interface ClientKeyView extends KeyPolicy {
  id: string;
  name: string;
  key_hint: string;
  /** `"file"` when the config file declares it (read-only then), else null. */
  managed: Managed;
  created_at: string;
  /** The latest request made with it, to the second; null when never used. */
  last_used_at: string | null;
  /** Spent in the current budget period, USD; 0 for a key without a budget (nothing counts it). */
  spend_usd: number;
  /** Reserved now by its requests in flight (their worst cases), USD; 0 without a budget. */
  reserved_usd: number;
  /** When the current budget period began; null without a budget period. */
  period_start: string | null;
}

/** Lists client keys (hints only). */
export function listKeys(deps: AppDeps): ClientKeyView[] {
  const now = deps.now();
  return deps.store.keys.list().map((k) => toView(deps, k, now));
}

/** One client key, or 404. */
export function getKey(deps: AppDeps, id: string): ClientKeyView {
  return toView(deps, mustGet(deps, id), deps.now());
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
  const now = deps.now();
  refusePastExpiry(input.expires_at, now);
  const { id, key } = newClientKey();
  const record = {
    id,
    name: input.name,
    key_hash: sha256Hex(key),
    key_hint: secretHint(key),
    created_at: isoSeconds(now),
    ...policyOf(input),
  };
  if (!deps.store.keys.insert(record)) {
    // Both are random (2^48 ids, 256-bit keys): a clash means a broken random source.
    throw new ConflictError(`Client key "${id}" already exists`, "id", "duplicate_id");
  }
  await reloadRuntime(deps);
  return { ...getKey(deps, id), key };
}

/**
 * Applies a partial update of the name and policy. The merged policy is
 * checked whole (a budget needs its period, whichever of the two changed).
 */
export async function updateKey(deps: AppDeps, id: string, body: unknown): Promise<ClientKeyView> {
  const current = mustGet(deps, id);
  refuseManaged(deps.store, `Client key "${id}"`, current.managed);
  const patch = parseInput(KeyPatch, body);
  const fields = fieldsOf(current);
  for (const [k, v] of Object.entries(patch)) {
    if (v !== undefined) (fields as unknown as Record<string, unknown>)[k] = v;
  }
  if (patch.expires_at !== undefined) refusePastExpiry(patch.expires_at, deps.now());
  const issue = policyIssue(fields);
  if (issue) throw new BadRequestError(`Invalid "${issue.param}": ${issue.message}`, issue.param);
  deps.store.keys.update(id, fields);
  await reloadRuntime(deps);
  return getKey(deps, id);
}

/**
 * Gives the key a new secret, shown this once; its id, policy, spend and
 * live state stay. The old secret is refused from this answer on.
 */
export async function rotateKey(
  deps: AppDeps,
  id: string,
): Promise<ClientKeyView & { key: string }> {
  const current = mustGet(deps, id);
  // The file holds the key's hash: a new secret would be undone by the next load.
  refuseManaged(deps.store, `Client key "${id}"`, current.managed);
  const { key } = newClientKey();
  deps.store.keys.update(id, {
    ...fieldsOf(current),
    key_hash: sha256Hex(key),
    key_hint: secretHint(key),
  });
  await reloadRuntime(deps);
  return { ...getKey(deps, id), key };
}

/** Revokes a key at once. */
export async function deleteKey(deps: AppDeps, id: string): Promise<void> {
  const key = mustGet(deps, id);
  refuseManaged(deps.store, `Client key "${id}"`, key.managed);
  if (!deps.store.keys.remove(id)) throw new NotFoundError(`No client key "${id}"`);
  await reloadRuntime(deps);
}

function mustGet(deps: AppDeps, id: string): ClientKeyRecord {
  const key = deps.store.keys.get(id);
  if (!key) throw new NotFoundError(`No client key "${id}"`);
  return key;
}

/** An expiry in the past would make a key that can never be used: surely a typo. */
function refusePastExpiry(expiresAt: string | null, now: number): void {
  if (expiresAt !== null && Date.parse(expiresAt) <= now) {
    throw new BadRequestError('Invalid "expires_at": must be in the future', "expires_at");
  }
}

function fieldsOf(k: ClientKeyRecord): ClientKeyFields {
  return { name: k.name, key_hash: k.key_hash, key_hint: k.key_hint, ...policyOf(k) };
}

function toView(deps: AppDeps, k: ClientKeyRecord, now: number): ClientKeyView {
  // The live key knows of uses not written yet (last_used_at is written behind).
  const used = Math.max(
    deps.keyRing.client(k.id)?.lastUsed ?? 0,
    k.last_used_at === null ? 0 : Date.parse(k.last_used_at),
  );
  const period = k.budget_period;
  const ledger = deps.keyRing.client(k.id)?.budget;
  return {
    id: k.id,
    name: k.name,
    key_hint: k.key_hint,
    managed: k.managed,
    created_at: k.created_at,
    last_used_at: used > 0 ? isoSeconds(used) : null,
    ...policyOf(k),
    spend_usd: roundUsd(ledger?.spend(now) ?? 0),
    reserved_usd: roundUsd(ledger?.reserved(now) ?? 0),
    period_start: period === null
      ? null
      : isoSeconds(periodStart(period, now, Date.parse(k.created_at))),
  };
}

/**
 * @module apply_config_file
 * Writes a validated config file into SQLite in one transaction and reloads
 * the runtime (docs/config.md, "Applying"): pools, backends, keys, prices
 * and settings from the file are inserted or replaced and marked `managed =
 * 'file'`; rows the file made and no longer lists are deleted. Rows made in
 * the dashboard stay beside them, unless `exclusive`.
 */
import type { AppDeps } from "../app_deps.ts";
import { reloadRuntime } from "../admin/reload.ts";
import { isoSeconds } from "../bytes.ts";
import type { GatewayConfigPatch } from "../gateway_config.ts";
import { secretHint } from "../secrets/token_hash.ts";
import type { BackendFields } from "../store/backend_repo.ts";
import type { ClientKeyFields } from "../store/client_key_repo.ts";
import { policyOf } from "../keys/key_policy.ts";
import type { BackendRecord, ClientKeyRecord, PriceRecord } from "../store/rows.ts";
import type { ConfigFile, FileBackend } from "./config_schema.ts";

/** Options of {@link applyConfigFile}. */
export interface ApplyOptions {
  /**
   * The file is the only source of pools, backends and keys: rows it does
   * not list are deleted, whoever made them (for shared state across
   * replicas; docs/config.md). @default false
   */
  exclusive?: boolean;
}

/** How many rows of each kind the file now manages. */
export interface ApplySummary {
  pools: number;
  backends: number;
  keys: number;
  settings: number;
  prices: number;
  /** Rows made in the dashboard that an exclusive load deleted, e.g. `backend "dash"`. */
  removedDashboardRows: string[];
}

type Deps = Pick<AppDeps, "store" | "registry" | "box" | "keyRing" | "now" | "prices">;

/** Applies `file` atomically; a failure leaves the database and the runtime as they were. */
export async function applyConfigFile(
  deps: Deps,
  file: ConfigFile,
  opts: ApplyOptions = {},
): Promise<ApplySummary> {
  const { store } = deps;
  const nowIso = isoSeconds(deps.now());
  // Sealing is async and a transaction must not await: seal first, write after.
  const rows = new Map(store.backends.list().map((r) => [r.id, r]));
  const fields = new Map<string, BackendFields>();
  for (const b of file.backends) fields.set(b.id, await backendFields(deps, b, rows.get(b.id)));
  const owned = (m: { managed: string | null }) => opts.exclusive || m.managed === "file";

  const changed: string[] = [];
  const removedDashboardRows: string[] = [];
  const removed = (kind: string, row: { id: string; managed: string | null }) => {
    if (row.managed !== "file") removedDashboardRows.push(`${kind} "${row.id}"`);
  };
  // Marks still queued must land before they are cleared (as in admin/backends.ts).
  store.writes.flush();
  store.transaction(() => {
    const pools = new Map(store.pools.list().map((p) => [p.id, p]));
    for (const p of file.pools) {
      const f = { name: p.name ?? pools.get(p.id)?.name ?? p.id, priority: p.priority };
      if (!store.pools.insert(p.id, f, nowIso)) {
        const old = pools.get(p.id);
        if (!old || old.name !== f.name || old.priority !== f.priority) {
          store.pools.update(p.id, f, nowIso);
        }
      }
      store.pools.setManaged(p.id, "file");
    }
    for (const b of file.backends) {
      const f = fields.get(b.id)!;
      const old = rows.get(b.id);
      if (!old) store.backends.insert(b.id, f, nowIso);
      else if (differs(old, f)) {
        store.backends.update(b.id, f, nowIso);
        store.resumeMarks.clear(b.id);
        changed.push(b.id);
      }
      store.backends.setManaged(b.id, "file");
    }
    const inFile = new Set(file.backends.map((b) => b.id));
    for (const old of rows.values()) {
      if (owned(old) && !inFile.has(old.id)) {
        store.backends.remove(old.id);
        changed.push(old.id);
        removed("backend", old);
      }
    }
    const poolsInFile = new Set(file.pools.map((p) => p.id));
    for (const old of pools.values()) {
      if (owned(old) && !poolsInFile.has(old.id)) {
        store.pools.remove(old.id);
        removed("pool", old);
      }
    }
    for (const old of applyKeys(deps, file, nowIso, owned)) removed("key", old);
    for (const old of applyPrices(deps, file, owned)) removed("price", { ...old, id: old.model });
    applySettings(deps, file.settings);
  });
  for (const id of changed) deps.registry.clearResumeMarks(id);
  await reloadRuntime(deps);
  return {
    pools: file.pools.length,
    backends: file.backends.length,
    keys: file.keys.length,
    settings: Object.keys(file.settings).length,
    prices: file.prices.length,
    removedDashboardRows,
  };
}

/**
 * Every row and setting the file marked goes back to the dashboard: a
 * Sidecar started without a file manages everything itself.
 */
export function releaseConfigFile(deps: Pick<AppDeps, "store">): void {
  const { store } = deps;
  store.transaction(() => {
    for (const p of store.pools.list()) if (p.managed) store.pools.setManaged(p.id, null);
    for (const b of store.backends.list()) if (b.managed) store.backends.setManaged(b.id, null);
    for (const k of store.keys.list()) if (k.managed) store.keys.setManaged(k.id, null);
    for (const key of store.config.managedFields()) store.config.setManaged(key, null);
    store.prices.releaseManaged();
  });
}

/**
 * Writes the file's prices (one of the same glob made in the dashboard is
 * taken over); returns the stored entries it deleted. A file that lists no
 * prices leaves the dashboard's table alone even when exclusive: the
 * default table every new database starts with is then what every replica
 * prices by, rather than no price at all.
 */
function applyPrices(
  deps: Deps,
  file: ConfigFile,
  owned: (m: { managed: string | null }) => boolean,
): PriceRecord[] {
  const { prices } = deps.store;
  const inFile = new Set(file.prices.map((p) => p.model));
  const mine = (p: PriceRecord) => p.managed === "file" || (file.prices.length > 0 && owned(p));
  const dropped = prices.list().filter((old) => mine(old) && !inFile.has(old.model));
  for (const old of dropped) prices.remove(old.model);
  for (const entry of file.prices) prices.put(entry, "file");
  return dropped;
}

/** Writes the file's keys; returns the stored keys it deleted. */
function applyKeys(
  deps: Deps,
  file: ConfigFile,
  nowIso: string,
  owned: (m: { managed: string | null }) => boolean,
): ClientKeyRecord[] {
  const { store } = deps;
  const stored = new Map(store.keys.list().map((k) => [k.id, k]));
  const inFile = new Set(file.keys.map((k) => k.id));
  // Removed first: a hash that moved from a dropped key to a new one must be free.
  const dropped = [...stored.values()].filter((old) => owned(old) && !inFile.has(old.id));
  for (const old of dropped) store.keys.remove(old.id);
  for (const k of file.keys) {
    const old = stored.get(k.id);
    // The secret is unknown: the hint says where the key comes from instead.
    const f: ClientKeyFields = {
      name: k.name,
      key_hash: k.sha256,
      key_hint: old?.key_hash === k.sha256 ? old.key_hint : "",
      ...policyOf(k),
    };
    if (!old) store.keys.insert({ id: k.id, ...f, created_at: nowIso });
    else if (differs(old, f)) store.keys.update(k.id, f);
    store.keys.setManaged(k.id, "file");
  }
  return dropped;
}

function applySettings(deps: Deps, settings: GatewayConfigPatch): void {
  const { config } = deps.store;
  for (const key of config.managedFields()) {
    // A field the file stopped setting reads as its default again.
    if (!(key in settings)) config.remove(key);
  }
  config.save(settings);
  for (const key of Object.keys(settings)) config.setManaged(key, "file");
}

async function backendFields(
  deps: Deps,
  b: FileBackend,
  old: BackendRecord | undefined,
): Promise<BackendFields> {
  const { id: _id, api_key, name, ...rest } = b;
  // Re-sealing an unchanged key would rewrite the row on every reload.
  const same = old !== undefined && await deps.box.open(old.api_key_enc, b.id) === api_key;
  return {
    ...rest,
    name: name ?? b.id,
    api_key_enc: same ? old.api_key_enc : await deps.box.seal(api_key, b.id),
    api_key_hint: secretHint(api_key),
  };
}

/** Whether any field of `f` differs from the stored row's. */
function differs(old: object, f: object): boolean {
  for (const [k, v] of Object.entries(f)) {
    const was = (old as Record<string, unknown>)[k];
    if (JSON.stringify(was) !== JSON.stringify(v)) return true;
  }
  return false;
}

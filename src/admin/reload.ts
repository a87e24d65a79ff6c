/**
 * @module reload
 * Rebuilds the in-memory routing table, key ring and prices from the store
 * after an admin change, opening each provider key once.
 */
import type { AppDeps } from "../app_deps.ts";
import type { ScopedHealth } from "../engine/cooldown.ts";
import type { BackendSpec } from "../engine/registry.ts";

/** Reloads backends, pools, config, client keys and prices into memory. */
export async function reloadRuntime(
  deps: Pick<AppDeps, "store" | "registry" | "box" | "keyRing" | "now" | "prices">,
  health?: ReadonlyMap<string, ScopedHealth>,
): Promise<void> {
  const { store, registry, box, keyRing, prices } = deps;
  const specs: BackendSpec[] = [];
  for (const row of store.backends.list()) {
    const { api_key_enc, api_key_hint: _h, managed: _m, created_at: _c, updated_at: _u, ...rest } =
      row;
    specs.push({ ...rest, api_key: await box.open(api_key_enc, row.id) });
  }
  registry.setConfig(store.config.load());
  registry.load(specs, store.pools.list(), deps.now(), health);
  prices.set(store.prices.list());
  keyRing.setClients(store.keys.list(), deps.now());
}

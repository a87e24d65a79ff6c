/**
 * @module managed
 * Items the config file declares are read-only to the API and the dashboard
 * (docs/config.md, "Managed items"): a write to one is a 409
 * `managed_by_config` naming the file, and so is creating one while the
 * replicas share state. Live state (pausing, clearing a cooldown) is not
 * config and stays allowed.
 */
import type { AppDeps } from "../app_deps.ts";
import { readConfigFileStatus } from "../config_file/config_file_status.ts";
import { ManagedByConfigError } from "../errors.ts";
import type { MetaRepo } from "../store/meta_repo.ts";
import type { Managed } from "../store/rows.ts";

/** The config file's path as shown to the admin, or a stand-in when none is recorded. */
export function configFileName(meta: Pick<MetaRepo, "get">): string {
  return readConfigFileStatus(meta)?.path ?? "the config file";
}

/**
 * Throws {@link ManagedByConfigError} when a new `kind` ("backend") may come
 * only from the file: with shared state and a config file, the file is the
 * only source of pools, backends and keys, so that every replica routes the
 * same (docs/config.md, "With shared state").
 */
export function refuseCreate(deps: Pick<AppDeps, "store" | "registry">, kind: string): void {
  if (deps.registry.sharedState.mode !== "redis") return;
  const file = readConfigFileStatus(deps.store.meta);
  if (file) throw new ManagedByConfigError(`With shared state, every ${kind}`, file.path);
}

/** Throws {@link ManagedByConfigError} when `managed` says the file owns the item. */
export function refuseManaged(
  store: { meta: Pick<MetaRepo, "get"> },
  what: string,
  managed: Managed,
): void {
  if (managed === "file") throw new ManagedByConfigError(what, configFileName(store.meta));
}

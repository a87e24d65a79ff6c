/**
 * @module gateway_settings
 * Reading and patching the gateway config.
 */
import type { AppDeps } from "../app_deps.ts";
import { type GatewayConfig, GatewayConfigPatch } from "../gateway_config.ts";
import { parseInput } from "./validate.ts";
import { type ConfigFileStatus, readConfigFileStatus } from "../config_file/config_file_status.ts";
import { ManagedByConfigError } from "../errors.ts";

/** The config file in use and how its last load went, with the fields it sets; null: none. */
export type ConfigFileInfo = ConfigFileStatus & { fields: string[] };

/** The config in force. */
export function getConfig(deps: AppDeps): GatewayConfig {
  return deps.registry.config;
}

/** Validates a partial config, stores it and applies it at once. */
export function patchConfig(deps: AppDeps, body: unknown): GatewayConfig {
  const patch = parseInput(GatewayConfigPatch, body);
  const managed = new Set(deps.store.config.managedFields());
  const taken = Object.keys(patch).find((k) => managed.has(k));
  if (taken !== undefined) {
    const file = readConfigFileStatus(deps.store.meta)?.path ?? "the config file";
    throw new ManagedByConfigError(`Setting "${taken}"`, file, taken);
  }
  // All fields or none: a crash must not leave half a patch applied.
  deps.store.transaction(() => deps.store.config.save(patch));
  deps.registry.setConfig(deps.store.config.load());
  return deps.registry.config;
}

/** The config file in use (`GET /api/config/file`), or null. */
export function getConfigFileInfo(deps: AppDeps): ConfigFileInfo | null {
  const status = readConfigFileStatus(deps.store.meta);
  return status ? { ...status, fields: deps.store.config.managedFields() } : null;
}

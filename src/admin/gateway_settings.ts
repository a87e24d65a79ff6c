/**
 * @module gateway_settings
 * Reading and patching the gateway config.
 */
import type { AppDeps } from "../app_deps.ts";
import { type GatewayConfig, GatewayConfigPatch } from "../gateway_config.ts";
import { parseInput } from "./validate.ts";

/** The config in force. */
export function getConfig(deps: AppDeps): GatewayConfig {
  return deps.registry.config;
}

/** Validates a partial config, stores it and applies it at once. */
export function patchConfig(deps: AppDeps, body: unknown): GatewayConfig {
  const patch = parseInput(GatewayConfigPatch, body);
  // All fields or none: a crash must not leave half a patch applied.
  deps.store.transaction(() => deps.store.config.save(patch));
  deps.registry.setConfig(deps.store.config.load());
  return deps.registry.config;
}

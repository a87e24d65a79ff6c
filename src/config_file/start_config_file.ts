/**
 * @module start_config_file
 * What `serve` does about the config file at start-up (docs/config.md): with
 * `--config`, load it (a bad file stops start-up, since there is no running
 * config to keep yet) and watch it; without, hand every row a file made
 * back to the dashboard. With shared state (Redis) the file is applied
 * exclusively, so every replica routes on the same config, and a start
 * without one says once that each replica routes on its own.
 */
import type { AppDeps } from "../app_deps.ts";
import { StartupError } from "../errors.ts";
import { formatIssues } from "./config_issue.ts";
import {
  ConfigFileLoader,
  type ConfigFileWatch,
  type LoaderOptions,
  noConfigFile,
  watchConfigFile,
} from "./config_file_loader.ts";

/** Loads and watches `path`, or releases file rows when there is none; close the watch on stop. */
export async function startConfigFile(
  deps: Pick<AppDeps, "store" | "registry" | "box" | "keyRing" | "now" | "log" | "prices">,
  path: string | undefined,
  opts: Omit<LoaderOptions, "exclusive"> = {},
): Promise<ConfigFileWatch | undefined> {
  const shared = deps.registry.sharedState.mode === "redis";
  if (path === undefined) {
    noConfigFile(deps);
    if (shared) {
      deps.log.warn(
        "shared state without a config file: each replica routes on its own SQLite config",
        { fix: "give every replica the same --config file (SIDECAR_CONFIG)" },
      );
    }
    return undefined;
  }
  // With shared state the file is the only source of pools, backends and keys (docs/config.md).
  const loader = new ConfigFileLoader(deps, path, { ...opts, exclusive: shared });
  const result = await loader.load("start");
  if (result && !result.applied) {
    throw new StartupError(
      `Config file ${loader.path} is invalid:\n${formatIssues(result.issues)}`,
    );
  }
  return watchConfigFile(loader);
}

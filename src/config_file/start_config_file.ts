/**
 * @module start_config_file
 * What `serve` does about the config file at start-up (docs/config.md): with
 * `--config`, load it (a bad file stops start-up, since there is no running
 * config to keep yet) and watch it; without, hand every row a file made
 * back to the dashboard.
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
  deps: Pick<AppDeps, "store" | "registry" | "box" | "keyRing" | "now" | "log">,
  path: string | undefined,
  opts: LoaderOptions = {},
): Promise<ConfigFileWatch | undefined> {
  if (path === undefined) {
    noConfigFile(deps);
    return undefined;
  }
  const loader = new ConfigFileLoader(deps, path, opts);
  const result = await loader.load("start");
  if (result && !result.applied) {
    throw new StartupError(
      `Config file ${loader.path} is invalid:\n${formatIssues(result.issues)}`,
    );
  }
  return watchConfigFile(loader);
}

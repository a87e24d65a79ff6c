/**
 * @module config_commands
 * `sidecar config check F`, `sidecar config export` and `sidecar key new
 * --name N` (docs/config.md): none starts a server or writes the database.
 */
import { newClientKey } from "../admin/client_keys.ts";
import { asFileOwned, type StoredIds } from "../config_file/check_references.ts";
import { formatIssues } from "../config_file/config_issue.ts";
import { exportConfig } from "../config_file/export_config.ts";
import { readConfigFile } from "../config_file/parse_config_file.ts";
import type { EnvLookup } from "../config_file/env_refs.ts";
import { StartupError } from "../errors.ts";
import { sha256Hex } from "../secrets/token_hash.ts";
import { openReadOnlyStore } from "../store/read_only_store.ts";
import type { Settings } from "./settings.ts";

/** Where a command writes; the real streams by default. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const CONSOLE: CommandOutput = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** What a database that does not exist yet will hold: the two default pools. */
const NEW_DATABASE: StoredIds = {
  pools: [{ id: "primary", managed: null }, { id: "fallback", managed: null }],
  backends: [],
  keys: [],
};

/** Validates the file; 0 when valid (one summary line), 2 with each error and its path. */
export async function configCheckCommand(
  settings: Settings,
  env: EnvLookup,
  output: CommandOutput = CONSOLE,
): Promise<number> {
  const path = settings.configPath!;
  const store = openReadOnlyStore(settings.dbPath);
  let stored = NEW_DATABASE;
  try {
    if (store) {
      stored = {
        pools: store.pools.list(),
        backends: store.backends.list(),
        keys: store.keys.list(),
      };
    }
  } finally {
    store?.close();
  }
  // With shared state the file is applied exclusively: what the database holds does not count.
  const parsed = await readConfigFile(path, env, settings.redisUrl ? asFileOwned(stored) : stored);
  if (!parsed.ok) {
    output.err(formatIssues(parsed.issues));
    output.err(`${path}: ${parsed.issues.length} error(s)`);
    return 2;
  }
  const c = parsed.config;
  output.out(
    `${path}: valid (${
      Object.keys(c.settings).length
    } settings, ${c.pools.length} pools, ${c.backends.length} backends, ${c.keys.length} keys)`,
  );
  return 0;
}

/** Prints the stored config as YAML on stdout. */
export function configExportCommand(settings: Settings, output: CommandOutput = CONSOLE): number {
  const store = openReadOnlyStore(settings.dbPath);
  if (!store) throw new StartupError(`No database at "${settings.dbPath}"`);
  try {
    output.out(
      exportConfig({
        config: store.config.load(),
        pools: store.pools.list(),
        backends: store.backends.list(),
        keys: store.keys.list(),
        prices: store.prices.list(),
      }).trimEnd(),
    );
  } finally {
    store.close();
  }
  return 0;
}

/** Prints a new client secret, then the line for the file's `keys:`; how to use them on stderr. */
export function keyNewCommand(settings: Settings, output: CommandOutput = CONSOLE): number {
  const name = settings.keyName!;
  const { id, key } = newClientKey();
  output.err("New client key: the secret (shown once), then its line for keys: in the config file");
  output.out(key);
  output.out(`- { id: ${id}, name: ${JSON.stringify(name)}, sha256: "${sha256Hex(key)}" }`);
  return 0;
}

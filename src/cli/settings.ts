/**
 * @module settings
 * Process settings from CLI flags, environment and defaults (README.md, "Running it"):
 * flags win over env, env over defaults.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LOG_LEVELS, type LogLevel } from "../log.ts";
import { parseRedisUrl, RedisUrlError } from "../state/redis_url.ts";

/** The command to run. */
export type Command =
  | "serve"
  | "rotate-key"
  | "config-check"
  | "config-export"
  | "key-new"
  | "help"
  | "version";

/** Resolved process settings. */
export interface Settings {
  command: Command;
  host: string;
  port: number;
  dataDir: string;
  dbPath: string;
  masterKey: string | undefined;
  adminToken: string | undefined;
  logLevel: LogLevel;
  /** Open client connections allowed; undefined: derived from the descriptor limit. */
  maxConnections: number | undefined;
  /** Time a new connection has to send its first request's headers. @default 20000 */
  headerTimeoutMs: number;
  /** Time a keep-alive connection may wait for its next request. @default 60000 */
  idleTimeoutMs: number;
  /**
   * The declarative config file (docs/config.md): `--config` or `SIDECAR_CONFIG`
   * for `serve`, the file to check for `config check F`. @default undefined
   */
  configPath?: string | undefined;
  /** `key new --name N`: the new key's name. @default undefined */
  keyName?: string | undefined;
  /**
   * `SIDECAR_REDIS_URL`: the Redis that replicas share live state through
   * (docs/cluster.md), checked to parse; unset: state stays in this process.
   * @default undefined
   */
  redisUrl?: string | undefined;
  /** `SIDECAR_REDIS_PREFIX`: the prefix of every Redis key. @default "sidecar:" */
  redisPrefix?: string;
}

/** A problem with the command line or environment. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const HELP = `Sidecar — an OpenAI-compatible LLM gateway

Usage:
  sidecar [serve] [--host H] [--port P] [--data-dir D] [--config F]
                                     run the gateway (default); F declares pools, backends,
                                     keys and settings, reloaded on change and SIGHUP
  sidecar rotate-key [--data-dir D]  re-encrypt stored keys under a new master key
  sidecar config check F [--data-dir D]
                                     validate a config file: each error with its path
                                     (exit 2 when invalid); nothing is written
  sidecar config export [--data-dir D]
                                     print the stored config as a config file (YAML)
  sidecar key new --name N           print a new client key and its config file line
  sidecar --help | --version

Environment (flags win over env, env over defaults):
  SIDECAR_HOST        listen address                  (127.0.0.1)
  SIDECAR_PORT        listen port, 0 = any free port  (8686)
  SIDECAR_DATA_DIR    data directory                  (./data)
  SIDECAR_DB          SQLite file                     ($SIDECAR_DATA_DIR/sidecar.db)
  SIDECAR_MASTER_KEY  base64 of 32 bytes; unset: master.key in the data dir
  SIDECAR_ADMIN_TOKEN admin secret; unset: generated on first start, printed once
  SIDECAR_LOG_LEVEL   debug | info | warn | error     (info)
  SIDECAR_CONFIG      a declarative config file, as --config (unset)
  SIDECAR_MAX_CONNECTIONS   open client connections allowed; at the cap the longest-idle
                            one is closed, else the new one is refused with a 503
                            ((open-files limit - 64) / 2)
  SIDECAR_HEADER_TIMEOUT_MS time a new connection has to send its request headers (20000)
  SIDECAR_IDLE_TIMEOUT_MS   time a keep-alive connection may wait for its next request (60000)
  SIDECAR_REDIS_URL   redis://[user:pass@]host:port[/db] or rediss://...: share state with
                      the other Sidecars on it; unset: state is in this process (unset)
  SIDECAR_REDIS_PREFIX      prefix of every Redis key (sidecar:)
`;

/** Parses `args` and `env` into settings; throws {@link UsageError} on bad input. */
export function resolveSettings(
  args: readonly string[],
  env: (name: string) => string | undefined,
): Settings {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        "data-dir": { type: "string" },
        config: { type: "string" },
        name: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const command = values.help ? "help" : values.version ? "version" : commandOf(positionals);
  let configPath = values.config ?? env("SIDECAR_CONFIG");
  if (command === "config-check") configPath = positionals[2];
  if (command === "key-new" && !values.name?.trim()) {
    throw new UsageError('"key new" needs --name N');
  }

  const host = values.host ?? env("SIDECAR_HOST") ?? "127.0.0.1";
  const portText = values.port ?? env("SIDECAR_PORT") ?? "8686";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`Invalid port "${portText}": use 0-65535`);
  }
  const dataDir = values["data-dir"] ?? env("SIDECAR_DATA_DIR") ?? "./data";
  const level = (env("SIDECAR_LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`Invalid SIDECAR_LOG_LEVEL "${level}": use ${LOG_LEVELS.join(", ")}`);
  }
  return {
    command,
    host,
    port,
    dataDir,
    dbPath: env("SIDECAR_DB") ?? join(dataDir, "sidecar.db"),
    masterKey: env("SIDECAR_MASTER_KEY"),
    adminToken: env("SIDECAR_ADMIN_TOKEN"),
    logLevel: level as LogLevel,
    maxConnections: optionalCount(env, "SIDECAR_MAX_CONNECTIONS"),
    headerTimeoutMs: optionalCount(env, "SIDECAR_HEADER_TIMEOUT_MS") ?? 20_000,
    idleTimeoutMs: optionalCount(env, "SIDECAR_IDLE_TIMEOUT_MS") ?? 60_000,
    configPath: configPath || undefined,
    keyName: values.name?.trim(),
    redisUrl: redisUrl(env),
    redisPrefix: redisPrefix(env),
  };
}

/** `SIDECAR_REDIS_URL`, refused unless it parses; the message never holds the URL itself. */
function redisUrl(env: (name: string) => string | undefined): string | undefined {
  const text = env("SIDECAR_REDIS_URL") || undefined;
  if (text === undefined) return undefined;
  try {
    parseRedisUrl(text);
  } catch (err) {
    if (err instanceof RedisUrlError) throw new UsageError(`SIDECAR_REDIS_URL ${err.message}`);
    throw err;
  }
  return text;
}

function redisPrefix(env: (name: string) => string | undefined): string {
  const prefix = env("SIDECAR_REDIS_PREFIX") ?? "sidecar:";
  if (prefix === "") {
    throw new UsageError('Invalid SIDECAR_REDIS_PREFIX "": use a non-empty prefix, as "sidecar:"');
  }
  return prefix;
}

/** The command the positional arguments name: `serve`, `config check F`, `key new`... */
function commandOf(positionals: readonly string[]): Command {
  const [first = "serve", second, third] = positionals;
  const expect = (n: number) => {
    if (positionals.length > n) throw new UsageError(`Unexpected argument "${positionals[n]}"`);
  };
  if (first === "serve" || first === "rotate-key") {
    expect(1);
    return first;
  }
  if (first === "config") {
    if (second === "check") {
      if (third === undefined) {
        throw new UsageError('"config check" needs the file: config check F');
      }
      expect(3);
      return "config-check";
    }
    if (second === "export") {
      expect(2);
      return "config-export";
    }
    throw new UsageError('Use "config check F" or "config export" (try --help)');
  }
  if (first === "key") {
    if (second !== "new") throw new UsageError('Use "key new --name N" (try --help)');
    expect(2);
    return "key-new";
  }
  throw new UsageError(`Unknown command "${first}" (try --help)`);
}

/** A positive whole number from the variable `name`, or undefined when unset. */
function optionalCount(
  env: (name: string) => string | undefined,
  name: string,
): number | undefined {
  const text = env(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || !Number.isSafeInteger(n)) {
    throw new UsageError(`Invalid ${name} "${text}": use a whole number of at least 1`);
  }
  return n;
}

/**
 * @module settings
 * Process settings from CLI flags, environment and defaults (README.md, "Running it"):
 * flags win over env, env over defaults.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LOG_LEVELS, type LogLevel } from "../log.ts";

/** The command to run. */
export type Command = "serve" | "rotate-key" | "help" | "version";

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
}

/** A problem with the command line or environment. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const HELP = `Sidecar — an OpenAI-compatible LLM gateway

Usage:
  sidecar [serve] [--host H] [--port P] [--data-dir D]   run the gateway (default)
  sidecar rotate-key [--data-dir D]                      re-encrypt stored keys under a new master key
  sidecar --help | --version

Environment (flags win over env, env over defaults):
  SIDECAR_HOST        listen address                  (127.0.0.1)
  SIDECAR_PORT        listen port, 0 = any free port  (8686)
  SIDECAR_DATA_DIR    data directory                  (./data)
  SIDECAR_DB          SQLite file                     ($SIDECAR_DATA_DIR/sidecar.db)
  SIDECAR_MASTER_KEY  base64 of 32 bytes; unset: master.key in the data dir
  SIDECAR_ADMIN_TOKEN admin secret; unset: generated on first start, printed once
  SIDECAR_LOG_LEVEL   debug | info | warn | error     (info)
  SIDECAR_MAX_CONNECTIONS   open client connections allowed; at the cap the longest-idle
                            one is closed, else the new one is refused with a 503
                            ((open-files limit - 64) / 2)
  SIDECAR_HEADER_TIMEOUT_MS time a new connection has to send its request headers (20000)
  SIDECAR_IDLE_TIMEOUT_MS   time a keep-alive connection may wait for its next request (60000)
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
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const first = positionals[0] ?? "serve";
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}"`);
  let command: Command;
  if (values.help) command = "help";
  else if (values.version) command = "version";
  else if (first === "serve" || first === "rotate-key") command = first;
  else throw new UsageError(`Unknown command "${first}" (try --help)`);

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
  };
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

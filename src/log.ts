/**
 * @module log
 * JSON-lines logger on stdout with a level threshold. Callers pass plain
 * fields; nothing secret is ever handed to it.
 */

/** Log levels in increasing severity. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines through `write` (stdout by default). */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => console.log(line),
  now: () => number = Date.now,
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const off = () => {};
  // A level below the threshold gets a no-op: the proxy logs every request at info.
  const emit = (lvl: LogLevel) =>
    LOG_LEVELS.indexOf(lvl) < min ? off : (msg: string, fields: Record<string, unknown> = {}) => {
      write(JSON.stringify({ ts: new Date(now()).toISOString(), level: lvl, msg, ...fields }));
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

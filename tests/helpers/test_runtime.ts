/**
 * @module test_runtime
 * Builds a real Sidecar runtime for tests: a SQLite file in a temp dir, a
 * fixed admin token, an injectable clock, and the full app.
 */
import type { Hono } from "hono";
import type { AppDeps } from "../../src/app_deps.ts";
import { boot, type BootOptions, type Runtime } from "../../src/boot.ts";
import type { Settings } from "../../src/cli/settings.ts";
import { createApp } from "../../src/http/app.ts";
import { createLogger, type Logger } from "../../src/log.ts";

export const ADMIN_TOKEN = "sc-admin-test-token";

/** A test instance: app, deps, captured log lines, and cleanup. */
export interface TestRuntime extends AsyncDisposable {
  app: Hono;
  deps: AppDeps;
  runtime: Runtime;
  dataDir: string;
  logLines: string[];
  /** `app.request` with the admin bearer token and JSON body. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A mutable clock for tests, and a `sleep` on it: a wait moves the clock on
 * by its length at once (and is remembered in `waits`), so backoffs and
 * waits for a cooldown take no real time.
 */
export class FakeClock {
  /** Every wait asked for, in ms, in order. */
  readonly waits: number[] = [];
  constructor(public ms = Date.UTC(2026, 10, 27, 10, 0, 0)) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  sleep = (ms: number, signal?: AbortSignal): Promise<boolean> => {
    if (signal?.aborted) return Promise.resolve(false);
    this.waits.push(ms);
    this.ms += Math.max(0, ms);
    return Promise.resolve(true);
  };
}

/** Options for {@link startTestRuntime}. */
export interface TestRuntimeOptions extends BootOptions {
  dataDir?: string;
  settings?: Partial<Settings>;
}

/** Boots a runtime on a temp data dir (or the given one). */
export async function startTestRuntime(opts: TestRuntimeOptions = {}): Promise<TestRuntime> {
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "sidecar-test-" });
  const logLines: string[] = [];
  const settings: Settings = {
    command: "serve",
    host: "127.0.0.1",
    port: 0,
    dataDir,
    dbPath: `${dataDir}/sidecar.db`,
    masterKey: undefined,
    adminToken: ADMIN_TOKEN,
    logLevel: "debug",
    maxConnections: undefined,
    headerTimeoutMs: 20_000,
    idleTimeoutMs: 60_000,
    ...opts.settings,
  };
  const log: Logger = createLogger(settings.logLevel, (line) => logLines.push(line));
  const runtime = await boot(settings, log, opts);
  const app = createApp(runtime.deps);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await runtime.close();
    if (!opts.dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  return {
    app,
    deps: runtime.deps,
    runtime,
    dataDir,
    logLines,
    admin: (method, path, body) =>
      Promise.resolve(app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined
          ? undefined
          : typeof body === "string"
          ? body
          : JSON.stringify(body),
      })),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * @module config_file_loader
 * Loads the config file at start-up and again on `SIGHUP` or when it changes
 * (docs/config.md, "Reloading"): each load validates the whole file, then
 * applies it in one transaction; a refused file keeps the running config,
 * logs one error line and is shown on the dashboard. Loads never overlap.
 */
import { basename, dirname, resolve } from "node:path";
import type { AppDeps } from "../app_deps.ts";
import { isoSeconds } from "../bytes.ts";
import { applyConfigFile, type ApplyOptions, releaseConfigFile } from "./apply_config_file.ts";
import { asFileOwned, type StoredIds } from "./check_references.ts";
import { type ConfigIssue, formatIssues } from "./config_issue.ts";
import { readConfigFileStatus, writeConfigFileStatus } from "./config_file_status.ts";
import type { EnvLookup } from "./env_refs.ts";
import { readConfigFile } from "./parse_config_file.ts";

/** What a load did. */
export type LoadResult = { applied: true } | { applied: false; issues: ConfigIssue[] };

/** Options of {@link ConfigFileLoader}. */
export interface LoaderOptions extends ApplyOptions {
  /** @default Deno.env.get */
  env?: EnvLookup;
}

/** The ids the database holds, for the file's reference checks. */
export function storedIds(store: AppDeps["store"]): StoredIds {
  return { pools: store.pools.list(), backends: store.backends.list(), keys: store.keys.list() };
}

/** Loads one file into one runtime, one load at a time. */
export class ConfigFileLoader {
  readonly path: string;
  #queue: Promise<unknown> = Promise.resolve();
  #lastText: string | undefined;

  constructor(
    readonly deps: Pick<
      AppDeps,
      "store" | "registry" | "box" | "keyRing" | "now" | "log" | "prices"
    >,
    path: string,
    readonly opts: LoaderOptions = {},
  ) {
    this.path = resolve(path);
  }

  /**
   * Validates and applies the file. `ifChanged` skips a file whose text is
   * the same as at the last load (a watch event for another file, a touch).
   */
  load(reason: string, ifChanged = false): Promise<LoadResult | undefined> {
    const run = this.#queue.then(() => this.#load(reason, ifChanged));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #load(reason: string, ifChanged: boolean): Promise<LoadResult | undefined> {
    const { store, log } = this.deps;
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(this.path);
    } catch {
      text = undefined; // reported by readConfigFile below
    }
    if (ifChanged && text !== undefined && text === this.#lastText) return undefined;
    this.#lastText = text;
    const env = this.opts.env ?? ((name: string) => Deno.env.get(name));
    const stored = storedIds(store);
    const parsed = await readConfigFile(
      this.path,
      env,
      this.opts.exclusive ? asFileOwned(stored) : stored,
    );
    let result: LoadResult;
    if (parsed.ok) {
      try {
        const { removedDashboardRows, ...counts } = await applyConfigFile(
          this.deps,
          parsed.config,
          this.opts,
        );
        result = { applied: true };
        log.info("config file applied", { path: this.path, reason, ...counts });
        if (removedDashboardRows.length > 0) {
          log.warn(
            "rows the config file does not list were deleted: with shared state the file is the only source",
            {
              path: this.path,
              removed: removedDashboardRows.join(", "),
            },
          );
        }
      } catch (err) {
        result = {
          applied: false,
          issues: [{ path: "", message: `Not applied: ${(err as Error).message}` }],
        };
      }
    } else result = { applied: false, issues: parsed.issues };
    const previous = readConfigFileStatus(store.meta);
    if (result.applied) {
      writeConfigFileStatus(store.meta, {
        path: this.path,
        loaded_at: isoSeconds(this.deps.now()),
        error: null,
      });
    } else {
      const error = formatIssues(result.issues);
      log.error("config file refused; the running config is kept", {
        path: this.path,
        reason,
        errors: error,
      });
      writeConfigFileStatus(store.meta, {
        path: this.path,
        loaded_at: previous?.path === this.path ? previous.loaded_at : null,
        error,
      });
    }
    return result;
  }
}

/** A running watch; `close()` stops it. */
export interface ConfigFileWatch {
  close(): void;
}

/**
 * Reloads on `SIGHUP` (always) and when the file's directory changes
 * (debounced; only when the text changed). The directory is watched, not the
 * file: editors and Kubernetes replace files by rename, which ends a watch
 * on the file itself.
 */
export function watchConfigFile(
  loader: ConfigFileLoader,
  opts: { debounceMs?: number; signal?: boolean } = {},
): ConfigFileWatch {
  const debounceMs = opts.debounceMs ?? 200;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const onHup = () => void loader.load("SIGHUP");
  if (opts.signal !== false && Deno.build.os !== "windows") {
    Deno.addSignalListener("SIGHUP", onHup);
  }
  const watcher = Deno.watchFs(dirname(loader.path), { recursive: false });
  const name = basename(loader.path);
  void (async () => {
    try {
      for await (const event of watcher) {
        // Any change in the directory may be the file (a symlink swap names another entry).
        if (event.kind === "access" && !event.paths.some((p) => basename(p) === name)) continue;
        clearTimeout(timer);
        timer = setTimeout(() => void loader.load("file changed", true), debounceMs);
      }
    } catch (err) {
      if (!closed) loader.deps.log.warn("config file watch ended", { error: String(err) });
    }
  })();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (opts.signal !== false && Deno.build.os !== "windows") {
        Deno.removeSignalListener("SIGHUP", onHup);
      }
      watcher.close();
    },
  };
}

/** Forgets any file: its rows go back to the dashboard (a start without `--config`). */
export function noConfigFile(deps: Pick<AppDeps, "store">): void {
  if (readConfigFileStatus(deps.store.meta) === null && !hasManaged(deps.store)) return;
  releaseConfigFile(deps);
  writeConfigFileStatus(deps.store.meta, null);
}

function hasManaged(store: AppDeps["store"]): boolean {
  return store.config.managedFields().length > 0 ||
    [...store.pools.list(), ...store.backends.list(), ...store.keys.list(), ...store.prices.list()]
      .some((r) => r.managed);
}

/**
 * @module boot
 * Opens everything Sidecar runs on — data dir, database, master key, admin
 * token, routing table — and returns the app's dependencies. Shared by the
 * `serve` command and by tests that want a real file-backed instance.
 */
import { AUTH_LIMIT_DEFAULTS, FailedAuthLimiter } from "./auth/failed_auth_limiter.ts";
import { KeyRing } from "./auth/key_ring.ts";
import { reloadRuntime } from "./admin/reload.ts";
import type { AppDeps } from "./app_deps.ts";
import type { Settings } from "./cli/settings.ts";
import { type HealthListener, Registry } from "./engine/registry.ts";
import type { Logger } from "./log.ts";
import { Metrics } from "./metrics.ts";
import { PriceBook } from "./pricing/price_book.ts";
import { type AdminToken, resolveAdminToken } from "./secrets/admin_token.ts";
import { KEY_CHECK_META, loadMasterKey, verifyMasterKey } from "./secrets/master_key.ts";
import { SecretBox } from "./secrets/secret_box.ts";
import { Deadlines } from "./proxy/deadlines.ts";
import { lockDataDir } from "./store/data_dir_lock.ts";
import { StartupError } from "./errors.ts";
import { openDatabase } from "./store/database.ts";
import { createStore, type Store } from "./store/store.ts";
import { createHttp1Client } from "./upstream/http1_client.ts";
import { InProcessState } from "./state/in_process_state.ts";
import { StoredSpend } from "./state/in_process_budget.ts";
import type { SharedState } from "./state/shared_state.ts";
import { REAL_TIMERS, type Timers } from "./timers.ts";
import { VERSION } from "./version.ts";

/** A running instance's dependencies and how to close it. */
export interface Runtime {
  deps: AppDeps;
  admin: AdminToken;
  /** Closes the store and the data dir at once; resolves when the shared state is closed too. */
  close(): Promise<void>;
}

/** Options for tests: inject the clock, randomness and upstream client. */
export interface BootOptions {
  now?: () => number;
  /** The attempt loop's waits; tests pass a fake clock's. */
  sleep?: Timers["sleep"];
  random?: () => number;
  fetch?: typeof fetch;
}

/** Opens the data dir and database and builds the dependencies. */
export async function boot(
  settings: Settings,
  log: Logger,
  opts: BootOptions = {},
): Promise<Runtime> {
  ensureDataDir(settings.dataDir);
  const now = opts.now ?? Date.now;
  // Held until close (or the process dies): no second server, no rotation meanwhile.
  const lock = lockDataDir(settings.dataDir, "first, or give this one another --data-dir");
  let store: Store;
  try {
    store = createStore(openDatabase(settings.dbPath), {
      onError: (err, dropped) =>
        log.error("usage write failed", { dropped, error: (err as Error).message }),
      requestWriter: {
        onError: (error, dropped) => log.error("request record write failed", { dropped, error }),
      },
    });
  } catch (err) {
    lock.release();
    throw err;
  }
  // The upstream client is ours to close unless the caller brought one.
  const upstream = opts.fetch ? undefined : createHttp1Client();
  let shared: SharedState | undefined;
  const close = async () => {
    void upstream?.close();
    store.close();
    lock.release();
    await shared?.close();
  };
  try {
    // Never mint a new key for a database that already holds sealed data.
    const mayCreate = store.meta.get(KEY_CHECK_META) === undefined;
    if (!mayCreate && !settings.masterKey) requireKeyFile(settings.dataDir);
    const { raw, source } = loadMasterKey(settings.masterKey, settings.dataDir);
    if (source.kind === "file" && source.created) {
      log.info("created master key", { path: source.path });
    }
    const box = await SecretBox.fromRawKey(raw);
    await verifyMasterKey(store.meta, box);
    const admin = resolveAdminToken(store.meta, settings.adminToken);
    const cluster = shared = await openSharedState(settings, log, store, now());
    const registry = new Registry(
      store.config.load(),
      persistHealth(store),
      // Written behind like health: a mark lost to a crash costs one more refused continuation.
      (mark) => store.writes.enqueue(() => store.resumeMarks.save(mark)),
      cluster,
    );
    const deps: AppDeps = {
      store,
      registry,
      box,
      keyRing: new KeyRing(admin.hash, cluster),
      authLimiter: loadAuthLimiter(store, now()),
      log,
      metrics: new Metrics({ clusterStatus: () => cluster.clusterStatus() }),
      prices: new PriceBook(),
      now,
      sleep: opts.sleep ?? REAL_TIMERS.sleep,
      random: opts.random ?? Math.random,
      deadlines: new Deadlines(),
      fetch: opts.fetch ?? upstream!.fetch,
      version: VERSION,
    };
    await reloadRuntime(deps, store.health.loadAll());
    registry.loadResumeMarks(store.resumeMarks.loadAll());
    // Once the table is loaded, so that the cluster's cooldowns find their backends.
    await cluster.attach({
      onChange: (change) => registry.applyRemote(change, now()),
      liveScopes: () => registry.liveScopes(now()),
      probeTimeoutMs: () => registry.policy.probeTimeoutMs,
    });
    return { deps, admin, close };
  } catch (err) {
    void close();
    throw err;
  }
}

/**
 * Where live state lives (docs/cluster.md): this process, with budgets'
 * spend kept in SQLite, or, with SIDECAR_REDIS_URL, a Redis shared with the
 * other replicas (which holds the spend then). Redis down is a degraded
 * start, never a failed one.
 */
async function openSharedState(
  settings: Settings,
  log: Logger,
  store: Store,
  now: number,
): Promise<SharedState> {
  if (!settings.redisUrl) return new InProcessState({ spend: loadSpend(store, now) });
  // Loaded only here, so that without SIDECAR_REDIS_URL no Redis code runs at all.
  const { startRedisState } = await import("./state/redis_state.ts");
  return await startRedisState({
    url: settings.redisUrl,
    prefix: settings.redisPrefix ?? "sidecar:",
    log,
    version: VERSION,
  });
}

/**
 * Budgets' spend as it was before a restart, written behind on the request
 * writer's thread with the records (a crash loses at most the settlements
 * of its last ~20 ms).
 */
function loadSpend(store: Store, now: number): StoredSpend {
  store.keySpend.purge(now);
  return new StoredSpend(store.keySpend.loadAll(), (row) => store.requestLog.addSpend(row));
}

/**
 * The failed-authentication limiter with the state it had before a restart;
 * its changes are written behind, like health (losing the last 50 ms of
 * failures to a crash only forgives a few guesses).
 */
function loadAuthLimiter(store: Store, now: number): FailedAuthLimiter {
  const log = {
    save: (client: string, failures: readonly number[]) =>
      store.writes.enqueue(() => store.authFailures.save(client, failures)),
    remove: (client: string) => store.writes.enqueue(() => store.authFailures.remove(client)),
  };
  const { windowMs, maxClients } = AUTH_LIMIT_DEFAULTS;
  store.authFailures.purge(now - windowMs);
  return new FailedAuthLimiter({ log }, store.authFailures.loadRecent(now - windowMs, maxClients));
}

/** Write-behind of health changes and cooldown events, for either scope. */
function persistHealth(store: Store): HealthListener {
  return (id, health, change) =>
    store.writes.enqueue(() => {
      const model = change.model;
      store.health.save(id, health, model);
      const s = change.started;
      if (s && s.extended) store.health.endLatest(id, s.until, change.now, model);
      else if (s) {
        store.health.addEvent({
          backend_id: id,
          model: model ?? null,
          reason: s.reason,
          consecutive: s.consecutive,
          seconds: s.seconds,
          started_at: s.since,
          ended_at: s.until,
        });
      }
      if (change.cleared) store.health.endLatest(id, change.now, change.now, model);
    });
}

function ensureDataDir(dir: string): void {
  try {
    Deno.mkdirSync(dir, { recursive: true });
    const probe = `${dir}/.write-test-${crypto.randomUUID()}`;
    Deno.writeTextFileSync(probe, "");
    Deno.removeSync(probe);
  } catch (err) {
    throw new StartupError(`Data directory "${dir}" is not writable: ${(err as Error).message}`);
  }
}

function requireKeyFile(dir: string): void {
  try {
    Deno.statSync(`${dir}/master.key`);
  } catch {
    throw new StartupError(
      `This database holds encrypted keys but "${dir}/master.key" is missing and ` +
        "SIDECAR_MASTER_KEY is not set: restore the master key the database was created with",
    );
  }
}

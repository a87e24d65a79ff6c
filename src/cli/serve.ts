/**
 * @module serve
 * `sidecar serve`: boot, listen, and shut down gracefully on SIGINT/SIGTERM
 * (stop accepting, finish in-flight requests within a bound, flush usage).
 * Listening goes through Sidecar's own server (src/net/http_server.ts), which
 * bounds client connections; `Deno.serve` cannot.
 */
import { boot } from "../boot.ts";
import { startConfigFile } from "../config_file/start_config_file.ts";
import { createApp } from "../http/app.ts";
import type { Logger } from "../log.ts";
import {
  defaultMaxConnections,
  FALLBACK_DESCRIPTOR_LIMIT,
  processDescriptorLimit,
} from "../net/descriptor_limit.ts";
import { startHttpServer } from "../net/http_server.ts";
import { VERSION } from "../version.ts";
import type { Settings } from "./settings.ts";

/** How long in-flight requests get to finish on shutdown. */
const DRAIN_MS = 10_000;
const HOUR_MS = 3_600_000;
/** WAL checkpoint period: rare enough to keep its fsync off most requests. */
const CHECKPOINT_MS = 30_000;

/** Runs the server until a signal stops it; resolves when shut down. */
export async function serve(settings: Settings, log: Logger): Promise<void> {
  const rt = await boot(settings, log);
  const { deps } = rt;
  if (rt.admin.generated) {
    console.error(
      `Admin token (shown once; only its hash is stored — save it now): ${rt.admin.generated}`,
    );
  }
  // The declarative config file (docs/config.md): applied before the first request, then watched.
  const configWatch = await startConfigFile(deps, settings.configPath).catch((err) => {
    rt.close();
    throw err;
  });
  const app = createApp(deps);
  const descriptors = processDescriptorLimit();
  if (settings.maxConnections === undefined && descriptors === undefined) {
    log.warn("open-files limit unreadable: connection cap assumes the lowest common one", {
      assumed_limit: FALLBACK_DESCRIPTOR_LIMIT,
      fix: "run with --allow-all (deno task start does) or set SIDECAR_MAX_CONNECTIONS",
    });
  }
  const limits = {
    maxConnections: settings.maxConnections ??
      defaultMaxConnections(descriptors ?? FALLBACK_DESCRIPTOR_LIMIT),
    headerTimeoutMs: settings.headerTimeoutMs,
    idleTimeoutMs: settings.idleTimeoutMs,
  };
  const server = startHttpServer({
    hostname: settings.host,
    port: settings.port,
    handler: app.fetch,
    limits,
    log,
  });
  log.info("connection limits", {
    max_connections: limits.maxConnections,
    header_timeout_ms: limits.headerTimeoutMs,
    idle_timeout_ms: limits.idleTimeoutMs,
  });
  const { hostname, port } = server.addr;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  console.log(`Sidecar ${VERSION} listening on http://${host}:${port}`);

  const purge = () => {
    const cutoff = deps.now() - deps.registry.config.usage_retention_days * 86_400_000;
    deps.store.requestLog.purge(cutoff);
    deps.store.writes.enqueue(() => {
      deps.store.health.purge(cutoff);
      deps.store.sessions.expire(deps.now());
    });
  };
  purge();
  const purgeTimer = setInterval(purge, HOUR_MS);
  const checkpointTimer = setInterval(() => {
    try {
      deps.store.checkpoint();
    } catch (err) {
      log.warn("checkpoint failed", { error: (err as Error).message });
    }
  }, CHECKPOINT_MS);

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) =>
    stopping ??= (async () => {
      log.info("shutting down", { signal });
      clearInterval(purgeTimer);
      clearInterval(checkpointTimer);
      configWatch?.close();
      const drained = await Promise.race([
        server.shutdown().then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), DRAIN_MS)),
      ]);
      if (!drained) log.warn("in-flight requests did not finish in time", { drain_ms: DRAIN_MS });
      // Awaited: the shared state takes this replica's heartbeat out of Redis before exit.
      await rt.close();
      log.info("stopped");
      Deno.exit(0);
    })();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => void stop(sig));
  }
  await server.finished;
  // The server finishes inside a shutdown: the rest of it (flushing records) must run first.
  await stopping;
}

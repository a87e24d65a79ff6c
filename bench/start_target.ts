/** @module Starts one benchmark configuration by id, or says why it cannot run here. */

import type { Child } from "./child.ts";
import { findNginx, startNginx } from "./nginx.ts";
import { ensurePortkeyInstalled, startPortkey } from "./portkey.ts";
import { startRedisServer } from "./redis_server.ts";
import { sidecarPresent, startSidecar } from "./sidecar.ts";
import { startSidecarVariant } from "./sidecar_variants.ts";
import { directTarget, startPassthrough, type Target } from "./target.ts";

/** Starts configuration `id` in front of `mock`; throws with the reason when it cannot run here. */
export async function startTarget(
  id: string,
  mock: Child,
  log: (msg: string) => void,
  baseline?: string,
): Promise<Target> {
  switch (id) {
    case "direct":
      return directTarget(mock);
    case "passthrough":
      return await startPassthrough(mock.url);
    case "nginx": {
      const nginx = await findNginx();
      if (!nginx) throw new Error("nginx is not installed (Debian: apt-get install nginx-light)");
      return await startNginx(mock.url, nginx);
    }
    case "sidecar":
    case "sidecar_3x3":
      if (!(await sidecarPresent())) throw new Error("main.ts does not exist yet");
      return await startSidecar(mock.url, id === "sidecar" ? "single" : "pools");
    case "sidecar_baseline":
      if (!baseline) throw new Error("no --baseline=DIR given");
      return await startSidecar(mock.url, "single", { root: baseline });
    case "sidecar_redis":
      if (!(await sidecarPresent())) throw new Error("main.ts does not exist yet");
      return await startSidecarOnRedis(mock.url);
    case "sidecar_governed":
    case "sidecar_messages":
    case "sidecar_translated":
      if (!(await sidecarPresent())) throw new Error("main.ts does not exist yet");
      return await startSidecarVariant(id, mock);
    case "portkey":
      await ensurePortkeyInstalled(log);
      return await startPortkey(mock.url);
    default:
      throw new Error(`Unknown configuration "${id}"`);
  }
}

/**
 * `sidecar_redis`: the `sidecar` configuration in Redis mode, on a
 * redis-server of its own (fresh for each start, so a soak or a restart
 * never inherits leases or counters), stopped with it.
 */
async function startSidecarOnRedis(mockUrl: string): Promise<Target> {
  const redis = await startRedisServer();
  let sidecar: Target;
  try {
    sidecar = await startSidecar(mockUrl, "single", { redisUrl: redis.url });
  } catch (e) {
    await redis.stop();
    throw e;
  }
  return {
    ...sidecar,
    companionPids: [redis.pid],
    command: `${redis.command} & ${sidecar.command}`,
    async stop() {
      // Sidecar first: it takes its heartbeat out of Redis on the way down.
      await sidecar.stop();
      await redis.stop();
    },
  };
}

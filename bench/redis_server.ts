/**
 * @module The benchmark's own redis-server for Sidecar's Redis mode: on a
 * free port of 127.0.0.1, in a temp dir, persisting nothing, so a run never
 * touches a Redis someone else uses and leaves nothing behind.
 */

import { freePort, spawnChild } from "./child.ts";

/** Raised when a tool a configuration needs is not installed: the configuration is skipped. */
export class MissingTool extends Error {
  override name = "MissingTool";
}

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`, for `SIDECAR_REDIS_URL`. */
  url: string;
  pid: number;
  /** The command line that started it. */
  command: string;
  /** Stops the server and removes its temp dir. */
  stop(): Promise<void>;
}

const SEARCH = ["/usr/bin", "/usr/local/bin", "/usr/sbin"];

/** The redis-server binary: on PATH, else in the usual places; undefined when not installed. */
export function findRedisServer(): string | undefined {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean), ...SEARCH];
  for (const dir of dirs) {
    try {
      const path = `${dir}/redis-server`;
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** The arguments of a redis-server on `port` that writes nothing to disk but its temp `dir`. */
export function redisArgs(port: number, dir: string): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ];
}

/** Starts a redis-server; throws {@link MissingTool} when there is none to run. */
export async function startRedisServer(): Promise<RedisServer> {
  const bin = findRedisServer();
  if (!bin) {
    throw new MissingTool("redis-server is not installed (Debian: apt-get install redis-server)");
  }
  const dir = await Deno.makeTempDir({ prefix: "sidecar-bench-redis-" });
  const port = freePort();
  const child = await spawnChild({
    name: "redis-server",
    cmd: bin,
    args: redisArgs(port, dir),
    ready: /Ready to accept connections/,
    timeoutMs: 10000,
  }).catch(async (e) => {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    command: child.command,
    async stop() {
      await child.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

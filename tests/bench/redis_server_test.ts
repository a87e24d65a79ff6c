/**
 * @module Tests of the benchmark's own redis-server: started on a free
 * loopback port that answers PING, persisting nothing, gone once stopped.
 */
import assert from "node:assert/strict";
import { findRedisServer, redisArgs, startRedisServer } from "../../bench/redis_server.ts";

Deno.test("redisArgs() binds loopback only and persists nothing outside its dir", () => {
  const args = redisArgs(40123, "/tmp/x");
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(value("--port"), "40123");
  assert.equal(value("--bind"), "127.0.0.1");
  assert.equal(value("--save"), "");
  assert.equal(value("--appendonly"), "no");
  assert.equal(value("--dir"), "/tmp/x");
});

async function ping(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "startRedisServer() answers PING on 127.0.0.1 and is gone after stop()",
  ignore: findRedisServer() === undefined,
  async fn() {
    const redis = await startRedisServer();
    let stopped = false;
    try {
      assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await ping(redis.url), "+PONG");
      const dir = redis.command.split("--dir ")[1]!;
      assert.ok((await Deno.stat(dir)).isDirectory);
      await redis.stop();
      stopped = true;
      await assert.rejects(() => ping(redis.url));
      await assert.rejects(() => Deno.stat(dir), Deno.errors.NotFound);
    } finally {
      if (!stopped) await redis.stop();
    }
  },
});

/**
 * @module redis_connection_test
 * RedisConnection against a real redis-server: never throws for a Redis
 * that is away, one log line per change (not per retry), `onChange`, the
 * password never logged, and a close that stops reconnecting.
 */
import assert from "node:assert/strict";
import { createLogger } from "../../src/log.ts";
import { RedisConnection, type RedisConnectionOptions } from "../../src/state/redis_connection.ts";
import { parseRedisUrl } from "../../src/state/redis_url.ts";
import { freePort, NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { until } from "../helpers/until.ts";

function connect(url: string, opts: Partial<RedisConnectionOptions> = {}) {
  const lines: string[] = [];
  const conn = new RedisConnection({
    target: parseRedisUrl(url),
    log: createLogger("debug", (l) => lines.push(l)),
    firstRetryMs: 20,
    maxRetryMs: 100,
    ...opts,
  });
  const changes: boolean[] = [];
  conn.onChange((up) => changes.push(up));
  const said = (msg: string) => lines.filter((l) => JSON.parse(l).msg.startsWith(msg)).length;
  return { conn, lines, changes, said };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("RedisConnection to a port where nothing listens is down at once, says so once, and keeps retrying", async () => {
  const { conn, lines, said, changes } = connect(`redis://127.0.0.1:${freePort()}`);
  assert.equal(conn.state, "connecting");
  const t0 = Date.now();
  await conn.settled(1_000);
  assert.ok(Date.now() - t0 < 900, "the first failure settles it, not the timeout");
  assert.equal(conn.up, false);
  assert.equal(conn.state, "down");
  await sleep(400); // several retries at 20-100 ms
  assert.equal(said("shared state down"), 1, lines.join("\n"));
  assert.deepEqual(changes, [false]);
  await assert.rejects(conn.client.set("k", "v"), "commands fail at once, not queued");
  await conn.close();
});

Deno.test({
  name: "RedisConnection follows a real Redis down and up again, one line and one onChange each",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const { conn, said, changes, lines } = connect(server.url);
    await conn.settled(2_000);
    assert.equal(conn.up, true);
    assert.equal(said("shared state up"), 1);
    assert.equal(await conn.client.set("k", "v"), "OK");

    await server.stop();
    await until("the connection to go down", () => !conn.up);
    await sleep(300);
    assert.equal(said("shared state down"), 1, lines.join("\n"));

    await server.restart();
    await until("the connection to come back", () => conn.up);
    assert.equal(said("shared state up"), 2, lines.join("\n"));
    assert.equal(said("shared state down"), 1);
    assert.deepEqual(changes, [true, false, true]);
    assert.equal(await conn.client.ping(), "PONG");
    await conn.close();
    await until("the client to end", () => conn.client.status === "end");
  },
});

Deno.test({
  name: "RedisConnection signs in with the URL's password and never logs it, right or wrong",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const secret = "hunter2-s3cret";
    assert.equal(await server.command("CONFIG", "SET", "requirepass", secret), "+OK");
    const port = server.port;

    const wrong = connect(`redis://:not-${secret}@127.0.0.1:${port}`);
    await wrong.conn.settled(2_000);
    assert.equal(wrong.conn.up, false);
    await sleep(200);
    assert.equal(wrong.said("shared state down"), 1, wrong.lines.join("\n"));
    await wrong.conn.close();

    const right = connect(`redis://:${secret}@127.0.0.1:${port}/1`);
    await right.conn.settled(2_000);
    assert.equal(right.conn.up, true);
    await right.conn.close();

    for (const line of [...wrong.lines, ...right.lines]) {
      assert.ok(!line.includes(secret), line);
      assert.match(JSON.parse(line).redis, /^redis:\/\/127\.0\.0\.1:\d+\/[01]$/);
    }
  },
});

Deno.test("RedisConnection.close() while Redis is away returns at once and stops the retries", async () => {
  const { conn, said } = connect(`redis://127.0.0.1:${freePort()}`);
  await conn.settled(1_000);
  const t0 = Date.now();
  await conn.close();
  assert.ok(Date.now() - t0 < 100);
  await sleep(200);
  assert.equal(said("shared state"), 1, "nothing more after close");
});

/**
 * @module redis_url_test
 * parseRedisUrl(): the forms SIDECAR_REDIS_URL takes, as a table, and the
 * refusals, none of which repeats the password.
 */
import assert from "node:assert/strict";
import { parseRedisUrl, RedisUrlError } from "../../src/state/redis_url.ts";

const ACCEPTED: [string, Record<string, unknown>][] = [
  ["redis://127.0.0.1:6379", {
    tls: false,
    host: "127.0.0.1",
    port: 6379,
    db: 0,
    display: "redis://127.0.0.1:6379/0",
  }],
  ["redis://cache", { host: "cache", port: 6379, db: 0, display: "redis://cache:6379/0" }],
  ["redis://cache:7000/3", { port: 7000, db: 3, display: "redis://cache:7000/3" }],
  ["redis://cache:7000/", { db: 0 }],
  ["redis://u:p%40ss@h:1/2", { username: "u", password: "p@ss", display: "redis://h:1/2" }],
  ["redis://:s3cret@h", { password: "s3cret", display: "redis://h:6379/0" }],
  ["rediss://user:pw@redis.example:6380", {
    tls: true,
    username: "user",
    password: "pw",
    display: "rediss://redis.example:6380/0",
  }],
  ["redis://[::1]:7001/1", { host: "::1", port: 7001, display: "redis://[::1]:7001/1" }],
];

for (const [text, expected] of ACCEPTED) {
  Deno.test(`parseRedisUrl() reads ${text}`, () => {
    const target = parseRedisUrl(text);
    for (const [k, v] of Object.entries(expected)) {
      assert.deepEqual(target[k as keyof typeof target], v, k);
    }
    assert.ok(!target.display.includes("@"), "no credentials in the display form");
  });
}

Deno.test("parseRedisUrl() leaves out user and password when the URL has none", () => {
  const target = parseRedisUrl("redis://h:1");
  assert.equal("username" in target, false);
  assert.equal("password" in target, false);
});

const REFUSED: [string, RegExp][] = [
  ["127.0.0.1:6379", /not a URL/],
  ["localhost:6379", /scheme "localhost"/],
  ["http://user:hunter2@h:80", /scheme "http"/],
  ["redis://", /no host/],
  ["redis://:hunter2@h:99999", /not a URL/],
  ["redis://:hunter2@h:1/abc", /path "\/abc"/],
  ["redis://:hunter2@h:1/0?tls=true", /query/],
  ["redis://user:%zz@h", /password that is not percent-encoded/],
  ["not a url at all hunter2", /not a URL/],
];

for (const [text, message] of REFUSED) {
  Deno.test(`parseRedisUrl() refuses ${JSON.stringify(text)} without echoing a password`, () => {
    assert.throws(() => parseRedisUrl(text), (err: unknown) => {
      assert.ok(err instanceof RedisUrlError);
      assert.match(err.message, message);
      assert.ok(!err.message.includes("hunter2"), err.message);
      assert.ok(!err.message.includes("%zz"), err.message);
      return true;
    });
  });
}

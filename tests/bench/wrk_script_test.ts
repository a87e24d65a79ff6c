/**
 * @module wrk_script_test
 * The Lua script wrk runs: a plain load keeps wrk's static request (no Lua
 * call per request) and lists its histogram in done(); recording every
 * request adds the clock and the response() hook, and only at one
 * connection; the tail study's suspect names are checked.
 */
import assert from "node:assert/strict";
import { luaScript, runWrk } from "../../bench/wrk.ts";
import { parseSuspects } from "../../bench/tail_suspects.ts";

const BASE = {
  url: "http://127.0.0.1:1/v1/chat/completions",
  headers: { authorization: "Bearer sk-bench" },
  body: '{"model":"bench"}',
  connections: 1,
  durationS: 1,
};

Deno.test("a plain load has no per-request Lua and lists the histogram in done()", () => {
  const lua = luaScript(BASE);
  assert.ok(!/^request = function/m.test(lua), lua);
  assert.ok(!/^response = function/m.test(lua), lua);
  assert.match(lua, /local n = #latency/);
  assert.match(lua, /io\.write\("WRK_DIST "/);
  assert.match(luaScript({ ...BASE, listDistribution: false }), /local n = 0/);
});

Deno.test("recording every request adds a clock, the send time and a response() line", () => {
  const lua = luaScript({ ...BASE, recordTo: "/tmp/x.requests" });
  assert.match(lua, /ffi\.C\.clock_gettime\(0, ts\)/);
  assert.match(lua, /out = assert\(io\.open\(\[\[\/tmp\/x\.requests\]\], "w"\)\)/);
  assert.ok(lua.includes("request = function()\n  sent = now_us()\n  return plain\nend"), lua);
  assert.match(
    lua,
    /out:write\(string\.format\("%\.1f %\.1f %d\\n", sent, now_us\(\) - sent, status\)\)/,
  );
});

Deno.test("recording needs one connection on one thread", async () => {
  await assert.rejects(
    runWrk({ ...BASE, connections: 2, recordTo: "/tmp/x.requests" }),
    /one connection on one thread/,
  );
});

Deno.test("the tail study's suspects are known by name", () => {
  assert.deepEqual(parseSuspects(" writer, deadlines ,"), ["writer", "deadlines"]);
  assert.deepEqual(parseSuspects(undefined), []);
  assert.throws(() => parseSuspects("writer,gc"), /Unknown suspect\(s\) in BENCH_TAIL_OFF: gc/);
});

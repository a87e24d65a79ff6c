/**
 * @module proxy_bounds_test
 * Client-chosen strings stay bounded: an oversized model name is refused
 * before it reaches the routing cache, a record or a log line; unknown model
 * names cannot grow the candidate cache; a huge path gives a short message.
 */
import assert from "node:assert/strict";
import { assertErrorShape, chat, startProxy } from "./proxy_harness.ts";

const MB = 1024 * 1024;

Deno.test("a model name over 256 bytes is a 400 naming model, leaving no record or cache entry", async () => {
  await using p = await startProxy({ backends: [{ id: "b1", models: ["*"] }] });
  const before = p.rt.deps.registry.cachedModels;
  const logBytes = p.rt.logLines.join("").length;
  const res = await p.post("/chat/completions", chat({ model: "m".repeat(MB) }));
  assert.equal(res.status, 400);
  const body = await res.json();
  assertErrorShape(body);
  assert.equal(body.error.type, "invalid_request_error");
  assert.equal(body.error.param, "model");
  assert.ok(body.error.message.length < 200, "the error echoes the name");
  assert.equal(p.mock("b1").requests.length, 0);
  assert.equal(p.rt.deps.registry.cachedModels, before);
  assert.deepEqual(await p.records(), []);
  assert.ok(p.rt.logLines.join("").length - logBytes < 2000, "the name reached the log");

  // 256 bytes of UTF-8 is the limit, counted in bytes not characters.
  const atLimit = await p.post("/chat/completions", chat({ model: "é".repeat(128) }));
  assert.equal(atLimit.status, 200);
  await atLimit.body?.cancel();
  const over = await p.post("/chat/completions", chat({ model: "é".repeat(129) }));
  assert.equal(over.status, 400);
  assert.equal((await over.json()).error.param, "model");
});

Deno.test("many distinct unknown model names do not grow the candidate cache", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  for (let i = 0; i < 300; i++) {
    const res = await p.post("/chat/completions", chat({ model: `nope-${i}` }));
    assert.equal(res.status, 404);
    await res.body?.cancel();
  }
  assert.ok(p.rt.deps.registry.cachedModels <= 1, `${p.rt.deps.registry.cachedModels} cached`);
});

Deno.test("a huge /v1 path gives a bounded 404 message and log line", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const path = "/v1/" + "x".repeat(MB);
  const logBytes = p.rt.logLines.join("").length;
  for (const base of ["/v1/", "/nowhere/"]) {
    const res = await p.rt.app.request(base + "x".repeat(MB), {
      headers: { authorization: `Bearer ${p.key}` },
    });
    assert.equal(res.status, 404);
    const body = await res.json();
    assertErrorShape(body);
    assert.ok(body.error.message.length < 400, `message of ${body.error.message.length} chars`);
  }
  assert.ok(p.rt.logLines.join("").length - logBytes < 4000, "the path reached the log");
  assert.ok(path.length > MB);
});

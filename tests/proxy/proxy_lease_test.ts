/**
 * @module proxy_lease_test
 * An attempt's claim on its backend (in-flight count, half-open probe) is
 * settled on every path: a body too deep to walk is refused before any
 * attempt, and an exception thrown inside an attempt or a relay still frees
 * the backend and records the request.
 */
import assert from "node:assert/strict";
import { assertErrorShape, chat, type Proxy, startProxy } from "./proxy_harness.ts";
import { eventually } from "../helpers/until.ts";

Deno.test("a body nested 100,000 levels deep is a 400 naming the body, and nothing reaches the upstream", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", models: ["gpt-test"], model_map: { "gpt-test": "real" } }],
  });
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  for (const stream of [true, false]) {
    const res = await p.post(
      "/chat/completions",
      `{"model":"gpt-test","stream":${stream},"messages":${deep}}`,
    );
    assert.equal(res.status, 400);
    const body = await res.json();
    assertErrorShape(body);
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, /body/);
  }
  assert.equal(p.mock("b1").requests.length, 0);
  assert.equal((await p.status("b1")).in_flight, 0);
  // Brackets inside strings are text, not nesting.
  const text = await p.post(
    "/chat/completions",
    chat({ messages: [{ role: "user", content: deep }] }),
  );
  assert.equal(text.status, 200);
  await text.body?.cancel();
});

/** Cools b1 with a 429 and lets the cooldown expire, so the next request is its probe. */
async function expiredCooldown(p: Proxy) {
  p.mock("b1").script({ kind: "rate_limit", retryAfter: "1" });
  const cooled = await p.post("/chat/completions", chat());
  assert.equal(cooled.status, 429);
  await cooled.body?.cancel();
  p.clock.advance(60_000);
}

Deno.test("an exception inside the probe's attempt frees the backend, records the request, and the next request probes", async () => {
  let poison = false;
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    fetch: (input, init) => {
      if (!poison) return fetch(input, init);
      poison = false;
      // Not a network failure: an answer that throws when Sidecar reads it.
      const headers = {
        get() {
          throw new TypeError("poisoned headers");
        },
      };
      return Promise.resolve({ status: 200, headers } as unknown as Response);
    },
  });
  await expiredCooldown(p);
  poison = true;
  const failed = await p.post("/chat/completions", chat());
  assert.equal(failed.status, 500);
  assertErrorShape(await failed.json());
  const record = await p.record(failed.headers.get("x-request-id"));
  assert.equal(record.status, 500);
  assert.equal((await p.status("b1")).in_flight, 0);

  const next = await p.post("/chat/completions", chat());
  assert.equal(next.status, 200, await next.clone().text());
  await next.body?.cancel();
  assert.equal((await p.status("b1")).status, "active");
});

Deno.test("an exception while relaying a stream ends it in band, frees the backend and records it", async () => {
  let poison = false;
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    fetch: (input, init) => {
      if (!poison) return fetch(input, init);
      poison = false;
      const first = new TextEncoder().encode(
        'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n',
      );
      let sent = 0;
      // A body built in JS whose second chunk is not bytes: the relay throws on it.
      const body = new ReadableStream<unknown>({
        pull(c) {
          c.enqueue(sent++ === 0 ? first : null);
        },
      }) as ReadableStream<Uint8Array>;
      return Promise.resolve(
        new Response(body, { headers: { "content-type": "text/event-stream" } }),
      );
    },
  });
  await expiredCooldown(p);
  poison = true;
  const res = await p.post("/chat/completions", chat({ stream: true }));
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /Hi/);
  assert.match(text, /upstream_stream_truncated/);
  const record = await eventually("the record", async () => {
    const all = await p.records();
    return all.find((r) => r.id === res.headers.get("x-request-id"));
  });
  assert.equal(record.outcome, "truncated");
  assert.equal((await p.status("b1")).in_flight, 0);

  const next = await p.post("/chat/completions", chat());
  assert.equal(next.status, 200);
  await next.body?.cancel();
});

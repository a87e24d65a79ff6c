/**
 * @module proxy_exhausted_test
 * When nothing can serve, and max_attempts (docs/failover.md): model_not_found, all
 * backends unavailable (with an honest Retry-After, or a bounded wait), and
 * attempts spent on failures.
 */
import assert from "node:assert/strict";
import { ADMIN_TOKEN } from "../helpers/test_runtime.ts";
import {
  apiError,
  assertErrorShape,
  attemptsOf,
  type BackendDef,
  chat,
  ok,
  refusedUrl,
  startProxy,
} from "./proxy_harness.ts";

const PAIR: BackendDef[] = [{ id: "b1" }, { id: "b2", pool: "fallback" }];

Deno.test("no enabled backend serves the model: 404 model_not_found", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }, { id: "off", models: ["other-model"], enabled: false }],
  });
  for (const model of ["nope", "other-model"]) {
    const err = await apiError(() => p.client.chat.completions.create(chat({ model })));
    assert.equal(err.status, 404);
    assert.equal(err.code, "model_not_found");
    assert.equal(err.headers?.get("x-sidecar-attempts"), "0");
    const rec = await p.record(err.headers?.get("x-request-id"));
    assert.equal(rec.outcome, "no_backend");
    assert.equal(rec.status, 404);
    assert.deepEqual(rec.attempts, []);
  }
  const res = await p.post("/chat/completions", chat({ model: "nope" }));
  const body = await res.json();
  assertErrorShape(body);
  assert.equal(body.error.type, "not_found_error");
  assert.match(body.error.message, /"nope"/);
  assert.equal(p.mock("b1").requests.length, 0);
});

Deno.test("every backend answering 404 gives 404 model_not_found", async () => {
  await using p = await startProxy({ backends: PAIR });
  p.mock("b1").script({ kind: "status", status: 404 });
  p.mock("b2").script({ kind: "status", status: 404 });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 404);
  assert.equal(err.code, "model_not_found");
  const rec = await p.record(err.headers?.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["b1:not_found", "b2:not_found"]);
});

Deno.test("all candidates cooling: 429 all_backends_unavailable with an honest Retry-After", async () => {
  await using p = await startProxy({ backends: PAIR });
  p.mock("b1").script({ kind: "rate_limit", retryAfter: "30" });
  p.mock("b2").script({ kind: "rate_limit", retryAfter: "60" });

  const first = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(first.status, 429);
  assert.equal(first.type, "rate_limit_error");
  assert.equal(first.code, "all_backends_unavailable");
  assert.equal(first.headers?.get("retry-after"), "30");
  assert.equal(first.headers?.get("x-sidecar-attempts"), "2");
  const rec = await p.record(first.headers?.get("x-request-id"));
  assert.equal(rec.outcome, "rate_limited");
  assert.equal(rec.status, 429);
  assert.deepEqual(attemptsOf(rec), ["b1:rate_limited", "b2:rate_limited"]);

  // Later requests are answered from the cooldown state, without any upstream call.
  p.clock.advance(12_000);
  const res = await p.post("/chat/completions", chat());
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "18");
  assert.equal(res.headers.get("x-sidecar-attempts"), "0");
  const body = await res.json();
  assertErrorShape(body);
  assert.equal(body.error.code, "all_backends_unavailable");
  assert.equal(p.mock("b1").requests.length, 1);
  assert.equal(p.mock("b2").requests.length, 1);

  // Retry-After was honest: once it has passed, b1 serves again.
  p.clock.advance(18_000);
  const { response } = await p.client.chat.completions.create(chat()).withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "b1");
});

Deno.test("all cooling: Retry-After rounds a partial second up", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "rate_limit" }); // 5 s
  await apiError(() => p.client.chat.completions.create(chat()));
  p.clock.advance(3_400);
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 429);
  assert.equal(err.headers?.get("retry-after"), "2");
});

Deno.test("max_wait_ms: a request waits for a cooldown that ends soon, then is served", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    realClock: true,
    config: { cooldown_base_seconds: 0, max_wait_ms: 0 },
  });
  p.mock("b1").script({ kind: "rate_limit", retryAfterMs: "400" });
  await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal((await p.status("b1")).models_cooling.length, 1);
  await ok(p.rt.admin("PATCH", "/api/config", { max_wait_ms: 3000 }));

  const started = performance.now();
  const { data, response } = await p.client.chat.completions.create(chat()).withResponse();
  const waited = performance.now() - started;
  assert.equal(data.choices[0]?.message.content, "Hello from b1");
  assert.equal(response.headers.get("x-sidecar-attempts"), "1");
  assert.ok(waited >= 250 && waited < 2500, `waited ${waited} ms`);
  assert.equal(p.mock("b1").requests.length, 2);
  assert.deepEqual((await p.status("b1")).models_cooling, []);
});

Deno.test("max_wait_ms: a backend that 429s with a short Retry-After is waited for", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    realClock: true,
    config: { cooldown_base_seconds: 0, max_wait_ms: 3000 },
  });
  p.mock("b1").script({ kind: "rate_limit", retryAfterMs: "400" });
  const started = performance.now();
  const { response } = await p.client.chat.completions.create(chat()).withResponse();
  const waited = performance.now() - started;
  assert.equal(response.headers.get("x-sidecar-attempts"), "2");
  assert.ok(waited >= 250 && waited < 2500, `waited ${waited} ms`);
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["b1:rate_limited", "b1:ok"]);
});

Deno.test("max_wait_ms: a cooldown longer than the wait gives 429 at once", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    realClock: true,
    config: { max_wait_ms: 2000 },
  });
  p.mock("b1").script({ kind: "rate_limit" }); // 5 s
  await apiError(() => p.client.chat.completions.create(chat()));
  const started = performance.now();
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.ok(performance.now() - started < 1500, "it waited for a cooldown it could not outlast");
  assert.equal(err.status, 429);
  assert.equal(err.headers?.get("retry-after"), "5");
});

Deno.test("all backends failing with 503: 503 naming the backends, never a key", async () => {
  await using p = await startProxy({
    backends: [
      { id: "b1", api_key: "sk-backend-one-secret" },
      { id: "b2", pool: "fallback", api_key: "sk-backend-two-secret" },
    ],
    config: { max_attempts: 4, failure_threshold: 10 },
  });
  p.mock("b1").setDefault({ kind: "status", status: 503 });
  p.mock("b2").setDefault({ kind: "status", status: 503 });
  const res = await p.post("/chat/completions", chat());
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("x-sidecar-attempts"), "4");
  const text = await res.text();
  const body = JSON.parse(text);
  assertErrorShape(body);
  assert.equal(body.error.type, "server_error");
  assert.match(body.error.message, /b1: 503/);
  assert.match(body.error.message, /b2: 503/);
  for (const secret of ["sk-backend-one-secret", "sk-backend-two-secret", p.key, ADMIN_TOKEN]) {
    assert.ok(!text.includes(secret), "a key is in the error");
  }
  assert.equal(p.mock("b1").requests.length + p.mock("b2").requests.length, 4);
  assert.ok(p.mock("b2").requests.length >= 1);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "upstream_error");
  assert.equal(rec.status, 503);
  assert.equal(rec.attempts.length, 4);
  assert.ok(!JSON.stringify(rec).includes("sk-backend"), "a key is in the request record");
});

Deno.test("connection refused everywhere: 502", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", url: refusedUrl() }, { id: "b2", url: refusedUrl() }],
    config: { max_attempts: 3 },
  });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 502);
  assert.equal(err.headers?.get("x-sidecar-attempts"), "3");
  const rec = await p.record(err.headers?.get("x-request-id"));
  assert.equal(rec.outcome, "upstream_error");
  assert.ok(rec.attempts.every((a) => a.reason === "connection_error" && a.status === null));
  assert.ok(rec.error?.includes("b1") && rec.error.includes("b2"));
});

Deno.test("a lone backend that times out: 504 after one attempt", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }], config: { max_attempts: 4 } });
  p.mock("b1").setDefault({ kind: "hang" });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 504);
  assert.equal(p.mock("b1").requests.length, 1);
  const rec = await p.record(err.headers?.get("x-request-id"));
  assert.equal(rec.outcome, "timeout");
  assert.deepEqual(attemptsOf(rec), ["b1:timeout"]);
});

Deno.test("max_attempts bounds the upstream attempts of one request", async () => {
  const backends = ["b1", "b2", "b3", "b4", "b5"].map((id) => ({ id }));
  await using p = await startProxy({ backends, config: { max_attempts: 2 } });
  for (const b of backends) p.mock(b.id).setDefault({ kind: "status", status: 500 });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 500);
  assert.equal(err.headers?.get("x-sidecar-attempts"), "2");
  const total = backends.reduce((n, b) => n + p.mock(b.id).requests.length, 0);
  assert.equal(total, 2);
  const rec = await p.record(err.headers?.get("x-request-id"));
  assert.equal(rec.attempts.length, 2);
  assert.notEqual(rec.attempts[0]?.backend_id, rec.attempts[1]?.backend_id);
});

Deno.test("a lone backend's transient failures are retried pool_retries times, within max_attempts", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    config: { max_attempts: 3, failure_threshold: 10, pool_retries: 2 },
  });
  p.mock("b1").script({ kind: "status", status: 502 }, { kind: "reset" });
  const { response } = await p.client.chat.completions.create(chat()).withResponse();
  assert.equal(response.headers.get("x-sidecar-attempts"), "3");
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["b1:server_error", "b1:connection_error", "b1:ok"]);
});

Deno.test("a retry of the same backend waits a jittered backoff: half to all of a doubling step", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    random: () => 0.9, // (0.5 + 0.45) of 250 ms, then of 500 ms
    config: { max_attempts: 4, failure_threshold: 10, pool_retries: 2 },
  });
  p.mock("b1").script({ kind: "status", status: 503 }, { kind: "status", status: 503 });
  const { response } = await p.client.chat.completions.create(chat()).withResponse();
  assert.equal(response.headers.get("x-sidecar-attempts"), "3");
  assert.deepEqual(p.clock.waits, [237.5, 475]);
});

Deno.test("a retry's backoff ends early when the client goes away", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }], realClock: true, random: () => 1 });
  p.mock("b1").script({ kind: "status", status: 503 });
  const ac = new AbortController();
  const pending = fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.key}`, "content-type": "application/json" },
    body: JSON.stringify(chat()),
    signal: ac.signal,
  }).catch(() => null);
  // The first attempt fails at once; the client leaves during the 250 ms backoff.
  while (p.mock("b1").requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await pending;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(p.mock("b1").requests.length, 1, "the retry was sent after the client left");
  const [rec] = await p.records();
  assert.equal(rec?.outcome, "cancelled");
});

Deno.test("request_deadline_ms bounds all attempts together", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }, { id: "b2" }, { id: "b3" }, { id: "b4" }],
    realClock: true,
    // Wide margins (first timeout at 250 ms, deadline at 600 ms) keep this
    // exact on a loaded machine: timers may fire late, never early.
    config: { attempt_timeout_ms: 250, request_deadline_ms: 600, max_attempts: 4 },
  });
  for (const id of ["b1", "b2", "b3", "b4"]) p.mock(id).setDefault({ kind: "hang" });
  const started = performance.now();
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  const elapsed = performance.now() - started;
  assert.equal(err.status, 504);
  // Four timeouts would take 1000 ms; the deadline stops the loop before
  // the fourth (how many fit before it depends on timer lateness under load).
  assert.ok(elapsed >= 550 && elapsed < 1500, `took ${elapsed} ms for a 600 ms deadline`);
  const attempts = Number(err.headers?.get("x-sidecar-attempts"));
  assert.ok(attempts >= 2 && attempts <= 3, `${attempts} attempts`);
});

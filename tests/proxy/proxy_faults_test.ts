/**
 * @module proxy_faults_test
 * One attempt's outcome (docs/failover.md) and cooldowns (docs/cooldowns.md): each upstream fault
 * from a real misbehaving upstream, what the `openai` client gets, which
 * backends were tried, what was recorded and how the backend cools.
 */
import assert from "node:assert/strict";
import type { Script } from "../helpers/mock_upstream.ts";
import {
  apiError,
  assertUpstreamClosed,
  attemptsOf,
  type BackendDef,
  chat,
  coolingSeconds,
  pairCoolingSeconds,
  type Proxy,
  startProxy,
} from "./proxy_harness.ts";

/** b1 is always tried first (pool primary), b2 is the next candidate (pool fallback). */
const PAIR: BackendDef[] = [{ id: "b1" }, { id: "b2", pool: "fallback" }];

/**
 * Scripts b1 to answer `script` `times` times, sends one chat request, and
 * checks that b2 answered after b1 failed that often.
 */
async function failsOver(
  p: Proxy,
  script: Script,
  reason: string,
  status: number | null,
  times = 1,
) {
  for (let i = 0; i < times; i++) p.mock("b1").script(script);
  const { data, response } = await p.client.chat.completions.create(chat()).withResponse();
  assert.equal(data.choices[0]?.message.content, "Hello from b2");
  assert.equal(response.headers.get("x-sidecar-backend"), "b2");
  assert.equal(response.headers.get("x-sidecar-attempts"), String(times + 1));
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
  assert.equal(rec.status, 200);
  assert.equal(rec.backend_id, "b2");
  assert.deepEqual(rec.attempts.map((a) => [a.backend_id, a.status, a.reason]), [
    ...Array.from({ length: times }, () => ["b1", status, reason]),
    ["b2", 200, "ok"],
  ]);
  return rec;
}

/** A transient failure is retried once on b1 (pool_retries 1) before b2: b1 fails twice. */
const failsOverAfterRetry = (p: Proxy, script: Script, reason: string, status: number | null) =>
  failsOver(p, script, reason, status, 2);

Deno.test("429 without Retry-After fails over and cools the (backend, model) pair for base, then 2x base", async () => {
  await using p = await startProxy({ backends: PAIR });
  await failsOver(p, { kind: "rate_limit" }, "rate_limited", 429);

  const s1 = await p.status("b1");
  // Only the pair cools: the backend itself stays active for its other models.
  assert.equal(s1.status, "active");
  assert.equal(s1.cooldown_until, null);
  assert.deepEqual(s1.models_cooling.map((m) => [m.model, m.consecutive_429]), [["gpt-test", 1]]);
  assert.equal(s1.consecutive_429, 1);
  assert.equal(pairCoolingSeconds(s1, p.clock.ms), 5);
  let events = await p.cooldowns("b1");
  assert.equal(events.length, 1);
  assert.equal(events[0]?.reason, "429");
  assert.equal(events[0]?.model, "gpt-test");
  assert.equal(events[0]?.consecutive, 1);
  assert.equal(events[0]?.seconds, 5);
  assert.equal(events[0]?.started_at, new Date(p.clock.ms).toISOString());
  assert.equal(events[0]?.ended_at, new Date(p.clock.ms + 5000).toISOString());
  assert.equal((await p.status("b2")).status, "active");

  // Still cooling a moment before the end (the precheck keeps it away too).
  p.clock.advance(4500);
  await p.client.chat.completions.create(chat());
  assert.equal(p.mock("b1").requests.length, 1);
  assert.equal(p.mock("b2").requests.length, 2);

  // Expired: the next request probes b1, which 429s again: n = 2, so 10 s.
  p.clock.advance(500);
  await failsOver(p, { kind: "rate_limit" }, "rate_limited", 429);
  const s2 = await p.status("b1");
  assert.equal(s2.consecutive_429, 2);
  assert.equal(pairCoolingSeconds(s2, p.clock.ms), 10);
  events = await p.cooldowns("b1");
  assert.deepEqual(events.map((e) => [e.consecutive, e.seconds]), [[2, 10], [1, 5]]);

  // Then 20 s.
  p.clock.advance(10_000);
  await failsOver(p, { kind: "rate_limit" }, "rate_limited", 429);
  assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), 20);
});

Deno.test("429 cooldown grows linearly when cooldown_exponential_backoff is false", async () => {
  await using p = await startProxy({
    backends: PAIR,
    config: { cooldown_exponential_backoff: false, cooldown_base_seconds: 7 },
  });
  for (const expected of [7, 14, 21]) {
    await failsOver(p, { kind: "rate_limit" }, "rate_limited", 429);
    assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), expected);
    p.clock.advance(expected * 1000);
  }
});

Deno.test("429 cooldown is capped at cooldown_max_seconds", async () => {
  await using p = await startProxy({
    backends: PAIR,
    config: { cooldown_base_seconds: 5, cooldown_max_seconds: 12 },
  });
  for (const expected of [5, 10, 12, 12]) {
    await failsOver(p, { kind: "rate_limit" }, "rate_limited", 429);
    assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), expected);
    p.clock.advance(expected * 1000);
  }
});

Deno.test("429 with a longer Retry-After (seconds, ms or HTTP-date) cools for it", async () => {
  await using p = await startProxy({ backends: PAIR });
  await failsOver(p, { kind: "rate_limit", retryAfter: "60" }, "rate_limited", 429);
  assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), 60);
  assert.equal((await p.cooldowns("b1"))[0]?.seconds, 60);

  await p.rt.admin("POST", "/api/backends/b1/clear-cooldown");
  await failsOver(p, { kind: "rate_limit", retryAfterMs: "42000" }, "rate_limited", 429);
  assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), 42);

  await p.rt.admin("POST", "/api/backends/b1/clear-cooldown");
  const date = new Date(p.clock.ms + 120_000).toUTCString();
  await failsOver(p, { kind: "rate_limit", retryAfter: date }, "rate_limited", 429);
  assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), 120);
});

Deno.test("429 with a shorter Retry-After keeps the rule's cooldown", async () => {
  await using p = await startProxy({ backends: PAIR });
  await failsOver(p, { kind: "rate_limit", retryAfter: "1" }, "rate_limited", 429);
  assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), 5);
});

Deno.test("Retry-After beyond 24 h is honoured up to 24 h", async () => {
  await using p = await startProxy({ backends: PAIR });
  await failsOver(p, { kind: "rate_limit", retryAfter: String(3 * 86_400) }, "rate_limited", 429);
  assert.equal(pairCoolingSeconds(await p.status("b1"), p.clock.ms), 86_400);
});

Deno.test("429 insufficient_quota cools for quota_cooldown_seconds", async () => {
  await using p = await startProxy({ backends: PAIR, config: { quota_cooldown_seconds: 1234 } });
  await failsOver(p, { kind: "quota" }, "quota", 429);
  const s = await p.status("b1");
  assert.equal(s.status, "cooling");
  assert.equal(coolingSeconds(s, p.clock.ms), 1234);
  // A quota is not a rate limit: it does not escalate the 429 count.
  assert.equal(s.consecutive_429, 0);
  const [event] = await p.cooldowns("b1");
  assert.equal(event?.reason, "quota");
  assert.equal(event?.seconds, 1234);
});

for (const status of [401, 403]) {
  Deno.test(`${status} (bad backend key) cools for cooldown_max_seconds`, async () => {
    await using p = await startProxy({ backends: PAIR, config: { cooldown_max_seconds: 77 } });
    await failsOver(p, { kind: "status", status }, "auth", status);
    const s = await p.status("b1");
    assert.equal(s.status, "cooling");
    assert.equal(coolingSeconds(s, p.clock.ms), 77);
    const [event] = await p.cooldowns("b1");
    assert.equal(event?.reason, "auth");
    assert.equal(event?.seconds, 77);
  });
}

Deno.test("404 fails over without cooling the backend", async () => {
  await using p = await startProxy({ backends: PAIR });
  await failsOver(p, { kind: "status", status: 404 }, "not_found", 404);
  const s = await p.status("b1");
  assert.equal(s.status, "active");
  assert.equal(s.cooldown_until, null);
  assert.equal(s.failures, 0);
  assert.deepEqual(await p.cooldowns(), []);
  // b1 still gets the next request.
  await p.client.chat.completions.create(chat());
  assert.equal(p.mock("b1").requests.length, 2);
});

Deno.test("400 context_length_exceeded tries only a backend with a different upstream model", async () => {
  await using p = await startProxy({
    pools: [{ id: "big", priority: 200 }],
    backends: [
      { id: "b1" },
      { id: "same", pool: "fallback", model_map: { "*": "gpt-test" } },
      { id: "big", pool: "big", model_map: { "gpt-test": "gpt-test-128k" } },
    ],
  });
  p.mock("b1").script({ kind: "context_length" });
  const { data, response } = await p.client.chat.completions.create(chat()).withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "big");
  assert.equal(data.model, "gpt-test-128k");
  assert.equal(p.mock("same").requests.length, 0, "a backend with the same model was tried");
  assert.equal((p.mock("big").requests[0]?.body as { model: string }).model, "gpt-test-128k");
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["b1:context_length", "big:ok"]);
  assert.equal(rec.upstream_model, "gpt-test-128k");
  assert.equal((await p.status("b1")).status, "active");
});

Deno.test("400 context_length_exceeded comes back unchanged when no other model serves", async () => {
  await using p = await startProxy({ backends: PAIR });
  p.mock("b1").script({ kind: "context_length" });
  const res = await p.post("/chat/completions", chat());
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("x-sidecar-attempts"), "1");
  const body = await res.json();
  assert.deepEqual(body, {
    error: {
      message: "This model's maximum context length is 8192 tokens",
      type: "invalid_request_error",
      param: null,
      code: "context_length_exceeded",
    },
  });
  assert.equal(p.mock("b2").requests.length, 0);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.status, 400);
  assert.equal(rec.outcome, "client_error");
  assert.deepEqual(attemptsOf(rec), ["b1:context_length"]);
  assert.equal((await p.status("b1")).status, "active");
});

Deno.test("another 400 is returned to the client unchanged, with no failover", async () => {
  await using p = await startProxy({ backends: PAIR });
  const upstreamBody = {
    error: {
      message: "temperature must be at most 2",
      type: "invalid_request_error",
      param: "temperature",
      code: "invalid_value",
    },
  };
  p.mock("b1").script({ kind: "status", status: 400, body: upstreamBody });
  const err = await apiError(() => p.client.chat.completions.create(chat({ temperature: 9 })));
  assert.equal(err.status, 400);
  assert.equal(err.code, "invalid_value");
  assert.equal(err.param, "temperature");
  assert.equal(err.headers?.get("x-sidecar-backend"), "b1");

  p.mock("b1").script({ kind: "status", status: 400, body: upstreamBody });
  const res = await p.post("/chat/completions", chat({ temperature: 9 }));
  assert.equal(res.status, 400);
  assert.equal(await res.text(), JSON.stringify(upstreamBody));
  assert.equal(p.mock("b2").requests.length, 0);

  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "client_error");
  assert.deepEqual(attemptsOf(rec), ["b1:client_error"]);
  const s = await p.status("b1");
  assert.equal(s.status, "active");
  assert.equal(s.failures, 0);
});

Deno.test("422 and other 4xx are the request's fault: returned, not failed over", async () => {
  await using p = await startProxy({ backends: PAIR });
  p.mock("b1").script({ kind: "status", status: 422 });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 422);
  assert.equal(p.mock("b2").requests.length, 0);
});

for (const status of [500, 502, 503, 504, 408, 529]) {
  Deno.test(`${status} is retried inside the pool, then fails over, counting failures without cooling`, async () => {
    await using p = await startProxy({ backends: PAIR });
    await failsOverAfterRetry(p, { kind: "status", status }, "server_error", status);
    const s = await p.status("b1");
    assert.equal(s.status, "active");
    assert.equal(s.failures, 2);
    assert.deepEqual(await p.cooldowns(), []);
  });
}

Deno.test("a single 500 on the only primary backend is retried on it after a jittered backoff; the fallback is not used", async () => {
  await using p = await startProxy({ backends: PAIR, random: () => 0.5 });
  p.mock("b1").script({ kind: "status", status: 500 });
  const { data, response } = await p.client.chat.completions.create(chat()).withResponse();
  assert.equal(data.choices[0]?.message.content, "Hello from b1");
  assert.equal(response.headers.get("x-sidecar-attempts"), "2");
  assert.equal(p.mock("b2").requests.length, 0);
  // The first retry's step is 250 ms; the wait is between half and all of it (random 0.5: 187.5).
  assert.deepEqual(p.clock.waits, [187.5]);
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["b1:server_error", "b1:ok"]);
  assert.equal((await p.status("b1")).failures, 0);
});

Deno.test("pool_retries 0: a transient failure goes to the next pool at once", async () => {
  await using p = await startProxy({ backends: PAIR, config: { pool_retries: 0 } });
  await failsOver(p, { kind: "status", status: 503 }, "server_error", 503);
  assert.deepEqual(p.clock.waits, []);
});

Deno.test("retry inside the pool tries the pool's other backends before the same one again", async () => {
  await using p = await startProxy({
    backends: [{ id: "a1" }, { id: "a2" }, { id: "fb", pool: "fallback" }],
    config: { pool_retries: 1 },
  });
  p.mock("a1").setDefault({ kind: "status", status: 502 });
  p.mock("a2").setDefault({ kind: "status", status: 502 });
  const { response } = await p.client.chat.completions.create(chat()).withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "fb");
  const rec = await p.record(response.headers.get("x-request-id"));
  const tried = attemptsOf(rec);
  // Both primary backends first (round-robin picks the order), then one of them again, then fb.
  assert.equal(tried.length, 4);
  assert.deepEqual(tried.slice(0, 2).sort(), ["a1:server_error", "a2:server_error"]);
  assert.match(tried[2]!, /^a[12]:server_error$/);
  assert.equal(tried[3], "fb:ok");
  assert.equal(p.clock.waits.length, 1, "only the retry of a backend already tried waits");
});

Deno.test("pool_retries bounds the retries of each pool", async () => {
  await using p = await startProxy({
    backends: PAIR,
    config: { pool_retries: 3, max_attempts: 10, failure_threshold: 10 },
    random: () => 1,
  });
  p.mock("b1").setDefault({ kind: "status", status: 500 });
  p.mock("b2").setDefault({ kind: "status", status: 500 });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 500);
  assert.equal(err.headers?.get("x-sidecar-attempts"), "8");
  assert.equal(p.mock("b1").requests.length, 4);
  assert.equal(p.mock("b2").requests.length, 4);
  // Steps double from 250 ms per pool (random 1: the whole step).
  assert.deepEqual(p.clock.waits, [250, 500, 1000, 250, 500, 1000]);
});

Deno.test("failure_threshold consecutive errors cool the backend for error_cooldown_seconds", async () => {
  await using p = await startProxy({
    backends: PAIR,
    // One attempt on b1 per request, so each request adds one failure.
    config: { failure_threshold: 3, error_cooldown_seconds: 10, pool_retries: 0 },
  });
  await failsOver(p, { kind: "status", status: 500 }, "server_error", 500);
  await failsOver(p, { kind: "reset" }, "connection_error", null);
  assert.equal((await p.status("b1")).failures, 2);
  assert.equal((await p.status("b1")).status, "active");
  await failsOver(p, { kind: "status", status: 503 }, "server_error", 503);

  const s = await p.status("b1");
  assert.equal(s.status, "cooling");
  assert.equal(coolingSeconds(s, p.clock.ms), 10);
  const [event] = await p.cooldowns("b1");
  assert.equal(event?.reason, "errors");
  assert.equal(event?.consecutive, 3);
  assert.equal(event?.seconds, 10);
  // While cooling b1 is not tried.
  await p.client.chat.completions.create(chat());
  assert.equal(p.mock("b1").requests.length, 3);
});

Deno.test("a success resets the failure count", async () => {
  await using p = await startProxy({
    backends: PAIR,
    config: { failure_threshold: 2, pool_retries: 0 },
  });
  await failsOver(p, { kind: "status", status: 500 }, "server_error", 500);
  assert.equal((await p.status("b1")).failures, 1);
  await p.client.chat.completions.create(chat()); // b1 answers
  assert.equal((await p.status("b1")).failures, 0);
  await failsOver(p, { kind: "status", status: 500 }, "server_error", 500);
  assert.equal((await p.status("b1")).status, "active");
});

Deno.test("a connection reset is retried inside the pool, then fails over", async () => {
  await using p = await startProxy({ backends: PAIR });
  await failsOverAfterRetry(p, { kind: "reset" }, "connection_error", null);
  assert.equal((await p.status("b1")).failures, 2);
});

Deno.test("no headers within attempt_timeout_ms: next backend, the slow one not retried", async () => {
  await using p = await startProxy({ backends: PAIR, config: { attempt_timeout_ms: 300 } });
  const started = performance.now();
  const rec = await failsOver(p, { kind: "hang" }, "timeout", null);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 280 && elapsed < 2000, `took ${elapsed} ms`);
  assert.equal(rec.attempts[0]?.status, null);
  assert.equal((await p.status("b1")).failures, 1);
  // Sidecar gave up on the upstream request.
  assert.equal(p.upstreamCalls[0]?.signal?.aborted, true);
  await assertUpstreamClosed(p.mock("b1").requests[0]);
});

Deno.test("a timed-out backend is not retried within the request, while others are", async () => {
  await using p = await startProxy({
    backends: PAIR,
    config: { attempt_timeout_ms: 300, max_attempts: 4, failure_threshold: 10, pool_retries: 2 },
  });
  p.mock("b1").script({ kind: "hang" });
  p.mock("b2").setDefault({ kind: "status", status: 500 });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 500);
  assert.equal(err.headers?.get("x-sidecar-attempts"), "4");
  assert.equal(p.mock("b1").requests.length, 1);
  assert.equal(p.mock("b2").requests.length, 3);
  const rec = await p.record(err.headers?.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), [
    "b1:timeout",
    "b2:server_error",
    "b2:server_error",
    "b2:server_error",
  ]);
});

Deno.test("a 429 for one model of a multi-model backend cools only that model: its other models stay on it", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", models: ["gpt-4o", "gpt-4o-mini"] }, {
      id: "b2",
      pool: "fallback",
      models: ["gpt-4o", "gpt-4o-mini"],
    }],
  });
  p.mock("b1").script({ kind: "rate_limit" });
  const first = await p.client.chat.completions.create(chat({ model: "gpt-4o" })).withResponse();
  assert.equal(first.response.headers.get("x-sidecar-backend"), "b2");
  // gpt-4o now goes to the fallback, gpt-4o-mini is still served by b1.
  const again = await p.client.chat.completions.create(chat({ model: "gpt-4o" })).withResponse();
  assert.equal(again.response.headers.get("x-sidecar-backend"), "b2");
  const mini = await p.client.chat.completions.create(chat({ model: "gpt-4o-mini" }))
    .withResponse();
  assert.equal(mini.response.headers.get("x-sidecar-backend"), "b1");
  const s = await p.status("b1");
  assert.equal(s.status, "active");
  assert.deepEqual(s.models_cooling.map((m) => m.model), ["gpt-4o"]);
  assert.equal(pairCoolingSeconds(s, p.clock.ms, "gpt-4o"), 5);
  // clear-cooldown clears the pair too.
  await p.rt.admin("POST", "/api/backends/b1/clear-cooldown");
  assert.deepEqual((await p.status("b1")).models_cooling, []);
  const back = await p.client.chat.completions.create(chat({ model: "gpt-4o" })).withResponse();
  assert.equal(back.response.headers.get("x-sidecar-backend"), "b1");
});

Deno.test("a 429 cools the upstream model a model_map sends, whatever name the client used", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", models: ["alias-a", "alias-b"], model_map: { "*": "real-model" } }, {
      id: "b2",
      pool: "fallback",
      models: ["*"],
    }],
  });
  p.mock("b1").script({ kind: "rate_limit" });
  await p.client.chat.completions.create(chat({ model: "alias-a" }));
  const other = await p.client.chat.completions.create(chat({ model: "alias-b" })).withResponse();
  assert.equal(other.response.headers.get("x-sidecar-backend"), "b2");
  assert.deepEqual((await p.status("b1")).models_cooling.map((m) => m.model), ["real-model"]);
});

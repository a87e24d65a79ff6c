/**
 * @module admission_test
 * Admission (docs/keys.md) through a real Sidecar served on loopback with a
 * real upstream behind it: each refusal in the contract's order, with its
 * status, code and honest Retry-After, reaching no backend and recorded as
 * refused with its code; in-flight slots released on every end; expiry and
 * rate limits on an injected clock; `/v1/models` filtered by the key; the
 * official `openai` client seeing each refusal as its own error class.
 */
import assert from "node:assert/strict";
import OpenAI, {
  AuthenticationError,
  BadRequestError,
  PermissionDeniedError,
  RateLimitError,
} from "npm:openai@7.59.0";
import { MAX_OUTPUT_TOKENS } from "../../src/proxy/admission.ts";
import type { RequestRecord } from "../../src/store/rows.ts";
import { ADMIN_TOKEN } from "../helpers/test_runtime.ts";
import { apiError, assertErrorShape, chat, ok, type Proxy, startProxy } from "./proxy_harness.ts";
import { eventually, until } from "../helpers/until.ts";

type Obj = Record<string, unknown>;

/** A client key with `policy`, made through the admin API. */
async function keyWith(p: Proxy, policy: Obj): Promise<{ id: string; key: string }> {
  const { data } = await ok(p.rt.admin("POST", "/api/keys", { name: "governed", ...policy }));
  return { id: data.id, key: data.key };
}

/** A raw POST to Sidecar with `key`. */
function postAs(p: Proxy, key: string, body: unknown, path = "/chat/completions") {
  return fetch(`${p.baseURL}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * Asserts that `res` is a refusal with `status`, `type` and `code`, that no
 * upstream request was made for it, and that it is recorded as refused with
 * its code; returns the record.
 */
async function assertRefused(
  p: Proxy,
  res: Response,
  status: number,
  type: string,
  code: string,
  param: string | null = null,
): Promise<RequestRecord> {
  const calls = p.upstreamCalls.length;
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assertErrorShape(body);
  assert.equal(body.error.type, type);
  assert.equal(body.error.code, code);
  assert.equal(body.error.param, param);
  assert.equal(res.headers.get("x-sidecar-attempts"), "0");
  assert.equal(res.headers.get("x-sidecar-backend"), null);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "refused");
  assert.equal(rec.status, status);
  assert.ok(rec.error?.startsWith(`${code}: `), rec.error ?? "no error");
  assert.deepEqual(rec.attempts, []);
  assert.equal(rec.backend_id, null);
  assert.equal(p.upstreamCalls.length, calls, "a refused request reached an upstream");
  return rec;
}

Deno.test("admission refuses in the contract's order: usable, model, concurrency, rate; none reach a backend", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", models: ["gpt-test", "other"] }],
    // The held request must outlast the test on a loaded machine.
    config: { attempt_timeout_ms: 60_000 },
  });
  const now = p.clock.now();
  const soon = new Date(now + 60_000).toISOString();
  // Each key fails every check from its own on: only the first is answered.
  const disabled = await keyWith(p, {
    enabled: false,
    expires_at: soon,
    models: ["other"],
    max_concurrent: 1,
    rpm_limit: 1,
  });
  const expiring = await keyWith(p, {
    expires_at: soon,
    models: ["other"],
    max_concurrent: 1,
    rpm_limit: 1,
  });
  const narrow = await keyWith(p, { models: ["other"], max_concurrent: 1, rpm_limit: 1 });
  const busy = await keyWith(p, { max_concurrent: 1, rpm_limit: 1 });

  // Hold busy's one slot with a request the upstream answers only when told.
  p.mock("b1").script({ kind: "hang" });
  const held = new AbortController();
  const holding = fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${busy.key}`, "content-type": "application/json" },
    body: JSON.stringify(chat()),
    signal: held.signal,
  }).catch(() => null);
  await eventually("the held request upstream", () => p.mock("b1").requests[0]);
  assert.equal(p.rt.deps.keyRing.client(busy.id)!.slots.count, 1);
  p.clock.advance(60_000); // expiring has expired; every rpm bucket is full again.

  let rec = await assertRefused(
    p,
    await postAs(p, disabled.key, chat()),
    401,
    "authentication_error",
    "key_disabled",
  );
  assert.equal(rec.key_id, disabled.id);
  rec = await assertRefused(
    p,
    await postAs(p, expiring.key, chat()),
    401,
    "authentication_error",
    "key_expired",
  );
  assert.equal(rec.key_id, expiring.id);
  await assertRefused(
    p,
    await postAs(p, narrow.key, chat()),
    403,
    "permission_error",
    "model_not_allowed",
    "model",
  );
  const concurrent = await postAs(p, busy.key, chat());
  assert.equal(concurrent.headers.get("retry-after"), null);
  await assertRefused(p, concurrent, 429, "rate_limit_error", "key_concurrency_exceeded");
  // The refusals took no rpm token and no slot: once the held request ends, busy gets through.
  held.abort();
  await holding;
  await until("busy's slot released", () => p.rt.deps.keyRing.client(busy.id)!.slots.count === 0);
  for (const k of [disabled, expiring, narrow, busy]) {
    assert.equal(p.rt.deps.keyRing.client(k.id)!.slots.count, 0, k.id);
  }
  const served = await postAs(p, busy.key, chat());
  assert.equal(served.status, 200, await served.text());
  // narrow may still use its own model.
  const own = await postAs(p, narrow.key, chat({ model: "other" }));
  assert.equal(own.status, 200, await own.text());
});

Deno.test("rpm_limit: a key over it gets 429 key_rate_limited with an honest Retry-After, then is served", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const k = await keyWith(p, { rpm_limit: 2 });
  for (let i = 0; i < 2; i++) {
    const r = await postAs(p, k.key, chat());
    assert.equal(r.status, 200, await r.text());
  }
  const upstream = p.mock("b1").requests.length;
  // Two a minute is one every 30 s.
  let res = await postAs(p, k.key, chat());
  assert.equal(res.headers.get("retry-after"), "30");
  await assertRefused(p, res, 429, "rate_limit_error", "key_rate_limited");
  p.clock.advance(29_500);
  res = await postAs(p, k.key, chat());
  assert.equal(res.headers.get("retry-after"), "1");
  await assertRefused(p, res, 429, "rate_limit_error", "key_rate_limited");
  assert.equal(p.mock("b1").requests.length, upstream);
  // The wait it named was enough.
  p.clock.advance(500);
  res = await postAs(p, k.key, chat());
  assert.equal(res.status, 200, await res.text());
  // Another key is not limited by this one's bucket.
  const free = await postAs(p, p.key, chat());
  assert.equal(free.status, 200, await free.text());
});

Deno.test("tpm_limit: the real usage is charged after each answer, and a spent bucket refuses until refilled", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  // 60 tokens a minute is one a second; each answer uses 10 + 5 = 15.
  const k = await keyWith(p, { tpm_limit: 60 });
  for (let i = 0; i < 4; i++) {
    const r = await postAs(p, k.key, chat());
    assert.equal(r.status, 200, await r.text());
  }
  const live = p.rt.deps.keyRing.client(k.id)!;
  assert.equal(live.tpm!.available(p.clock.now()), 0);
  let res = await postAs(p, k.key, chat());
  assert.equal(res.headers.get("retry-after"), "1");
  await assertRefused(p, res, 429, "rate_limit_error", "key_rate_limited");
  // A stream's usage is charged when it ends, and may drive the bucket into debt.
  p.clock.advance(1_000);
  p.mock("b1").script({ kind: "stream", usage: true });
  const stream = await postAs(p, k.key, chat({ stream: true }));
  assert.equal(stream.status, 200);
  await stream.text();
  const id = stream.headers.get("x-request-id");
  const rec = await eventually(
    "the stream's record",
    async () => (await p.records()).find((r) => r.id === id),
  );
  const used = rec.total_tokens;
  assert.ok(used > 1);
  assert.equal(live.tpm!.available(p.clock.now()), 1 - used);
  // The debt plus one token, at one a second.
  res = await postAs(p, k.key, chat());
  assert.equal(res.headers.get("retry-after"), String(used));
  await assertRefused(p, res, 429, "rate_limit_error", "key_rate_limited");
  p.clock.advance(used * 1000);
  res = await postAs(p, k.key, chat());
  assert.equal(res.status, 200, await res.text());
});

Deno.test("max_concurrent: a slot is released when the answer ends, the upstream fails, or the client goes away", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    config: { attempt_timeout_ms: 5_000, pool_retries: 0 },
  });
  const k = await keyWith(p, { max_concurrent: 1 });
  const slots = p.rt.deps.keyRing.client(k.id)!.slots;
  const released = (what: string) => until(what, () => slots.count === 0);

  // An answer, a stream read to its end.
  let r = await postAs(p, k.key, chat());
  assert.equal(r.status, 200, await r.text());
  assert.equal(slots.count, 0);
  p.mock("b1").script({ kind: "stream", delayMs: 200 });
  r = await postAs(p, k.key, chat({ stream: true }));
  assert.equal(slots.count, 1, "a stream holds its slot while it runs");
  await r.text();
  await released("the slot after the stream");

  // An upstream failure.
  p.mock("b1").script({ kind: "status", status: 500 });
  r = await postAs(p, k.key, chat());
  assert.equal(r.status, 500, await r.text());
  assert.equal(slots.count, 0);
  p.mock("b1").script({ kind: "reset" });
  r = await postAs(p, k.key, chat());
  assert.equal(r.status, 502, await r.text());
  assert.equal(slots.count, 0);

  // A client that goes away while the upstream has not answered.
  p.mock("b1").script({ kind: "hang" });
  const gone = new AbortController();
  const pending = fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" },
    body: JSON.stringify(chat()),
    signal: gone.signal,
  });
  const before = p.mock("b1").requests.length;
  await eventually("the hung request upstream", () => p.mock("b1").requests[before]);
  const refused = await postAs(p, k.key, chat());
  await assertRefused(p, refused, 429, "rate_limit_error", "key_concurrency_exceeded");
  gone.abort();
  await assert.rejects(pending);
  await released("the slot after the client left");

  // A client that goes away in the middle of a stream.
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b", "c", "d"], delayMs: 200 });
  const midway = new AbortController();
  const streaming = await fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" },
    body: JSON.stringify(chat({ stream: true })),
    signal: midway.signal,
  });
  assert.equal(streaming.status, 200);
  await streaming.body!.getReader().read();
  midway.abort();
  await released("the slot after the client left a stream");

  r = await postAs(p, k.key, chat());
  assert.equal(r.status, 200, await r.text());
  const outcomes = (await p.records()).map((rec) => rec.outcome);
  assert.ok(outcomes.includes("cancelled"), outcomes.join());
});

Deno.test("a check that refuses gives back what the checks before it took", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const k = await keyWith(p, { max_concurrent: 1, rpm_limit: 1 });
  const r = await postAs(p, k.key, chat());
  assert.equal(r.status, 200, await r.text());
  // The concurrency check took the slot; the rate limit refused; the slot is back.
  await assertRefused(
    p,
    await postAs(p, k.key, chat()),
    429,
    "rate_limit_error",
    "key_rate_limited",
  );
  assert.equal(p.rt.deps.keyRing.client(k.id)!.slots.count, 0);
});

Deno.test("expires_at: served until the instant, then 401 key_expired on /v1 and /v1/models", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const expires = p.clock.now() + 60_000;
  const k = await keyWith(p, { expires_at: new Date(expires).toISOString() });
  p.clock.advance(59_999);
  let r = await postAs(p, k.key, chat());
  assert.equal(r.status, 200, await r.text());
  p.clock.advance(1);
  const res = await postAs(p, k.key, chat());
  const rec = await assertRefused(p, res, 401, "authentication_error", "key_expired");
  assert.ok(rec.error?.includes(new Date(expires).toISOString().replace(".000Z", "Z")), rec.error!);
  r = await fetch(`${p.baseURL}/models`, { headers: { authorization: `Bearer ${k.key}` } });
  const body = await r.json();
  assert.equal(r.status, 401);
  assert.equal(body.error.code, "key_expired");
  // Lifting the expiry brings it back at once.
  await ok(p.rt.admin("PATCH", `/api/keys/${k.id}`, { expires_at: null }));
  r = await postAs(p, k.key, chat());
  assert.equal(r.status, 200, await r.text());
});

Deno.test("enabled: false is 401 key_disabled at once, and true serves again", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const k = await keyWith(p, {});
  await ok(p.rt.admin("PATCH", `/api/keys/${k.id}`, { enabled: false }));
  await assertRefused(
    p,
    await postAs(p, k.key, chat()),
    401,
    "authentication_error",
    "key_disabled",
  );
  const models = await fetch(`${p.baseURL}/models`, {
    headers: { authorization: `Bearer ${k.key}` },
  });
  assert.equal(models.status, 401);
  assert.equal((await models.json()).error.code, "key_disabled");
  await ok(p.rt.admin("PATCH", `/api/keys/${k.id}`, { enabled: true }));
  const r = await postAs(p, k.key, chat());
  assert.equal(r.status, 200, await r.text());
});

Deno.test("models: globs as a backend's; other models are 403 model_not_allowed on every endpoint", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", models: ["*"] }],
  });
  const k = await keyWith(p, { models: ["gpt-4o*", "text-embedding-3-small"] });
  for (const model of ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"]) {
    const r = await postAs(p, k.key, chat({ model }));
    assert.equal(r.status, 200, `${model}: ${await r.text()}`);
  }
  const refusedCases: [string, unknown][] = [
    ["/chat/completions", chat({ model: "gpt-4" })],
    ["/chat/completions", chat({ model: "GPT-4o" })],
    ["/completions", { model: "gpt-3.5-turbo-instruct", prompt: "hi" }],
    ["/embeddings", { model: "text-embedding-3-large", input: "hi" }],
    ["/responses", { model: "o3", input: "hi" }],
  ];
  for (const [path, body] of refusedCases) {
    await assertRefused(
      p,
      await postAs(p, k.key, body, path),
      403,
      "permission_error",
      "model_not_allowed",
      "model",
    );
  }
});

Deno.test("GET /v1/models lists only the models the key may use", async () => {
  await using p = await startProxy({
    backends: [
      { id: "b1", models: ["gpt-4o", "gpt-4o-mini", "gpt-*"] },
      { id: "b2", models: ["claude-3-haiku", "text-embedding-3-small"] },
    ],
  });
  const list = async (key: string) => {
    const r = await fetch(`${p.baseURL}/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(r.status, 200);
    return ((await r.json()).data as { id: string }[]).map((m) => m.id);
  };
  const all = ["claude-3-haiku", "gpt-4o", "gpt-4o-mini", "text-embedding-3-small"];
  assert.deepEqual(await list(p.key), all);
  assert.deepEqual(await list(ADMIN_TOKEN), all);
  const narrow = await keyWith(p, { models: ["gpt-4o*", "claude-*"] });
  assert.deepEqual(await list(narrow.key), ["claude-3-haiku", "gpt-4o", "gpt-4o-mini"]);
  const none = await keyWith(p, { models: ["llama-*"] });
  assert.deepEqual(await list(none.key), []);
  // The official client sees the same list.
  const client = new OpenAI({ apiKey: narrow.key, baseURL: p.baseURL, maxRetries: 0 });
  const ids: string[] = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ["claude-3-haiku", "gpt-4o", "gpt-4o-mini"]);
});

Deno.test("a declared output that is not a whole number up to 10^8 is a 400 at admission naming the field", async () => {
  await using p = await startProxy({ backends: [{ id: "b1", models: ["*"] }] });
  const cases: [string, Obj, string][] = [
    ["/chat/completions", chat({ max_tokens: 1e12 }), "max_tokens"],
    ["/chat/completions", chat({ max_tokens: MAX_OUTPUT_TOKENS + 1 }), "max_tokens"],
    ["/chat/completions", chat({ max_tokens: -1 }), "max_tokens"],
    ["/chat/completions", chat({ max_tokens: 1.5 }), "max_tokens"],
    ["/chat/completions", chat({ max_tokens: "100" }), "max_tokens"],
    ["/chat/completions", chat({ max_completion_tokens: 1e9 }), "max_completion_tokens"],
    [
      "/responses",
      { model: "gpt-test", input: "hi", max_output_tokens: 1e20 },
      "max_output_tokens",
    ],
  ];
  // The admin token is held to it too: it is a bound on the request, not a key's policy.
  for (const key of [p.key, ADMIN_TOKEN]) {
    for (const [path, body, param] of cases) {
      await assertRefused(
        p,
        await postAs(p, key, body, path),
        400,
        "invalid_request_error",
        "invalid_max_tokens",
        param,
      );
    }
  }
  for (const body of [chat({ max_tokens: MAX_OUTPUT_TOKENS }), chat({ max_tokens: null })]) {
    const r = await postAs(p, p.key, body);
    assert.equal(r.status, 200, await r.text());
  }
});

Deno.test("the official openai client sees each refusal as its error class, with the code", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: p.baseURL, maxRetries: 0 });
  const limited = await keyWith(p, { rpm_limit: 1, models: ["gpt-test"] });
  await client(limited.key).chat.completions.create(chat());

  const rate = await apiError(() => client(limited.key).chat.completions.create(chat()));
  assert.ok(rate instanceof RateLimitError, rate.constructor.name);
  assert.equal(rate.status, 429);
  assert.equal(rate.code, "key_rate_limited");
  assert.equal(rate.headers?.get("retry-after"), "60");

  const denied = await apiError(() =>
    client(limited.key).chat.completions.create(chat({ model: "gpt-4o" }))
  );
  assert.ok(denied instanceof PermissionDeniedError, denied.constructor.name);
  assert.equal(denied.code, "model_not_allowed");
  assert.equal(denied.param, "model");

  const off = await keyWith(p, { enabled: false });
  const disabled = await apiError(() => client(off.key).chat.completions.create(chat()));
  assert.ok(disabled instanceof AuthenticationError, disabled.constructor.name);
  assert.equal(disabled.code, "key_disabled");

  const absurd = await apiError(() =>
    client(p.key).chat.completions.create(chat({ max_tokens: 1e12 }))
  );
  assert.ok(absurd instanceof BadRequestError, absurd.constructor.name);
  assert.equal(absurd.param, "max_tokens");

  const one = await keyWith(p, { max_concurrent: 1 });
  p.mock("b1").script({ kind: "stream", delayMs: 200 });
  const running = await postAs(p, one.key, chat({ stream: true }));
  const busy = await apiError(() => client(one.key).chat.completions.create(chat()));
  assert.ok(busy instanceof RateLimitError, busy.constructor.name);
  assert.equal(busy.code, "key_concurrency_exceeded");
  await running.text();
});

Deno.test("a key without a policy is never refused and holds no slot after its requests", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const live = p.rt.deps.keyRing.client(p.rt.deps.store.keys.list()[0]!.id)!;
  for (let i = 0; i < 20; i++) {
    const r = await p.post("/chat/completions", chat());
    assert.equal(r.status, 200, await r.text());
  }
  assert.equal(live.slots.count, 0);
  assert.equal((await p.records()).filter((r) => r.outcome === "ok").length, 20);
});

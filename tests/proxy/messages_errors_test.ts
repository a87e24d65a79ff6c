/**
 * @module messages_errors_test
 * Every error Sidecar makes itself on `/v1/messages` is in Anthropic's shape
 * (`{"type":"error","error":{"type","message"}}`) with the matching status
 * (CONTRACT §7): auth, body errors, admission's refusals, no backend, every
 * backend cooling, attempts spent, a timeout, an unknown path, a stalled
 * stream's in-band error. Table rows where the rule is a table.
 */
import assert from "node:assert/strict";
import { ok, type Proxy, startProxy } from "./proxy_harness.ts";
import { eventNames, sseEvents } from "./sse_events.ts";

const BODY = { model: "claude-test", max_tokens: 50, messages: [{ role: "user", content: "hi" }] };

function rig(config = {}) {
  return startProxy({
    backends: [{ id: "a1", api: "anthropic", models: ["claude-*"] }],
    config,
  });
}

/** The Anthropic error of `res`, checked for its shape and status. */
async function anthropicError(res: Response, status: number) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.ok(res.headers.get("x-request-id"));
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body).sort(), ["error", "type"]);
  assert.equal(body.type, "error");
  assert.deepEqual(Object.keys(body.error).sort(), ["message", "type"]);
  return body.error as { type: string; message: string };
}

function post(p: Proxy, headers: Record<string, string>, body: unknown = BODY) {
  return fetch(`${p.baseURL}/messages`, {
    method: "POST",
    headers: { "anthropic-version": "2023-06-01", "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

Deno.test("/v1/messages auth: x-api-key and Authorization: Bearer both work; none or a wrong one is a 401 authentication_error", async () => {
  await using p = await rig();
  assert.equal((await post(p, { "x-api-key": p.key })).status, 200);
  assert.equal((await post(p, { authorization: `Bearer ${p.key}` })).status, 200);
  assert.deepEqual(await anthropicError(await post(p, {}), 401), {
    type: "authentication_error",
    message: "Missing API key: send x-api-key: <key> (or Authorization: Bearer <key>)",
  });
  assert.deepEqual(await anthropicError(await post(p, { "x-api-key": "sk-sc-wrong" }), 401), {
    type: "authentication_error",
    message: "Invalid API key",
  });
  // The client's key never goes upstream.
  for (const r of p.anthropic("a1").requests) {
    assert.equal(r.headers.get("x-api-key"), "sk-upstream-a1");
  }
});

/** Body errors, refused before any backend is tried. */
const BODY_ERRORS: {
  what: string;
  body: string;
  headers?: Record<string, string>;
  status: number;
  type: string;
  message: string;
}[] = [
  {
    what: "malformed JSON",
    body: "{nope",
    status: 400,
    type: "invalid_request_error",
    message: "Request body is not valid JSON",
  },
  {
    what: "a JSON array",
    body: "[]",
    status: 400,
    type: "invalid_request_error",
    message: "Request body must be a JSON object",
  },
  {
    what: "no model",
    body: JSON.stringify({ max_tokens: 5, messages: [] }),
    status: 400,
    type: "invalid_request_error",
    message: "model: Field required",
  },
  {
    what: "max_tokens not an integer",
    body: JSON.stringify({ ...BODY, max_tokens: 2.5 }),
    status: 400,
    type: "invalid_request_error",
    message: "max_tokens: Input should be a valid integer",
  },
  {
    what: "max_tokens 0",
    body: JSON.stringify({ ...BODY, max_tokens: 0 }),
    status: 400,
    type: "invalid_request_error",
    message: "max_tokens: Input should be greater than or equal to 1",
  },
  {
    what: "stream not a boolean",
    body: JSON.stringify({ ...BODY, stream: "yes" }),
    status: 400,
    type: "invalid_request_error",
    message: "stream: Input should be a valid boolean",
  },
  {
    what: "no messages",
    body: JSON.stringify({ model: "claude-test", max_tokens: 5 }),
    status: 400,
    type: "invalid_request_error",
    message: "messages: Field required",
  },
  {
    what: "a form body",
    body: "a=b",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    type: "invalid_request_error",
    message: "Request body must be JSON: send content-type: application/json",
  },
  {
    what: "a body over max_body_bytes",
    body: JSON.stringify({ ...BODY, system: "x".repeat(2048) }),
    status: 413,
    type: "request_too_large",
    message: "Request body exceeds max_body_bytes (1024)",
  },
];

for (const row of BODY_ERRORS) {
  Deno.test(`/v1/messages with ${row.what}: ${row.status} ${row.type} in Anthropic's shape, no backend asked`, async () => {
    await using p = await rig({ max_body_bytes: 1024 });
    const res = await post(p, { "x-api-key": p.key, ...row.headers }, row.body);
    assert.deepEqual(await anthropicError(res, row.status), {
      type: row.type,
      message: row.message,
    });
    assert.equal(p.anthropic("a1").requests.length, 0);
  });
}

Deno.test("admission's refusals on /v1/messages: disabled 401, model not allowed 403 permission_error, rate limited 429 with Retry-After; each recorded refused", async () => {
  await using p = await rig();
  const key = async (policy: Record<string, unknown>) =>
    (await ok(p.rt.admin("POST", "/api/keys", { name: "k", ...policy }))).data.key as string;
  const disabled = await key({ enabled: false });
  assert.deepEqual(await anthropicError(await post(p, { "x-api-key": disabled }), 401), {
    type: "authentication_error",
    message: "This API key is disabled",
  });
  const gptOnly = await key({ models: ["gpt-*"] });
  assert.deepEqual(await anthropicError(await post(p, { "x-api-key": gptOnly }), 403), {
    type: "permission_error",
    message: 'This API key may not use model "claude-test"',
  });
  const slow = await key({ rpm_limit: 1 });
  assert.equal((await post(p, { "x-api-key": slow })).status, 200);
  const limited = await post(p, { "x-api-key": slow });
  assert.equal(limited.headers.get("retry-after"), "60");
  const err = await anthropicError(limited, 429);
  assert.equal(err.type, "rate_limit_error");
  const refused = (await p.records()).filter((r) => r.outcome === "refused");
  assert.equal(refused.length, 3);
  assert.ok(refused.every((r) => r.api === "anthropic"));
  assert.deepEqual(refused.map((r) => r.error?.split(":")[0]).sort(), [
    "key_disabled",
    "key_rate_limited",
    "model_not_allowed",
  ]);
});

Deno.test("no backend for the model is 404 not_found_error; every backend cooling is 429 rate_limit_error with an honest Retry-After", async () => {
  await using p = await rig();
  const none = await post(p, { "x-api-key": p.key }, { ...BODY, model: "mistral-large" });
  const missing = await anthropicError(none, 404);
  assert.deepEqual(missing, {
    type: "not_found_error",
    message: 'No enabled backend serves model "mistral-large"',
  });
  p.anthropic("a1").script({ kind: "error", status: 429, headers: { "retry-after": "30" } });
  const first = await post(p, { "x-api-key": p.key });
  assert.equal((await anthropicError(first, 429)).type, "rate_limit_error");
  const cooling = await post(p, { "x-api-key": p.key });
  assert.equal(cooling.headers.get("retry-after"), "30");
  const err = await anthropicError(cooling, 429);
  assert.match(err.message, /All backends for this model are cooling down or rate-limited/);
});

Deno.test("attempts spent on 5xx: Sidecar's error with the last upstream status in Anthropic's words; a timeout is 504 timeout_error", async () => {
  await using p = await rig({ pool_retries: 0 });
  p.anthropic("a1").script({ kind: "error", status: 529 });
  const overloaded = await anthropicError(await post(p, { "x-api-key": p.key }), 529);
  assert.equal(overloaded.type, "overloaded_error");
  assert.match(
    overloaded.message,
    /^Upstream failed: 1 attempt\(s\) failed \(a1: 529 server_error\)$/,
  );
  p.anthropic("a1").script({ kind: "error", status: 500 });
  assert.equal(
    (await anthropicError(await post(p, { "x-api-key": p.key }), 500)).type,
    "api_error",
  );
  p.anthropic("a1").script({ kind: "hang" });
  const timeout = await anthropicError(await post(p, { "x-api-key": p.key }), 504);
  assert.equal(timeout.type, "timeout_error");
});

Deno.test("an unknown path under /v1/messages is a 404 in Anthropic's shape", async () => {
  await using p = await rig();
  const res = await fetch(`${p.baseURL}/messages/batches`, {
    method: "POST",
    headers: { "x-api-key": p.key, "content-type": "application/json" },
    body: "{}",
  });
  assert.deepEqual(await anthropicError(res, 404), {
    type: "not_found_error",
    message: "No route for POST /v1/messages/batches",
  });
});

Deno.test("a Messages stream that goes silent ends with an event: error of type timeout_error and is recorded stalled", async () => {
  await using p = await startProxy({
    backends: [{ id: "a1", api: "anthropic", models: ["claude-*"] }],
    realClock: true,
  });
  p.anthropic("a1").script({ kind: "answer", text: "one two three", stallAfter: 1 });
  const res = await post(p, { "x-api-key": p.key, "content-type": "application/json" }, {
    ...BODY,
    stream: true,
  });
  const events = sseEvents(await res.text());
  assert.equal(eventNames(events).at(-1), "error");
  assert.deepEqual((events.at(-1)!.data as { error: unknown }).error, {
    type: "timeout_error",
    message: "The upstream sent nothing for 300 ms",
  });
  assert.equal((await p.record(res.headers.get("x-request-id"))).outcome, "stalled");
});

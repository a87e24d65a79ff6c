/**
 * @module messages_anthropic_test
 * `POST /v1/messages` to `anthropic` backends (CONTRACT §7): passed through
 * to a real loopback Messages API (tests/helpers/mock_anthropic.ts) with
 * the backend's key and the client's version, streams relayed event by
 * event, and the contract's failure rules read in Anthropic's words (529
 * transient, rate_limit_error and billing_error cooling, "prompt is too
 * long" a context overflow, an in-band error, a cut or truncated stream).
 */
import assert from "node:assert/strict";
import {
  attemptsOf,
  type BackendDef,
  coolingSeconds,
  pairCoolingSeconds,
  startProxy,
} from "./proxy_harness.ts";
import { namedEvent, startScriptedSse } from "./scripted_sse_upstream.ts";
import { eventNames, sseEvents } from "./sse_events.ts";

const CLAUDE = ["claude-*"];

/** A message_start's message, as the API sends it. */
const MESSAGE = {
  id: "msg_01x",
  type: "message",
  role: "assistant",
  model: "claude-test",
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 1 },
};

/** A Messages request body for `claude-test`. */
function messages(extra: Record<string, unknown> = {}) {
  return {
    model: "claude-test",
    max_tokens: 256,
    messages: [{ role: "user", content: "hi" }],
    ...extra,
  };
}

function anthropic(id: string, extra: Partial<BackendDef> = {}): BackendDef {
  return { id, api: "anthropic", models: CLAUDE, ...extra };
}

/** The text of a Messages stream's text deltas. */
function deltaText(events: ReturnType<typeof sseEvents>): string {
  return events.map((e) => e.data as { delta?: { text?: string } })
    .map((d) => d.delta?.text ?? "").join("");
}

async function json(res: Response) {
  return await res.json() as Record<string, unknown>;
}

Deno.test("/v1/messages to an anthropic backend: the client's bytes go up unchanged with the backend's x-api-key; the answer comes back as the API sent it, recorded as api anthropic", async () => {
  await using p = await startProxy({ backends: [anthropic("a1")] });
  const body = JSON.stringify(messages());
  const res = await p.postAnthropic("/messages", body);
  assert.equal(res.status, 200);
  const answer = await json(res);
  assert.equal(answer.type, "message");
  assert.deepEqual(answer.content, [{ type: "text", text: "Hello from a1: hi" }]);
  assert.equal(res.headers.get("x-sidecar-backend"), "a1");
  assert.match(res.headers.get("x-upstream-request-id") ?? "", /^req_011C/);
  const sent = p.anthropic("a1").requests[0]!;
  assert.equal(sent.path, "/v1/messages");
  assert.equal(sent.text, body);
  assert.equal(sent.headers.get("x-api-key"), "sk-upstream-a1");
  assert.equal(sent.headers.get("authorization"), null);
  assert.equal(sent.headers.get("anthropic-version"), "2023-06-01");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.api, "anthropic");
  assert.equal(rec.outcome, "ok");
  const usage = answer.usage as { input_tokens: number; output_tokens: number };
  assert.equal(rec.prompt_tokens, usage.input_tokens);
  assert.equal(rec.completion_tokens, usage.output_tokens);
});

Deno.test("/v1/messages: model_map rewrites the model; the client's anthropic-version and anthropic-beta go up as sent", async () => {
  await using p = await startProxy({
    backends: [anthropic("a1", { model_map: { "claude-test": "claude-sonnet-4-5" } })],
  });
  const res = await p.postAnthropic("/messages", messages(), {
    "anthropic-version": "2026-10-21",
    "anthropic-beta": "context-1m-2025-08-07",
  });
  assert.equal(res.status, 200);
  const sent = p.anthropic("a1").requests[0]!;
  assert.equal((sent.body as { model: string }).model, "claude-sonnet-4-5");
  assert.equal(sent.headers.get("anthropic-version"), "2026-10-21");
  assert.equal(sent.headers.get("anthropic-beta"), "context-1m-2025-08-07");
  assert.equal((await p.records())[0]?.upstream_model, "claude-sonnet-4-5");
});

Deno.test("/v1/messages stream to an anthropic backend: the API's events arrive as it sent them, in order, usage recorded", async () => {
  await using p = await startProxy({ backends: [anthropic("a1")] });
  p.anthropic("a1").script({ kind: "answer", text: "one two three" });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = sseEvents(await res.text());
  assert.deepEqual(eventNames(events), [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  // Each event's data names its own type, as the API's do.
  for (const e of events) assert.equal((e.data as { type: string }).type, e.event);
  assert.equal(deltaText(events), "one two three");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
  assert.equal(rec.stream, true);
  assert.equal(rec.completion_tokens, 3);
  assert.ok(rec.prompt_tokens > 0);
});

Deno.test("/v1/messages stream that ends after message_delta without message_stop: Sidecar sends message_stop itself", async () => {
  await using upstream = startScriptedSse(
    namedEvent({ type: "message_start", message: MESSAGE }) +
      namedEvent({
        type: "content_block_start",
        index: 0,
        content_block: { type: "text", text: "" },
      }) +
      namedEvent({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "hi" },
      }) +
      namedEvent({ type: "content_block_stop", index: 0 }) +
      namedEvent({
        type: "message_delta",
        delta: { stop_reason: "end_turn" },
        usage: { output_tokens: 1 },
      }),
  );
  await using p = await startProxy({ backends: [anthropic("a1", { url: upstream.url })] });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  const events = sseEvents(await res.text());
  assert.deepEqual(eventNames(events).slice(-2), ["message_delta", "message_stop"]);
  assert.deepEqual(events.at(-1)!.data, { type: "message_stop" });
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
  assert.equal(rec.completion_tokens, 1);
});

Deno.test("/v1/messages/count_tokens to an anthropic backend is the API's own count, not an estimate, and costs nothing", async () => {
  await using p = await startProxy({ backends: [anthropic("a1")] });
  const res = await p.postAnthropic("/messages/count_tokens", {
    model: "claude-test",
    messages: [{ role: "user", content: "four words right here" }],
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-sidecar-estimate"), null);
  // The mock counts words plus 3 per message: a count no estimate would give.
  assert.deepEqual(await res.json(), { input_tokens: 7 });
  assert.equal(p.anthropic("a1").requests[0]?.path, "/v1/messages/count_tokens");
  const rec = (await p.records())[0]!;
  assert.equal(rec.api, "anthropic");
  assert.equal(rec.total_tokens, 0);
});

Deno.test("count_tokens reserves nothing against a budget: a key whose budget is below one message's worst case may still count", async () => {
  await using p = await startProxy({ backends: [anthropic("a1")] });
  const price = { model: "claude-*", input_per_mtok: 3, output_per_mtok: 15 };
  await p.rt.admin("PUT", "/api/prices", { prices: [price] });
  // A message with no output limit reserves 4,096 tokens at $15/M, about
  // $0.06; this budget is a tenth of that.
  const made = await p.rt.admin("POST", "/api/keys", {
    name: "counting",
    budget_usd: 0.006,
    budget_period: "day",
  });
  const { key } = (await made.json()).data;
  const body = {
    model: "claude-test",
    messages: [{ role: "user", content: "four words right here" }],
  };
  const count = await p.postAnthropic("/messages/count_tokens", body, { "x-api-key": key });
  assert.equal(count.status, 200, await count.clone().text());
  assert.deepEqual(await count.json(), { input_tokens: 7 });
  const message = await p.postAnthropic("/messages", body, { "x-api-key": key });
  assert.equal(message.status, 400, "no max_tokens: the Messages API's own rule");
  const capped = await p.postAnthropic("/messages", { ...body, max_tokens: 4096 }, {
    "x-api-key": key,
  });
  assert.equal(capped.status, 403, "the message's worst case does not fit the budget");
  assert.equal((await capped.json()).error.type, "permission_error");
});

Deno.test("529 overloaded_error is transient: the pool's other anthropic backend answers", async () => {
  // a2 is a standby: picked only once a1, tried first, has failed.
  await using p = await startProxy({ backends: [anthropic("a1"), anthropic("a2", { weight: 0 })] });
  p.anthropic("a1").setDefault({ kind: "error", status: 529 });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-sidecar-backend"), "a2");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["a1:server_error", "a2:ok"]);
  assert.equal(rec.attempts[0]?.status, 529);
});

Deno.test("rate_limit_error 429 cools the (backend, model) pair with the API's retry-after; the next backend answers", async () => {
  await using p = await startProxy({
    backends: [anthropic("a1"), anthropic("a2", { pool: "fallback" })],
  });
  p.anthropic("a1").script({ kind: "error", status: 429, headers: { "retry-after": "40" } });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-sidecar-backend"), "a2");
  assert.equal(pairCoolingSeconds(await p.status("a1"), p.clock.ms, "claude-test"), 40);
  assert.deepEqual(attemptsOf((await p.records())[0]!), ["a1:rate_limited", "a2:ok"]);
});

Deno.test("402 billing_error is a spent quota: the whole backend cools for quota_cooldown_seconds", async () => {
  await using p = await startProxy({
    backends: [anthropic("a1"), anthropic("a2", { pool: "fallback" })],
  });
  p.anthropic("a1").script({ kind: "error", status: 402 });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 200);
  assert.deepEqual(attemptsOf((await p.records())[0]!), ["a1:quota", "a2:ok"]);
  assert.equal(coolingSeconds(await p.status("a1"), p.clock.ms), 3600);
});

Deno.test('"prompt is too long" is a context overflow: only a backend with another upstream model is tried, else the API\'s own 400 comes back', async () => {
  await using p = await startProxy({
    backends: [
      anthropic("a1"),
      anthropic("a2", { pool: "fallback" }),
      anthropic("a3", { pool: "fallback", model_map: { "*": "claude-bigger" } }),
    ],
  });
  p.anthropic("a1").script({ kind: "prompt_too_long" });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-sidecar-backend"), "a3");
  assert.equal(p.anthropic("a2").requests.length, 0);
  assert.deepEqual(attemptsOf((await p.records())[0]!), ["a1:context_length", "a3:ok"]);

  p.anthropic("a1").script({ kind: "prompt_too_long" });
  p.anthropic("a3").script({ kind: "prompt_too_long" });
  const refused = await p.postAnthropic("/messages", messages());
  assert.equal(refused.status, 400);
  const rec = await p.record(refused.headers.get("x-request-id"));
  const body = await json(refused) as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /^prompt is too long: \d+ tokens > 200000 maximum$/);
  assert.equal(rec.outcome, "client_error");
});

Deno.test("a stream whose first event is an in-band event: error fails over before the client sees a byte", async () => {
  const overloaded = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
  await using upstream = startScriptedSse(namedEvent(overloaded));
  await using p = await startProxy({
    backends: [anthropic("a1", { url: upstream.url }), anthropic("a2", { pool: "fallback" })],
    config: { pool_retries: 0 },
  });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-sidecar-backend"), "a2");
  assert.equal(deltaText(sseEvents(await res.text())), "Hello from a2: hi");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["a1:stream_error", "a2:ok"]);
});

Deno.test("a rate_limit_error as a stream's first event is a 429: the pair cools", async () => {
  const limited = { type: "error", error: { type: "rate_limit_error", message: "Slow down" } };
  await using upstream = startScriptedSse(namedEvent(limited));
  await using p = await startProxy({
    backends: [anthropic("a1", { url: upstream.url }), anthropic("a2", { pool: "fallback" })],
  });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  await res.body?.cancel();
  assert.deepEqual(attemptsOf(await p.record(res.headers.get("x-request-id"))), [
    "a1:rate_limited",
    "a2:ok",
  ]);
  assert.ok((pairCoolingSeconds(await p.status("a1"), p.clock.ms, "claude-test") ?? 0) > 0);
});

Deno.test("an in-band event: error mid-answer, with nothing to resume on, becomes Sidecar's own event: error carrying the upstream's message", async () => {
  await using p = await startProxy({ backends: [anthropic("a1")] });
  p.anthropic("a1").script({ kind: "answer", text: "one two three", errorAfter: 1 });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  const events = sseEvents(await res.text());
  assert.equal(deltaText(events), "one");
  assert.equal(eventNames(events).at(-1), "error");
  const err = events.at(-1)!.data as { type: string; error: { type: string; message: string } };
  assert.equal(err.type, "error");
  assert.equal(err.error.type, "api_error");
  assert.equal(err.error.message, "The upstream stream failed mid-answer: Overloaded");
  assert.equal((await p.record(res.headers.get("x-request-id"))).outcome, "truncated");
});

Deno.test("an anthropic stream cut mid-event, with nothing to resume on, ends with Anthropic's event: error and is recorded truncated", async () => {
  await using p = await startProxy({ backends: [anthropic("a1")] });
  p.anthropic("a1").script({ kind: "answer", text: "one two three four", truncateAfter: 2 });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  const events = sseEvents(await res.text());
  assert.equal(deltaText(events), "one two");
  assert.deepEqual(eventNames(events).slice(-1), ["error"]);
  assert.deepEqual((events.at(-1)!.data as { error: unknown }).error, {
    type: "api_error",
    message: "The upstream stream ended before the answer finished",
  });
  const rec = (await p.records())[0]!;
  assert.equal(rec.outcome, "truncated");
  assert.equal(rec.api, "anthropic");
});

Deno.test("an HTML page from a proxy in front of the API is a transient failure; when all fail the client gets Sidecar's 502 in Anthropic's shape", async () => {
  await using p = await startProxy({ backends: [anthropic("a1")], config: { pool_retries: 0 } });
  p.anthropic("a1").setDefault({ kind: "html" });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 502);
  const body = await json(res) as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "api_error");
  assert.match(body.error.message, /a1: 502 server_error/);
  assert.deepEqual(Object.keys(body).sort(), ["error", "type"]);
});

Deno.test("a Messages stream cut mid-answer resumes on a prefill anthropic backend: one message, the text whole, both calls' usage", async () => {
  const ANSWER = "The quick brown fox jumps over the lazy dog";
  await using p = await startProxy({
    backends: [anthropic("a1"), anthropic("a2", { pool: "fallback", resume: "prefill" })],
  });
  p.anthropic("a1").script({ kind: "answer", text: ANSWER, cutAfter: 3 });
  p.anthropic("a2").setDefault({ kind: "answer", text: ANSWER });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  const events = sseEvents(await res.text());
  assert.equal(deltaText(events), ANSWER);
  const names = eventNames(events);
  assert.equal(names.filter((n) => n === "message_start").length, 1);
  assert.equal(names.filter((n) => n === "content_block_start").length, 1);
  assert.equal(names.at(-1), "message_stop");
  // Every delta is on the one block the client has open.
  for (const e of events.filter((e) => e.event === "content_block_delta")) {
    assert.equal((e.data as { index: number }).index, 0);
  }
  const sent = p.anthropic("a2").requests[0]!.body as { messages: unknown[] };
  assert.deepEqual(sent.messages.at(-1), { role: "assistant", content: "The quick brown" });
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["a1:stream_cut", "a2:resumed"]);
  assert.equal(rec.outcome, "ok");
  const delta = events.find((e) => e.event === "message_delta")!.data as {
    usage: { output_tokens: number };
  };
  assert.equal(delta.usage.output_tokens, rec.completion_tokens);
  // a1 reported 1 output token at message_start; a2 the 6 words it added.
  assert.equal(rec.completion_tokens, 1 + 6);
});

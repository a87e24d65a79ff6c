/**
 * @module proxy_stream_test
 * Streaming (docs/streaming.md): broken, stalled, malformed and unfinished upstream
 * streams, failover before the first byte, and client disconnects.
 */
import assert from "node:assert/strict";
import {
  assertUpstreamClosed,
  attemptsOf,
  type BackendDef,
  chat,
  type Proxy,
  startProxy,
} from "./proxy_harness.ts";
import { eventually, until } from "../helpers/until.ts";

const PAIR: BackendDef[] = [{ id: "b1" }, { id: "b2", pool: "fallback" }];

/** Reads an openai stream to its end; returns the text and the error that ended it, if any. */
async function drain(
  stream: AsyncIterable<{ choices: { delta: { content?: string | null } }[] }>,
): Promise<{ text: string; error?: unknown }> {
  let text = "";
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  } catch (error) {
    return { text, error };
  }
  return { text };
}

/** The `data:` payloads of a raw SSE body. */
function dataLines(body: string): string[] {
  return body.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
}

/** A stream request made with the openai client, answered as a raw Response. */
function rawStream(p: Proxy, extra: Record<string, unknown> = {}) {
  return p.client.chat.completions.create(chat({ stream: true, ...extra })).asResponse();
}

const sse = (json: unknown) => `data: ${JSON.stringify(json)}\n\n`;
const piece = (content: string, finish_reason: string | null = null) =>
  sse({
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, delta: { content }, finish_reason }],
  });
const SSE_HEADERS = { "content-type": "text/event-stream" };

Deno.test("stream cut before finish_reason: in-band upstream_stream_truncated, recorded truncated", async () => {
  await using p = await startProxy({ backends: PAIR });
  p.mock("b1").script({ kind: "stream", chunks: ["one ", "two ", "three"], cutAfter: 2 });
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  const { text, error } = await drain(stream);
  assert.equal(text, "one two ");
  assert.ok(error instanceof Error && "code" in error, `not an API error: ${error}`);
  assert.equal(error.code, "upstream_stream_truncated");

  const rec = await p.record(response.headers.get("x-request-id"));
  assert.equal(rec.outcome, "truncated");
  assert.equal(rec.status, 200);
  assert.deepEqual(attemptsOf(rec), ["b1:ok"]);
  assert.match(rec.error ?? "", /ended before/);
  // Bytes were sent: never retried elsewhere.
  assert.equal(p.mock("b2").requests.length, 0);
});

Deno.test("stream cut: the error event is the last thing sent and there is no [DONE]", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "stream", cutAfter: 1 });
  const res = await rawStream(p);
  const events = dataLines(await res.text());
  assert.ok(!events.includes("[DONE]"));
  assert.deepEqual(JSON.parse(events.at(-1)!), {
    error: {
      message: "The upstream stream ended before the answer finished",
      type: "server_error",
      code: "upstream_stream_truncated",
    },
  });
});

Deno.test("stream that ends cleanly with no finish_reason is truncated too", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({
    kind: "status",
    status: 200,
    headers: SSE_HEADERS,
    body: piece("half an ans"),
  });
  const res = await rawStream(p);
  const events = dataLines(await res.text());
  assert.equal(events.length, 2);
  assert.equal(JSON.parse(events[1]!).error.code, "upstream_stream_truncated");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "truncated");
});

Deno.test("an upstream error event mid-stream ends the stream with one error event", async () => {
  await using p = await startProxy({ backends: PAIR });
  const upstreamError = { error: { message: "overloaded", type: "server_error", code: null } };
  p.mock("b1").script({
    kind: "status",
    status: 200,
    headers: SSE_HEADERS,
    body: piece("partial") + sse(upstreamError) + piece("never sent"),
  });
  const res = await rawStream(p);
  const events = dataLines(await res.text()).map((e) => JSON.parse(e));
  assert.equal(events.length, 2, JSON.stringify(events));
  assert.equal(events[0].choices[0].delta.content, "partial");
  // One error event in Sidecar's own shape, carrying the upstream's message.
  assert.equal(events[1].error.type, "server_error");
  assert.equal(events[1].error.code, "upstream_stream_truncated");
  assert.match(events[1].error.message, /overloaded/);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "truncated");
  assert.match(rec.error ?? "", /overloaded/);
  assert.equal(p.mock("b2").requests.length, 0);
});

Deno.test("a whole stream arriving in one upstream read is relayed in full", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({
    kind: "status",
    status: 200,
    headers: SSE_HEADERS,
    body: piece("all ") + piece("at once") + piece("", "stop") + "data: [DONE]\n\n",
  });
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  const { text, error } = await drain(stream);
  assert.equal(error, undefined);
  assert.equal(text, "all at once");
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
});

Deno.test("stream stall: upstream_stream_stalled after stream_idle_timeout_ms, upstream aborted", async () => {
  await using p = await startProxy({
    backends: PAIR,
    config: { stream_idle_timeout_ms: 300 },
  });
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b", "c"], stallAfter: 1 });
  const started = performance.now();
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  const { text, error } = await drain(stream);
  const elapsed = performance.now() - started;
  assert.equal(text, "a");
  assert.ok(error instanceof Error && "code" in error, `not an API error: ${error}`);
  assert.equal(error.code, "upstream_stream_stalled");
  assert.ok(elapsed >= 280 && elapsed < 2000, `took ${elapsed} ms`);

  const rec = await p.record(response.headers.get("x-request-id"));
  assert.equal(rec.outcome, "stalled");
  assert.equal(p.upstreamCalls[0]?.signal?.aborted, true, "the stalled upstream was not aborted");
  await assertUpstreamClosed(p.mock("b1").requests[0]);
  assert.equal(p.mock("b2").requests.length, 0);
});

Deno.test("a malformed SSE event is dropped, not forwarded", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "stream", chunks: ["x", "y", "z"], malformedAt: 1 });
  // The openai client throws on an event that is not JSON: reading to the end proves it was dropped.
  const { text, error } = await drain(
    await p.client.chat.completions.create(chat({ stream: true })),
  );
  assert.equal(error, undefined);
  assert.equal(text, "xyz");

  p.mock("b1").script({ kind: "stream", chunks: ["x", "y"], malformedAt: 0 });
  const res = await rawStream(p);
  const body = await res.text();
  assert.ok(!body.includes("not json"), "the malformed event reached the client");
  assert.equal(dataLines(body).at(-1), "[DONE]");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
});

Deno.test("missing [DONE] after a finish_reason: Sidecar sends [DONE] and records usage", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b"], omitDone: true });
  const res = await rawStream(p);
  const body = await res.text();
  assert.ok(body.endsWith("data: [DONE]\n\n"), `ends with ${JSON.stringify(body.slice(-40))}`);
  assert.equal(dataLines(body).filter((d) => d === "[DONE]").length, 1);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
  assert.deepEqual([rec.prompt_tokens, rec.completion_tokens, rec.total_tokens], [10, 2, 12]);
});

Deno.test("a stream whose first event is an error fails over before the client sees a byte", async () => {
  await using p = await startProxy({ backends: PAIR, config: { pool_retries: 0 } });
  p.mock("b1").script({ kind: "stream", errorFirst: { type: "server_error" } });
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "b2");
  assert.equal(response.headers.get("x-sidecar-attempts"), "2");
  const { text, error } = await drain(stream);
  assert.equal(error, undefined);
  assert.equal(text, "Hello from b2");
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual(rec.attempts.map((a) => [a.backend_id, a.status, a.reason]), [
    ["b1", 200, "stream_error"],
    ["b2", 200, "ok"],
  ]);
  assert.equal((await p.status("b1")).failures, 1);
});

Deno.test("a stream whose first event is an error is transient: retried inside the pool first", async () => {
  await using p = await startProxy({ backends: PAIR });
  p.mock("b1").script({ kind: "stream", errorFirst: { type: "server_error" } });
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "b1");
  assert.equal((await drain(stream)).text, "Hello from b1");
  assert.equal(p.mock("b2").requests.length, 0);
});

Deno.test("a stream whose first event is a rate-limit error cools the (backend, model) pair like a 429", async () => {
  await using p = await startProxy({ backends: PAIR });
  p.mock("b1").script({
    kind: "stream",
    errorFirst: { type: "rate_limit_error", code: "rate_limit_exceeded" },
  });
  const res = await rawStream(p);
  assert.equal(res.headers.get("x-sidecar-backend"), "b2");
  await res.body?.cancel();
  const s = await p.status("b1");
  assert.deepEqual(s.models_cooling.map((m) => [m.model, m.consecutive_429]), [["gpt-test", 1]]);
  assert.equal((await p.cooldowns("b1"))[0]?.reason, "429");
});

Deno.test("a 200 stream with no event at all fails over", async () => {
  await using p = await startProxy({ backends: PAIR, config: { pool_retries: 0 } });
  p.mock("b1").script({ kind: "status", status: 200, headers: SSE_HEADERS, body: "" });
  const res = await rawStream(p);
  assert.equal(res.headers.get("x-sidecar-backend"), "b2");
  await res.body?.cancel();
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["b1:empty_stream", "b2:ok"]);
});

Deno.test("no first event within first_chunk_timeout_ms fails over", async () => {
  await using p = await startProxy({ backends: PAIR, config: { first_chunk_timeout_ms: 300 } });
  p.mock("b1").script({ kind: "stream", firstChunkDelayMs: 5000 });
  const started = performance.now();
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "b2");
  assert.equal((await drain(stream)).text, "Hello from b2");
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 280 && elapsed < 2000, `took ${elapsed} ms`);
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["b1:first_chunk_timeout", "b2:ok"]);
  assert.equal(p.upstreamCalls[0]?.signal?.aborted, true);
  await assertUpstreamClosed(p.mock("b1").requests[0]);
});

Deno.test("client disconnect mid-stream aborts the upstream and records cancelled", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    config: { stream_idle_timeout_ms: 5000 },
  });
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b", "c"], stallAfter: 1 });
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  let got = "";
  for await (const chunk of stream) {
    got += chunk.choices[0]?.delta.content ?? "";
    if (got === "a") break; // the openai client aborts its request
  }
  const id = response.headers.get("x-request-id");
  const rec = await eventually("the cancelled record", async () => {
    return (await p.records()).find((r) => r.id === id);
  });
  assert.equal(rec.outcome, "cancelled");
  assert.equal(rec.status, 200);
  assert.equal(rec.backend_id, "b1");
  await until("the upstream abort", () => p.upstreamCalls[0]?.signal?.aborted === true);
  await assertUpstreamClosed(p.mock("b1").requests[0]);
  assert.equal((await p.status("b1")).in_flight, 0);
});

Deno.test("client disconnect before the upstream answered aborts it and records cancelled", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    config: { attempt_timeout_ms: 5000 },
  });
  p.mock("b1").script({ kind: "hang" });
  const abort = new AbortController();
  // A raw fetch, not the openai client: Deno.serve (2.9.6) does not abort `request.signal`
  // on a disconnect for some request sizes, and the openai client's request is one of them.
  const pending = fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.key}`, "content-type": "application/json" },
    body: JSON.stringify(chat()),
    signal: abort.signal,
  });
  await eventually("the upstream request", () => p.mock("b1").requests[0]);
  abort.abort();
  await assert.rejects(pending);
  const rec = await eventually("the cancelled record", async () => (await p.records())[0]);
  assert.equal(rec.outcome, "cancelled");
  assert.deepEqual(attemptsOf(rec), ["b1:cancelled"]);
  assert.equal(p.upstreamCalls[0]?.signal?.aborted, true);
  await assertUpstreamClosed(p.mock("b1").requests[0]);
  const s = await p.status("b1");
  assert.equal(s.failures, 0);
  assert.equal(s.in_flight, 0);
});

Deno.test("a Responses API stream is relayed to the openai client", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "stream", chunks: ["Hi", " there"] });
  const stream = await p.client.responses.create({ model: "gpt-test", input: "hi", stream: true });
  const types: string[] = [];
  let text = "";
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "response.output_text.delta") text += event.delta;
  }
  assert.equal(text, "Hi there");
  assert.equal(types.at(-1), "response.completed");
  const rec = (await p.records())[0];
  assert.equal(rec?.outcome, "ok");
  assert.equal(rec?.total_tokens, 12);
});

Deno.test("a Responses API stream gets no [DONE] it never had", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "stream", chunks: ["Hi"] });
  const res = await p.client.responses
    .create({ model: "gpt-test", input: "hi", stream: true })
    .asResponse();
  const events = dataLines(await res.text());
  // Every event of this API is JSON; a strict client parses each one.
  for (const e of events) JSON.parse(e);
  assert.equal(JSON.parse(events.at(-1)!).type, "response.completed");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
});

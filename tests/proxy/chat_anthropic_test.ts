/**
 * @module chat_anthropic_test
 * Chat completions routed to `anthropic` backends (CONTRACT §7, "the other
 * way"): translated to Messages for a real loopback Messages API that
 * refuses what Anthropic refuses, the answer and the stream translated back
 * with exact usage, Anthropic's errors in OpenAI's shape (the official
 * `openai` client's error classes), "prompt is too long" as a context
 * overflow, a chat stream resumed on an `anthropic` prefill backend, and
 * the endpoints Anthropic has no counterpart for never sent there.
 */
import assert from "node:assert/strict";
import { apiError, assertErrorShape, attemptsOf, chat, startProxy } from "./proxy_harness.ts";
import { sseEvents } from "./sse_events.ts";

function oneAnthropic() {
  return startProxy({ backends: [{ id: "a1", api: "anthropic" }] });
}

Deno.test("chat completions to an anthropic backend: sent as Messages with x-api-key and anthropic-version 2023-06-01, answered as a chat completion", async () => {
  await using p = await oneAnthropic();
  const r = await p.client.chat.completions.create({
    ...chat(),
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }],
    temperature: 0.5,
    max_tokens: 50,
  });
  assert.equal(r.object, "chat.completion");
  assert.equal(r.choices[0]?.message.content, "Hello from a1: hi");
  assert.equal(r.choices[0]?.finish_reason, "stop");
  const sent = p.anthropic("a1").requests[0]!;
  assert.equal(sent.path, "/v1/messages");
  assert.equal(sent.headers.get("x-api-key"), "sk-upstream-a1");
  assert.equal(sent.headers.get("authorization"), null);
  assert.equal(sent.headers.get("anthropic-version"), "2023-06-01");
  assert.deepEqual(sent.body, {
    model: "gpt-test",
    messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    max_tokens: 50,
    system: [{ type: "text", text: "Be brief." }],
    temperature: 0.5,
  });
  // The mock's counts, whole prompt and completion, as recorded.
  const rec = (await p.records())[0]!;
  assert.equal(rec.api, "openai");
  assert.deepEqual([r.usage?.prompt_tokens, r.usage?.completion_tokens], [
    rec.prompt_tokens,
    rec.completion_tokens,
  ]);
});

Deno.test("a chat request with neither max_tokens nor max_completion_tokens gets Anthropic's required max_tokens, 4096", async () => {
  await using p = await oneAnthropic();
  await p.client.chat.completions.create(chat());
  assert.equal((p.anthropic("a1").requests[0]!.body as { max_tokens: number }).max_tokens, 4096);
});

Deno.test("a chat stream from an anthropic backend: the openai client assembles the message; the usage chunk counts the prompt with its cache as OpenAI does", async () => {
  await using p = await oneAnthropic();
  p.anthropic("a1").script({
    kind: "answer",
    text: "one two three",
    usage: { input_tokens: 4, cache_read_input_tokens: 6, cache_creation_input_tokens: 2 },
  });
  const stream = p.client.chat.completions.stream({
    ...chat(),
    stream: true,
    stream_options: { include_usage: true },
  });
  const final = await stream.finalChatCompletion();
  assert.equal(final.choices[0]?.message.content, "one two three");
  assert.equal(final.choices[0]?.finish_reason, "stop");
  assert.deepEqual(final.usage, {
    prompt_tokens: 12,
    completion_tokens: 3,
    total_tokens: 15,
    prompt_tokens_details: { cached_tokens: 6 },
  });
  const rec = (await p.records())[0]!;
  assert.deepEqual([rec.prompt_tokens, rec.completion_tokens, rec.total_tokens], [12, 3, 15]);
});

Deno.test("a chat stream from an anthropic backend, raw: chunks then [DONE]; no usage chunk unless asked for, yet usage recorded", async () => {
  await using p = await oneAnthropic();
  p.anthropic("a1").script({ kind: "answer", text: "one two" });
  const res = await p.post("/chat/completions", chat({ stream: true }));
  const events = sseEvents(await res.text());
  assert.equal(events.at(-1)?.data, "[DONE]");
  const chunks = events.slice(0, -1).map((e) => e.data as { choices: unknown[]; usage?: unknown });
  assert.ok(chunks.every((c) => c.choices.length === 1 && c.usage === undefined));
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.completion_tokens, 2);
  assert.ok(rec.prompt_tokens > 0);
});

Deno.test("an anthropic backend's 400 reaches an OpenAI client in OpenAI's shape with its status and message", async () => {
  await using p = await startProxy({
    backends: [{ id: "a1", api: "anthropic" }, { id: "a2", api: "anthropic", pool: "fallback" }],
  });
  p.anthropic("a1").script({ kind: "error", status: 400, message: "messages.0: weird" });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 400);
  assertErrorShape(err.error === undefined ? undefined : { error: err.error });
  assert.deepEqual(err.error, {
    message: "messages.0: weird",
    type: "invalid_request_error",
    param: null,
    code: null,
  });
});

Deno.test('"prompt is too long" from an anthropic backend is a context overflow: context_length_exceeded, and another upstream model is tried', async () => {
  await using p = await startProxy({
    backends: [
      { id: "a1", api: "anthropic" },
      { id: "a2", api: "anthropic", pool: "fallback", model_map: { "*": "claude-bigger" } },
    ],
  });
  p.anthropic("a1").script({ kind: "prompt_too_long" });
  const ok = await p.client.chat.completions.create(chat());
  assert.equal(ok.choices[0]?.message.content, "Hello from a2: hi");
  assert.deepEqual(attemptsOf((await p.records())[0]!), ["a1:context_length", "a2:ok"]);

  p.anthropic("a1").script({ kind: "prompt_too_long" });
  p.anthropic("a2").script({ kind: "prompt_too_long" });
  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 400);
  assert.equal(err.code, "context_length_exceeded");
  assert.match(err.message, /prompt is too long/);
});

Deno.test("a chat stream cut on an openai backend resumes on an anthropic prefill backend: the prefill trimmed as Anthropic requires, the message whole", async () => {
  const ANSWER = "The quick brown fox jumps over the lazy dog";
  await using p = await startProxy({
    backends: [{ id: "o1" }, { id: "a1", api: "anthropic", pool: "fallback", resume: "prefill" }],
  });
  p.mock("o1").script({ kind: "continue", answer: ANSWER, cutAfter: 5 });
  p.anthropic("a1").setDefault({ kind: "answer", text: ANSWER });
  const stream = p.client.chat.completions.stream({ ...chat(), stream: true });
  const final = await stream.finalChatCompletion();
  assert.equal(final.choices[0]?.message.content, ANSWER);
  const sent = p.anthropic("a1").requests[0]!.body as { messages: unknown[] };
  assert.deepEqual(sent.messages.at(-1), { role: "assistant", content: "The quick brown fox" });
  assert.deepEqual(attemptsOf((await p.records())[0]!), ["o1:stream_cut", "a1:resumed"]);
});

Deno.test("a chat request that cannot be translated goes to the openai backends only; with none, it is a 400 naming the field", async () => {
  await using p = await startProxy({
    backends: [{ id: "a1", api: "anthropic" }, { id: "o1", pool: "fallback" }],
  });
  const ok = await p.client.chat.completions.create({ ...chat(), n: 2 });
  assert.equal(ok.choices[0]?.message.content, "Hello from o1");
  assert.equal(p.anthropic("a1").requests.length, 0);

  await using only = await oneAnthropic();
  const err = await apiError(() => only.client.chat.completions.create({ ...chat(), n: 2 }));
  assert.equal(err.status, 400);
  assert.equal(err.param, "n");
  assert.match(err.message, /Only one choice \(n: 1\) is translated at n/);
  assert.equal(only.anthropic("a1").requests.length, 0);
  assert.equal((await only.records())[0]?.outcome, "client_error");
});

Deno.test("embeddings, completions and the Responses API are never sent to an anthropic backend: 404 model_not_found naming the endpoint", async () => {
  await using p = await oneAnthropic();
  for (const path of ["/embeddings", "/completions", "/responses"]) {
    const res = await p.post(path, { model: "gpt-test", input: "hi", prompt: "hi" });
    assert.equal(res.status, 404, path);
    const body = await res.json();
    assertErrorShape(body);
    assert.equal(body.error.code, "model_not_found");
    assert.equal(body.error.message, `No enabled backend serves model "gpt-test" on /v1${path}`);
  }
  assert.equal(p.anthropic("a1").requests.length, 0);
});

/**
 * @module messages_openai_test
 * `POST /v1/messages` to `openai` backends (CONTRACT §7): the request
 * translated to chat completions for a real loopback OpenAI-compatible
 * upstream, the answer, the stream event by event and the errors
 * translated back into Anthropic's shapes; `count_tokens` estimated; the
 * issue's bad inputs each a 400 in Anthropic's shape naming the field, with
 * nothing sent upstream and nothing recorded wrongly; a stream cut on the
 * openai backend resumed on an `anthropic` prefill backend.
 */
import assert from "node:assert/strict";
import { attemptsOf, type Proxy, startProxy } from "./proxy_harness.ts";
import { eventNames, sseEvents } from "./sse_events.ts";

/** A Messages request body for the harness's model. */
function messages(extra: Record<string, unknown> = {}) {
  return {
    model: "gpt-test",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi" }],
    ...extra,
  };
}

type AnthropicError = { type: string; error: { type: string; message: string } };

async function anthropicError(res: Response): Promise<AnthropicError> {
  const body = await res.json() as AnthropicError;
  assert.equal(body.type, "error", JSON.stringify(body));
  assert.deepEqual(Object.keys(body).sort(), ["error", "type"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["message", "type"]);
  return body;
}

function deltaText(events: ReturnType<typeof sseEvents>): string {
  return events.map((e) => e.data as { delta?: { text?: string } })
    .map((d) => d.delta?.text ?? "").join("");
}

function oneOpenAi(): Promise<Proxy> {
  return startProxy({ backends: [{ id: "o1" }] });
}

Deno.test("/v1/messages to an openai backend: sent as chat completions with the backend's Bearer key, answered as an Anthropic message with the upstream's usage", async () => {
  await using p = await oneOpenAi();
  const res = await p.postAnthropic("/messages", messages({ system: "Be brief." }));
  assert.equal(res.status, 200);
  const sent = p.mock("o1").requests[0]!;
  assert.equal(sent.path, "/v1/chat/completions");
  assert.equal(sent.headers.get("authorization"), "Bearer sk-upstream-o1");
  assert.equal(sent.headers.get("x-api-key"), null);
  assert.equal(sent.headers.get("anthropic-version"), null);
  assert.deepEqual(sent.body, {
    model: "gpt-test",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }],
    max_completion_tokens: 100,
  });
  const answer = await res.json();
  assert.match(answer.id, /^msg_/);
  assert.deepEqual({ ...answer, id: "msg" }, {
    id: "msg",
    type: "message",
    role: "assistant",
    model: "gpt-test",
    content: [{ type: "text", text: "Hello from o1" }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 5,
    },
  });
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.api, "anthropic");
  assert.equal(rec.backend_id, "o1");
  assert.deepEqual([rec.prompt_tokens, rec.completion_tokens], [10, 5]);
});

Deno.test("/v1/messages stream to an openai backend: Anthropic's event sequence, event by event, with the usage the upstream reported", async () => {
  await using p = await oneOpenAi();
  p.mock("o1").script({ kind: "stream", chunks: ["Hello", " from ", "o1"] });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = sseEvents(await res.text());
  assert.deepEqual(eventNames(events), [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  for (const e of events) assert.equal((e.data as { type: string }).type, e.event);
  assert.equal(deltaText(events), "Hello from o1");
  const delta = events.at(-2)!.data as { delta: unknown; usage: { output_tokens: number } };
  assert.deepEqual(delta.delta, { stop_reason: "end_turn", stop_sequence: null });
  assert.equal(delta.usage.output_tokens, 3);
  // The translated request asked for the usage chunk; no [DONE] reached the client.
  const sent = p.mock("o1").requests[0]!.body as Record<string, unknown>;
  assert.deepEqual(sent.stream_options, { include_usage: true });
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual([rec.outcome, rec.prompt_tokens, rec.completion_tokens], ["ok", 10, 3]);
});

Deno.test("fields a translation drops are named in one warning log line", async () => {
  await using p = await oneOpenAi();
  const res = await p.postAnthropic(
    "/messages",
    messages({ top_k: 5, thinking: { type: "enabled", budget_tokens: 1024 } }),
  );
  assert.equal(res.status, 200);
  const warnings = p.rt.logLines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].msg, "fields dropped in translation");
  assert.equal(warnings[0].request_id, res.headers.get("x-request-id"));
  assert.deepEqual([warnings[0].from, warnings[0].to, warnings[0].dropped], [
    "anthropic",
    "openai",
    "top_k, thinking",
  ]);
  const sent = p.mock("o1").requests[0]!.body as Record<string, unknown>;
  assert.equal("top_k" in sent || "thinking" in sent, false);
});

Deno.test("an openai backend's 4xx reaches the Anthropic client in Anthropic's shape with the upstream's status and message", async () => {
  await using p = await oneOpenAi();
  p.mock("o1").script({
    kind: "status",
    status: 400,
    body: {
      error: { message: "Bad thing", type: "invalid_request_error", param: null, code: null },
    },
  });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 400);
  assert.deepEqual((await anthropicError(res)).error, {
    type: "invalid_request_error",
    message: "Bad thing",
  });
  assert.equal((await p.record(res.headers.get("x-request-id"))).outcome, "client_error");
});

Deno.test('an openai backend\'s context_length_exceeded reaches the Anthropic client as "prompt is too long"', async () => {
  await using p = await oneOpenAi();
  p.mock("o1").script({ kind: "context_length" });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 400);
  const { error } = await anthropicError(res);
  assert.equal(error.type, "invalid_request_error");
  assert.match(error.message, /^prompt is too long: This model's maximum context length/);
});

Deno.test("/v1/messages/count_tokens for a model only openai backends serve is estimated, marked x-sidecar-estimate, and sent nowhere", async () => {
  await using p = await oneOpenAi();
  const res = await p.postAnthropic("/messages/count_tokens", {
    model: "gpt-test",
    system: "x".repeat(40),
    messages: [{ role: "user", content: "y".repeat(80) }],
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-sidecar-estimate"), "true");
  assert.deepEqual(await res.json(), { input_tokens: 30 });
  assert.equal(p.mock("o1").requests.length, 0);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual([rec.api, rec.outcome, rec.backend_id, rec.total_tokens], [
    "anthropic",
    "ok",
    null,
    0,
  ]);
});

/** The bad inputs: each a 400 in Anthropic's shape naming the field. */
const BAD_INPUTS: { what: string; body: Record<string, unknown>; message: string }[] = [
  {
    what: "no max_tokens",
    body: { model: "gpt-test", messages: [{ role: "user", content: "hi" }] },
    message: "max_tokens: Field required",
  },
  {
    what: "messages not an array",
    body: { model: "gpt-test", max_tokens: 10, messages: { role: "user", content: "hi" } },
    message: "messages: Input should be a valid list",
  },
  {
    what: "an unknown content block type",
    body: messages({ messages: [{ role: "user", content: [{ type: "hologram", data: "x" }] }] }),
    message:
      'Block type "hologram" in a user message is not translated at messages[0].content[0].type',
  },
  {
    what: "a tool_result for an unknown tool_use id",
    body: messages({
      messages: [{
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_nope", content: "42" }],
      }],
    }),
    message: "Expected the id of an earlier tool_use at messages[0].content[0].tool_use_id",
  },
  {
    what: "an image neither base64 nor URL",
    body: messages({
      messages: [{
        role: "user",
        content: [{ type: "image", source: { type: "file", file_id: "file_1" } }],
      }],
    }),
    message:
      'Image source type "file" is not translated (base64 and url are) at messages[0].content[0].source.type',
  },
];

for (const row of BAD_INPUTS) {
  Deno.test(`/v1/messages with ${row.what}: 400 invalid_request_error naming the field, nothing sent upstream`, async () => {
    await using p = await oneOpenAi();
    const res = await p.postAnthropic("/messages", row.body);
    assert.equal(res.status, 400);
    assert.deepEqual((await anthropicError(res)).error, {
      type: "invalid_request_error",
      message: row.message,
    });
    assert.ok(res.headers.get("x-request-id"));
    assert.equal(p.mock("o1").requests.length, 0);
    // Refused before routing (never recorded), or by the translation (recorded as the client's fault).
    const recs = await p.records();
    assert.ok(
      recs.every((r) => r.outcome === "client_error" && r.status === 400 && r.api === "anthropic"),
    );
  });
}

Deno.test("an openai backend answering 200 with an HTML page: Sidecar's 502 in Anthropic's shape, recorded as an upstream error", async () => {
  await using p = await oneOpenAi();
  p.mock("o1").script({ kind: "status", status: 200, body: "<html><body>Welcome</body></html>" });
  const res = await p.postAnthropic("/messages", messages());
  assert.equal(res.status, 502);
  assert.deepEqual((await anthropicError(res)).error, {
    type: "api_error",
    message: "The upstream answer is not JSON",
  });
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual([rec.status, rec.outcome], [502, "upstream_error"]);
});

Deno.test("a translated stream cut before its finish, with nothing to resume on, ends with Anthropic's event: error and is recorded truncated", async () => {
  await using p = await oneOpenAi();
  p.mock("o1").script({ kind: "stream", chunks: ["one ", "two ", "three"], cutAfter: 2 });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  const events = sseEvents(await res.text());
  assert.equal(deltaText(events), "one two ");
  assert.equal(eventNames(events).at(-1), "error");
  assert.equal(eventNames(events).includes("message_stop"), false);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "truncated");
});

Deno.test("a Messages stream cut on an openai backend resumes on an anthropic prefill backend: the prefill without its trailing space, the text whole", async () => {
  const ANSWER = "The quick brown fox jumps over the lazy dog";
  await using p = await startProxy({
    backends: [
      { id: "o1" },
      { id: "a1", api: "anthropic", pool: "fallback", resume: "prefill", models: ["gpt-test"] },
    ],
  });
  // Five 4-character chunks: "The quick brown fox " ends in a space.
  p.mock("o1").script({ kind: "continue", answer: ANSWER, cutAfter: 5 });
  p.anthropic("a1").setDefault({ kind: "answer", text: ANSWER });
  const res = await p.postAnthropic("/messages", messages({ stream: true }));
  const events = sseEvents(await res.text());
  assert.equal(deltaText(events), ANSWER);
  assert.equal(eventNames(events).filter((n) => n === "message_start").length, 1);
  assert.equal(eventNames(events).at(-1), "message_stop");
  const sent = p.anthropic("a1").requests[0]!.body as { messages: unknown[] };
  assert.deepEqual(sent.messages.at(-1), { role: "assistant", content: "The quick brown fox" });
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.deepEqual(attemptsOf(rec), ["o1:stream_cut", "a1:resumed"]);
  assert.equal(rec.outcome, "ok");
});

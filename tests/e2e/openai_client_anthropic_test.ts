/**
 * @module openai_client_anthropic_test
 * The official `openai` client (pinned, test-only, retries off) against a
 * real Sidecar served over loopback whose backend is an `anthropic` one (a
 * mock Messages API): chat completions translated to Messages and back,
 * streamed with exact usage, and tool calls across two turns, so Anthropic
 * keys can sit in pools behind OpenAI clients (CONTRACT §7). Each scenario
 * checks what the client got, what the Messages API received (the
 * backend's key as x-api-key, never the client's; anthropic-version) and
 * that the request is recorded as `api: "openai"`.
 */
import assert from "node:assert/strict";
import type OpenAI from "npm:openai@7.59.0";
import { inputTokensOf } from "../helpers/mock_anthropic_bodies.ts";
import type { RecordedRequest } from "../helpers/mock_upstream.ts";
import { type BackendDef, type Proxy, startProxy } from "../proxy/proxy_harness.ts";

/** An `anthropic` backend for an OpenAI model name, mapped to a Claude model. */
const ANTHROPIC: BackendDef = {
  id: "a1",
  api: "anthropic",
  models: ["gpt-test"],
  model_map: { "gpt-test": "claude-sonnet-4-5" },
};

const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** The Messages API saw the backend's key as x-api-key, Anthropic's version, nothing of the client's. */
function assertAnthropicCall(req: RecordedRequest | undefined, p: Proxy) {
  assert.ok(req, "no upstream request");
  assert.equal(req.path, "/v1/messages");
  assert.equal(req.headers.get("x-api-key"), "sk-upstream-a1");
  assert.equal(req.headers.get("authorization"), null);
  assert.equal(req.headers.get("anthropic-version"), "2023-06-01");
  for (const [name, value] of req.headers) {
    assert.ok(!value.includes(p.key), `the client's key went upstream in ${name}`);
  }
  assert.ok(!req.text.includes(p.key), "the client's key went upstream in the body");
}

Deno.test("openai client → anthropic backend: a chat completion sent as a Messages request with the backend's x-api-key, answered as a chat completion; recorded as api openai", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const { data, response } = await p.client.chat.completions.create({
    model: "gpt-test",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hi" }],
    max_tokens: 50,
    temperature: 0.5,
  }).withResponse();
  assert.equal(data.object, "chat.completion");
  assert.equal(data.choices.length, 1);
  assert.equal(data.choices[0]?.message.role, "assistant");
  assert.equal(data.choices[0]?.message.content, "Hello from a1: Say hi");
  assert.equal(data.choices[0]?.finish_reason, "stop");
  const sent = p.anthropic("a1").requests[0];
  assertAnthropicCall(sent, p);
  assert.deepEqual(sent?.body, {
    model: "claude-sonnet-4-5",
    system: [{ type: "text", text: "Be brief." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Say hi" }] }],
    max_tokens: 50,
    temperature: 0.5,
  });
  // The mock's own count of what it was sent, and one token a word answered.
  const input = inputTokensOf(sent?.body);
  assert.deepEqual(
    [data.usage?.prompt_tokens, data.usage?.completion_tokens, data.usage?.total_tokens],
    [input, 5, input + 5],
  );
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual([rec.api, rec.outcome, rec.backend_id, rec.upstream_model], [
    "openai",
    "ok",
    "a1",
    "claude-sonnet-4-5",
  ]);
  assert.deepEqual([rec.prompt_tokens, rec.completion_tokens], [input, 5]);
});

Deno.test("openai client → anthropic backend: a stream of chat chunks with the usage chunk exact, cache reads and writes inside prompt_tokens", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const usage = { input_tokens: 20, cache_read_input_tokens: 7, cache_creation_input_tokens: 3 };
  p.anthropic("a1").script({ kind: "answer", text: "one two three four", usage });
  const stream = await p.client.chat.completions.create({
    model: "gpt-test",
    messages: [{ role: "user", content: "Count" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const pieces: string[] = [];
  const finishes: (string | null)[] = [];
  let final: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    assert.equal(chunk.object, "chat.completion.chunk");
    for (const c of chunk.choices) {
      if (c.delta.content) pieces.push(c.delta.content);
      if (c.finish_reason) finishes.push(c.finish_reason);
    }
    if (chunk.usage) final = chunk.usage;
  }
  assert.deepEqual(pieces, ["one", " two", " three", " four"]);
  assert.deepEqual(finishes, ["stop"]);
  assert.ok(final, "no usage chunk");
  assert.equal(final.prompt_tokens, 30);
  assert.equal(final.completion_tokens, 4);
  assert.equal(final.total_tokens, 34);
  assert.equal(final.prompt_tokens_details?.cached_tokens, 7);
  const sent = p.anthropic("a1").requests[0];
  assertAnthropicCall(sent, p);
  const body = sent?.body as Record<string, unknown>;
  assert.equal(body.stream, true);
  assert.equal(body.stream_options, undefined);
  const [rec] = await p.records();
  assert.deepEqual([rec?.api, rec?.outcome, rec?.prompt_tokens, rec?.completion_tokens], [
    "openai",
    "ok",
    30,
    4,
  ]);
});

Deno.test("openai client → anthropic backend: tool calls across two turns, streamed in the first, tool messages sent back as tool_result blocks", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const mock = p.anthropic("a1");
  mock.script({ kind: "answer", toolUses: [{ name: "get_weather", input: { city: "Paris" } }] });
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: "user", content: "Weather in Paris?" },
  ];
  const stream = await p.client.chat.completions.create({
    model: "gpt-test",
    messages,
    tools: [WEATHER_TOOL],
    tool_choice: "required",
    stream: true,
  });
  const calls: { id: string; name: string; args: string }[] = [];
  let finish: string | null = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      for (const t of c.delta.tool_calls ?? []) {
        const call = calls[t.index] ??= { id: "", name: "", args: "" };
        call.id += t.id ?? "";
        call.name += t.function?.name ?? "";
        call.args += t.function?.arguments ?? "";
      }
      finish = c.finish_reason ?? finish;
    }
  }
  assert.equal(finish, "tool_calls");
  assert.equal(calls.length, 1);
  const [call] = calls;
  assert.match(call!.id, /^toolu_01/);
  assert.deepEqual([call!.name, JSON.parse(call!.args)], ["get_weather", { city: "Paris" }]);
  const up1 = mock.requests[0]?.body as Record<string, unknown>;
  assert.deepEqual(up1.tools, [{
    name: "get_weather",
    description: "The weather in a city",
    input_schema: WEATHER_TOOL.function.parameters,
  }]);
  assert.deepEqual(up1.tool_choice, { type: "any" });

  const answer = await p.client.chat.completions.create({
    model: "gpt-test",
    tools: [WEATHER_TOOL],
    messages: [
      ...messages,
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: call!.id,
          type: "function",
          function: { name: call!.name, arguments: call!.args },
        }],
      },
      { role: "tool", tool_call_id: call!.id, content: "18°C, sunny" },
    ],
  });
  assert.equal(answer.choices[0]?.message.content, "Hello from a1: 18°C, sunny");
  assert.equal(answer.choices[0]?.finish_reason, "stop");
  const up2 = mock.requests[1];
  assertAnthropicCall(up2, p);
  // The mock refuses a tool_result whose tool_use it has not seen: these pair.
  assert.deepEqual((up2?.body as Record<string, unknown>).messages, [
    { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
    {
      role: "assistant",
      content: [{ type: "tool_use", id: call!.id, name: "get_weather", input: { city: "Paris" } }],
    },
    {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: call!.id, content: "18°C, sunny" }],
    },
  ]);
  const records = await p.records();
  assert.deepEqual(records.map((r) => [r.api, r.outcome]), [["openai", "ok"], ["openai", "ok"]]);
});

/**
 * @module anthropic_sdk_test
 * Anthropic's own TypeScript SDK (pinned, test-only, retries off) pointed
 * at a real Sidecar served over loopback (CONTRACT §7), as a Claude Code
 * user would point it: `baseURL` is Sidecar's origin, the key a Sidecar
 * client key. Behind it, a mock Messages API (`anthropic` backend) and an
 * OpenAI-compatible mock (`openai` backend, translated). Each scenario
 * checks what the SDK got, what the upstream received (the backend's own
 * key, never the client's; the version header) and the request record.
 */
import assert from "node:assert/strict";
import Anthropic, { RateLimitError } from "npm:@anthropic-ai/sdk@1.10.0";
import type { RecordedRequest } from "../helpers/mock_upstream.ts";
import { attemptsOf, type BackendDef, type Proxy, startProxy } from "../proxy/proxy_harness.ts";

const CLAUDE = ["claude-*"];

/** An `anthropic` backend serving Claude model names. */
const ANTHROPIC: BackendDef = { id: "a1", api: "anthropic", models: CLAUDE };

/** An `openai` backend serving the same names, mapped to an OpenAI model, as for Claude Code. */
const OPENAI: BackendDef = { id: "o1", models: CLAUDE, model_map: { "claude-*": "gpt-4o-mini" } };

/** A 1×1 PNG. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

const WEATHER_TOOL = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: {
    type: "object" as const,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

/** The SDK as a Sidecar client: its `apiKey` goes out as `Authorization: Bearer`. */
function sdk(p: Proxy): Anthropic {
  return new Anthropic({ apiKey: p.key, baseURL: p.origin, maxRetries: 0 });
}

function ask(text: string) {
  return {
    model: "claude-test",
    max_tokens: 100,
    messages: [{ role: "user" as const, content: text }],
  };
}

/** The upstream saw the backend's key in the backend API's header, and nothing of the client's. */
function assertBackendKey(req: RecordedRequest | undefined, p: Proxy, api: "anthropic" | "openai") {
  assert.ok(req, "no upstream request");
  const key = `sk-upstream-${req.backend}`;
  if (api === "anthropic") {
    assert.equal(req.headers.get("x-api-key"), key);
    assert.equal(req.headers.get("authorization"), null);
  } else {
    assert.equal(req.headers.get("authorization"), `Bearer ${key}`);
    assert.equal(req.headers.get("x-api-key"), null);
  }
  for (const [name, value] of req.headers) {
    assert.ok(!value.includes(p.key), `the client's key went upstream in ${name}`);
  }
  assert.ok(!req.text.includes(p.key), "the client's key went upstream in the body");
}

Deno.test("Anthropic SDK → anthropic backend: messages.create answered as the API answered, with the backend's x-api-key and the SDK's anthropic-version upstream; recorded as api anthropic", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const { data: msg, response } = await sdk(p).messages.create(ask("Say hi")).withResponse();
  assert.equal(msg.type, "message");
  assert.match(msg.id, /^msg_01/);
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from a1: Say hi" }]);
  assert.equal(msg.stop_reason, "end_turn");
  assert.equal(response.headers.get("x-sidecar-backend"), "a1");
  assert.match(response.headers.get("x-upstream-request-id") ?? "", /^req_011C/);
  const sent = p.anthropic("a1").requests[0];
  assertBackendKey(sent, p, "anthropic");
  assert.equal(sent?.path, "/v1/messages");
  assert.equal(sent?.headers.get("anthropic-version"), "2026-10-21");
  assert.deepEqual(sent?.body, ask("Say hi"));
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual([rec.api, rec.outcome, rec.backend_id], ["anthropic", "ok", "a1"]);
  assert.deepEqual([rec.prompt_tokens, rec.completion_tokens], [
    msg.usage.input_tokens,
    msg.usage.output_tokens,
  ]);
});

Deno.test("Anthropic SDK with the key as x-api-key (as Claude Code's ANTHROPIC_API_KEY sends it) is served too", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const client = new Anthropic({
    apiKey: null,
    authToken: null,
    baseURL: p.origin,
    maxRetries: 0,
    defaultHeaders: { "x-api-key": p.key },
  });
  const msg = await client.messages.create(ask("hi"));
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from a1: hi" }]);
  assertBackendKey(p.anthropic("a1").requests[0], p, "anthropic");
});

Deno.test("Anthropic SDK → anthropic backend: messages.stream() sees each text event and assembles the final message with its usage", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const usage = { cache_read_input_tokens: 7, cache_creation_input_tokens: 3 };
  p.anthropic("a1").script({ kind: "answer", text: "one two three four", usage });
  const texts: string[] = [];
  const stream = sdk(p).messages.stream(ask("Count")).on("text", (t) => texts.push(t));
  const msg = await stream.finalMessage();
  assert.deepEqual(texts, ["one", " two", " three", " four"]);
  assert.deepEqual(msg.content, [{ type: "text", text: "one two three four" }]);
  assert.equal(msg.stop_reason, "end_turn");
  assert.equal(msg.usage.output_tokens, 4);
  assert.equal(msg.usage.cache_read_input_tokens, 7);
  assert.equal(msg.usage.cache_creation_input_tokens, 3);
  const sent = p.anthropic("a1").requests[0];
  assertBackendKey(sent, p, "anthropic");
  assert.equal((sent?.body as { stream?: boolean }).stream, true);
  const [rec] = await p.records();
  assert.deepEqual([rec?.api, rec?.outcome, rec?.completion_tokens], ["anthropic", "ok", 4]);
});

Deno.test("Anthropic SDK → anthropic backend: tool use across two turns, the tool_use streamed as input_json pieces, the tool_result passed through", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const mock = p.anthropic("a1");
  mock.script({
    kind: "answer",
    text: "Let me check.",
    toolUses: [{ name: "get_weather", input: { city: "Paris" } }],
  });
  const client = sdk(p);
  const first = { ...ask("Weather in Paris?"), tools: [WEATHER_TOOL] };
  const pieces: string[] = [];
  const turn1 = await client.messages.stream(first).on("inputJson", (d) => pieces.push(d))
    .finalMessage();
  assert.equal(turn1.stop_reason, "tool_use");
  assert.ok(pieces.length >= 2, `input in ${pieces.length} pieces`);
  const call = turn1.content[1];
  assert.ok(call?.type === "tool_use", JSON.stringify(turn1.content));
  assert.deepEqual([call.name, call.input], ["get_weather", { city: "Paris" }]);

  mock.script({ kind: "answer", text: "It is 18°C and sunny in Paris." });
  const second = {
    ...first,
    messages: [
      ...first.messages,
      { role: "assistant" as const, content: turn1.content },
      {
        role: "user" as const,
        content: [{ type: "tool_result" as const, tool_use_id: call.id, content: "18°C, sunny" }],
      },
    ],
  };
  const turn2 = await client.messages.create(second);
  assert.deepEqual(turn2.content, [{ type: "text", text: "It is 18°C and sunny in Paris." }]);
  // The mock refuses a tool_result whose tool_use it has not seen: this one paired.
  const sent = mock.requests[1];
  assertBackendKey(sent, p, "anthropic");
  assert.equal(sent?.text, JSON.stringify(second));
  const records = await p.records();
  assert.deepEqual(records.map((r) => [r.api, r.outcome]), [["anthropic", "ok"], [
    "anthropic",
    "ok",
  ]]);
});

Deno.test("Anthropic SDK → anthropic backend: a base64 image block goes up as sent", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC] });
  const body = {
    ...ask(""),
    messages: [{
      role: "user" as const,
      content: [
        {
          type: "image" as const,
          source: { type: "base64" as const, media_type: "image/png" as const, data: PNG },
        },
        { type: "text" as const, text: "What is this?" },
      ],
    }],
  };
  const msg = await sdk(p).messages.create(body);
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from a1: What is this?" }]);
  const sent = p.anthropic("a1").requests[0];
  assertBackendKey(sent, p, "anthropic");
  assert.deepEqual(sent?.body, body);
  assert.equal((await p.records())[0]?.api, "anthropic");
});

Deno.test("Anthropic SDK countTokens: an anthropic backend's own count; for an openai backend an estimate marked x-sidecar-estimate, sent nowhere", async () => {
  await using p = await startProxy({
    backends: [ANTHROPIC, { ...OPENAI, models: ["gpt-*"], model_map: {} }],
  });
  const client = sdk(p);
  const counted = await client.messages.countTokens({
    model: "claude-test",
    messages: [{ role: "user", content: "four words right here" }],
  });
  // The mock counts words plus 3 per message, which no estimate gives.
  assert.deepEqual(counted, { input_tokens: 7 });
  const sent = p.anthropic("a1").requests[0];
  assertBackendKey(sent, p, "anthropic");
  assert.equal(sent?.path, "/v1/messages/count_tokens");
  assert.equal(sent?.headers.get("anthropic-version"), "2026-10-21");

  const body = { model: "gpt-4o", messages: [{ role: "user" as const, content: "y".repeat(80) }] };
  const estimated = await client.messages.countTokens(body);
  assert.ok(estimated.input_tokens > 0);
  const raw = await fetch(`${p.origin}/v1/messages/count_tokens`, {
    method: "POST",
    headers: {
      "x-api-key": p.key,
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get("x-sidecar-estimate"), "true");
  assert.deepEqual(await raw.json(), estimated);
  assert.equal(p.mock("o1").requests.length, 0);
  assert.equal(p.anthropic("a1").requests.length, 1);
  const records = await p.records();
  assert.deepEqual(records.map((r) => r.api), ["anthropic", "anthropic", "anthropic"]);
});

Deno.test("Anthropic SDK: a 429 from every backend, anthropic and openai alike, is the SDK's RateLimitError with Anthropic's rate_limit_error body", async () => {
  await using p = await startProxy({ backends: [ANTHROPIC, OPENAI] });
  p.anthropic("a1").script({ kind: "error", status: 429, headers: { "retry-after": "30" } });
  p.mock("o1").script({ kind: "rate_limit", retryAfter: "60" });
  const err = await sdk(p).messages.create(ask("hi")).then(
    () => assert.fail("expected a RateLimitError"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RateLimitError, String(err));
  assert.equal(err.status, 429);
  const body = err.error as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "rate_limit_error");
  assert.deepEqual(Object.keys(body.error).sort(), ["message", "type"]);
  assert.equal(err.headers?.get("retry-after"), "30");
  assertBackendKey(p.anthropic("a1").requests[0], p, "anthropic");
  assertBackendKey(p.mock("o1").requests[0], p, "openai");
  const rec = await p.record(err.headers?.get("x-request-id"));
  assert.deepEqual([rec.api, rec.outcome, rec.status], ["anthropic", "rate_limited", 429]);
  assert.deepEqual(attemptsOf(rec).sort(), ["a1:rate_limited", "o1:rate_limited"]);
});

Deno.test("Anthropic SDK → openai backend: the message translated to chat completions with the backend's Bearer key, the answer back as a message", async () => {
  await using p = await startProxy({ backends: [OPENAI] });
  const msg = await sdk(p).messages.create({ ...ask("Say hi"), system: "Be brief." });
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from o1" }]);
  assert.equal(msg.stop_reason, "end_turn");
  // The model that answered, as a passthrough answer names it.
  assert.equal(msg.model, "gpt-4o-mini");
  assert.deepEqual([msg.usage.input_tokens, msg.usage.output_tokens], [10, 5]);
  const sent = p.mock("o1").requests[0];
  assertBackendKey(sent, p, "openai");
  assert.equal(sent?.path, "/v1/chat/completions");
  assert.equal(sent?.headers.get("anthropic-version"), null);
  assert.deepEqual(sent?.body, {
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hi" }],
    max_completion_tokens: 100,
  });
  const [rec] = await p.records();
  assert.deepEqual([rec?.api, rec?.backend_id, rec?.upstream_model], [
    "anthropic",
    "o1",
    "gpt-4o-mini",
  ]);
  assert.deepEqual([rec?.prompt_tokens, rec?.completion_tokens], [10, 5]);
});

Deno.test("Anthropic SDK → openai backend: messages.stream() over a translated chat stream, text events and the final message with the upstream's usage", async () => {
  await using p = await startProxy({ backends: [OPENAI] });
  p.mock("o1").script({ kind: "stream", chunks: ["Hello", " from ", "o1"] });
  const texts: string[] = [];
  const stream = sdk(p).messages.stream(ask("hi")).on("text", (t) => texts.push(t));
  const msg = await stream.finalMessage();
  assert.deepEqual(texts, ["Hello", " from ", "o1"]);
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from o1" }]);
  assert.equal(msg.stop_reason, "end_turn");
  assert.equal(msg.usage.output_tokens, 3);
  const sent = p.mock("o1").requests[0];
  assertBackendKey(sent, p, "openai");
  const body = sent?.body as Record<string, unknown>;
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  const [rec] = await p.records();
  assert.deepEqual([rec?.api, rec?.outcome, rec?.completion_tokens], ["anthropic", "ok", 3]);
});

Deno.test("Anthropic SDK → openai backend: tool use across two turns, tool_calls and tool messages translated both ways", async () => {
  await using p = await startProxy({ backends: [OPENAI] });
  const mock = p.mock("o1");
  const toolCall = {
    id: "call_abc123",
    type: "function",
    function: { name: "get_weather", arguments: '{"city":"Paris"}' },
  };
  mock.script({
    kind: "status",
    status: 200,
    body: {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_760_000_000,
      model: "gpt-4o-mini",
      choices: [{
        index: 0,
        message: { role: "assistant", content: null, tool_calls: [toolCall] },
        finish_reason: "tool_calls",
      }],
      usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
    },
  });
  const client = sdk(p);
  const first = {
    ...ask("Weather in Paris?"),
    tools: [WEATHER_TOOL],
    tool_choice: { type: "auto" as const },
  };
  const { data: turn1, response } = await client.messages.create(first).withResponse();
  assert.equal(turn1.stop_reason, "tool_use");
  assert.equal(turn1.content.length, 1);
  const call = turn1.content[0];
  assert.ok(call?.type === "tool_use", JSON.stringify(turn1.content));
  assert.deepEqual([call.name, call.input], ["get_weather", { city: "Paris" }]);
  const up1 = mock.requests[0]?.body as Record<string, unknown>;
  assert.deepEqual(up1.tools, [{
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather in a city",
      parameters: WEATHER_TOOL.input_schema,
    },
  }]);
  assert.equal(up1.tool_choice, "auto");

  const turn2 = await client.messages.create({
    ...first,
    messages: [
      ...first.messages,
      { role: "assistant", content: turn1.content },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: call.id, content: "18°C, sunny" }],
      },
    ],
  });
  assert.deepEqual(turn2.content, [{ type: "text", text: "Hello from o1" }]);
  const up2 = mock.requests[1];
  assertBackendKey(up2, p, "openai");
  // The id the client was given leads back to the upstream's own call.
  assert.deepEqual((up2?.body as Record<string, unknown>).messages, [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: null, tool_calls: [toolCall] },
    { role: "tool", tool_call_id: "call_abc123", content: "18°C, sunny" },
  ]);
  const records = await p.records();
  assert.deepEqual(records.map((r) => [r.api, r.backend_id]), [["anthropic", "o1"], [
    "anthropic",
    "o1",
  ]]);
  const rec1 = await p.record(response.headers.get("x-request-id"));
  assert.deepEqual([rec1.prompt_tokens, rec1.completion_tokens], [20, 8]);
});

Deno.test("Anthropic SDK → openai backend: a base64 image block becomes an image_url part with a data: URL", async () => {
  await using p = await startProxy({ backends: [OPENAI] });
  const msg = await sdk(p).messages.create({
    ...ask(""),
    messages: [{
      role: "user",
      content: [
        { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
        { type: "text", text: "What is this?" },
      ],
    }],
  });
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from o1" }]);
  const sent = p.mock("o1").requests[0];
  assertBackendKey(sent, p, "openai");
  assert.deepEqual((sent?.body as Record<string, unknown>).messages, [{
    role: "user",
    content: [
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
      { type: "text", text: "What is this?" },
    ],
  }]);
});

Deno.test("Anthropic SDK → openai backend: a system message among the messages (SystemMessageParam, as Claude Code 2.1.328 sends a turn's reminder) becomes a chat system message in its place", async () => {
  await using p = await startProxy({ backends: [OPENAI] });
  const msg = await sdk(p).messages.create({
    ...ask("Say hi"),
    messages: [
      { role: "user", content: "Say hi" },
      { role: "system", content: [{ type: "text", text: "Answer in French." }] },
    ],
  });
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from o1" }]);
  const sent = p.mock("o1").requests[0];
  assertBackendKey(sent, p, "openai");
  assert.deepEqual((sent?.body as Record<string, unknown>).messages, [
    { role: "user", content: "Say hi" },
    { role: "system", content: "Answer in French." },
  ]);
});

/**
 * @module mock_anthropic_test
 * The mock Messages API seen by Anthropic's own TypeScript SDK (pinned,
 * test-only) and by a plain `fetch`: if the SDK reads its answers, streams
 * and errors as it reads the real API's, tests built on the mock say
 * something about the real API.
 */
import assert from "node:assert/strict";
import Anthropic, {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OverloadedError,
  RateLimitError,
} from "npm:@anthropic-ai/sdk@1.10.0";
import { inputTokensOf } from "./mock_anthropic_bodies.ts";
import { type MockAnthropic, startMockAnthropic } from "./mock_anthropic.ts";

async function withMock(
  fn: (mock: MockAnthropic, client: Anthropic) => Promise<void>,
  opts: Parameters<typeof startMockAnthropic>[0] = {},
): Promise<void> {
  const mock = await startMockAnthropic({ name: "a1", ...opts });
  const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: mock.url, maxRetries: 0 });
  try {
    await fn(mock, client);
  } finally {
    await mock.close();
  }
}

const ask = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "claude-test",
  max_tokens: 100,
  messages: [{ role: "user" as const, content: text }],
  ...extra,
});

/** A POST as a careless client would send it, headers and body as given. */
function post(mock: MockAnthropic, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${mock.url}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "sk-ant-test",
      "anthropic-version": "2023-06-01",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The events of an SSE body as the API frames them: `event:` line, `data:` line, blank line. */
function framedEvents(text: string): { event: string; data: string }[] {
  return text.split("\n\n").filter(Boolean).map((block) => {
    const match = /^event: (\w+)\ndata: (.*)$/.exec(block);
    assert.ok(match, `not an event: ${JSON.stringify(block)}`);
    return { event: match[1]!, data: match[2]! };
  });
}

Deno.test("MockAnthropic answers messages.create with a message that echoes the last user text", async () => {
  await withMock(async (mock, client) => {
    const msg = await client.messages.create(ask("Say hi"));
    assert.match(msg.id, /^msg_01/);
    assert.equal(msg.type, "message");
    assert.equal(msg.role, "assistant");
    assert.equal(msg.model, "claude-test");
    assert.deepEqual(msg.content, [{ type: "text", text: "Hello from a1: Say hi" }]);
    assert.equal(msg.stop_reason, "end_turn");
    assert.equal(msg.stop_sequence, null);
    assert.equal(msg.usage.input_tokens, inputTokensOf(ask("Say hi")));
    assert.equal(msg.usage.output_tokens, 5);
    assert.equal(msg.usage.cache_read_input_tokens, 0);
    assert.match(msg._request_id ?? "", /^req_011C/);
    const [req] = mock.requests;
    assert.equal(req?.path, "/v1/messages");
    assert.equal(req?.headers.get("authorization"), "Bearer sk-ant-test");
    assert.equal(req?.headers.get("anthropic-version"), "2026-10-21");
    assert.deepEqual(req?.body, ask("Say hi"));
  });
});

Deno.test("MockAnthropic streams text in several deltas that messages.stream() assembles, cache usage included", async () => {
  await withMock(async (mock, client) => {
    const usage = { cache_read_input_tokens: 7, cache_creation_input_tokens: 3 };
    mock.script({ kind: "answer", text: "one two three four", usage });
    const texts: string[] = [];
    const stream = client.messages.stream(ask("Count")).on("text", (t) => texts.push(t));
    const msg = await stream.finalMessage();
    assert.deepEqual(texts, ["one", " two", " three", " four"]);
    assert.deepEqual(msg.content, [{ type: "text", text: "one two three four" }]);
    assert.equal(msg.stop_reason, "end_turn");
    assert.equal(msg.usage.output_tokens, 4);
    assert.equal(msg.usage.cache_read_input_tokens, 7);
    assert.equal(msg.usage.cache_creation_input_tokens, 3);
  });
});

Deno.test("MockAnthropic frames a stream as the API does, event by event", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "answer", text: "Hi there" });
    const res = await post(mock, ask("x", { stream: true }));
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const events = framedEvents(await res.text());
    assert.deepEqual(events.map((e) => e.event), [
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    assert.equal(events[2]?.data, '{"type": "ping"}');
    const data = events.map((e) => JSON.parse(e.data));
    data.forEach((d, i) => assert.equal(d.type, events[i]?.event));
    assert.equal(data[0].message.stop_reason, null);
    assert.deepEqual(data[1].content_block, { type: "text", text: "" });
    assert.deepEqual(data[4].delta, { type: "text_delta", text: " there" });
    assert.deepEqual(data[6].delta, {
      stop_reason: "end_turn",
      stop_sequence: null,
      stop_details: null,
    });
    assert.equal(data[6].usage.output_tokens, 2);
  });
});

Deno.test("MockAnthropic answers tool_use whole and streamed as input_json_delta pieces", async () => {
  await withMock(async (mock, client) => {
    const toolUses = [{ name: "get_weather", input: { city: "Paris", days: 3 } }];
    mock.script({ kind: "answer", text: "Let me check.", toolUses }, { kind: "answer", toolUses });
    const tools = [{ name: "get_weather", input_schema: { type: "object" as const } }];
    const whole = await client.messages.create(ask("Weather?", { tools }));
    assert.equal(whole.stop_reason, "tool_use");
    assert.equal(whole.content[0]?.type, "text");
    const call = whole.content[1];
    assert.ok(call?.type === "tool_use");
    assert.match(call.id, /^toolu_01/);
    assert.deepEqual([call.name, call.input], ["get_weather", { city: "Paris", days: 3 }]);
    const partials: string[] = [];
    const stream = client.messages.stream(ask("Weather?", { tools }))
      .on("inputJson", (p) => partials.push(p));
    const streamed = await stream.finalMessage();
    assert.ok(partials.length > 2, `input in ${partials.length} pieces`);
    assert.equal(streamed.stop_reason, "tool_use");
    const block = streamed.content[0];
    assert.ok(block?.type === "tool_use");
    assert.deepEqual(block.input, { city: "Paris", days: 3 });
  });
});

Deno.test("MockAnthropic counts tokens for messages.countTokens", async () => {
  await withMock(async (_mock, client) => {
    const body = { model: "claude-test", messages: [{ role: "user" as const, content: "a b c" }] };
    const counted = await client.messages.countTokens(body);
    assert.deepEqual(counted, { input_tokens: inputTokensOf(body) });
    assert.equal(counted.input_tokens, 6);
  });
});

Deno.test("MockAnthropic errors reach the SDK as its typed errors", async () => {
  await withMock(async (mock, client) => {
    // The reset first, on a fresh connection: on a reused one fetch would send the request again.
    mock.script(
      { kind: "reset" },
      { kind: "error", status: 429, headers: { "retry-after": "7" } },
      { kind: "error", status: 529 },
      { kind: "prompt_too_long" },
      { kind: "html", status: 502 },
    );
    const reset = await client.messages.create(ask("x")).catch((e) => e);
    assert.ok(reset instanceof APIConnectionError);
    const limited = await client.messages.create(ask("x")).catch((e) => e);
    assert.ok(limited instanceof RateLimitError);
    assert.equal(limited.status, 429);
    assert.equal(limited.type, "rate_limit_error");
    assert.equal(limited.headers?.get("retry-after"), "7");
    const overloaded = await client.messages.create(ask("x")).catch((e) => e);
    assert.ok(overloaded instanceof OverloadedError);
    assert.deepEqual([overloaded.type, overloaded.apiMessage], ["overloaded_error", "Overloaded"]);
    const tooLong = await client.messages.create(ask("x")).catch((e) => e);
    assert.ok(tooLong instanceof BadRequestError);
    assert.match(tooLong.apiMessage ?? "", /^prompt is too long: \d+ tokens > 200000 maximum$/);
    const proxy = await client.messages.create(ask("x")).catch((e) => e);
    assert.ok(proxy instanceof InternalServerError);
    assert.equal(proxy.status, 502);
  });
});

Deno.test("MockAnthropic refuses a key other than apiKey with 401 authentication_error", async () => {
  await withMock(async (_mock, client) => {
    const error = await client.messages.create(ask("x")).catch((e) => e);
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.apiMessage, "invalid x-api-key");
  }, { apiKey: "sk-ant-other" });
});

const toolTurn = [
  { role: "user", content: "Weather?" },
  { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "w", input: {} }] },
];

Deno.test("MockAnthropic refuses what the API refuses, with its status, type and message", async () => {
  const cases: [string, unknown, Record<string, string>, number, string][] = [
    ["no key", ask("x"), { "x-api-key": "" }, 401, "x-api-key header is required"],
    [
      "no version",
      ask("x"),
      { "anthropic-version": "" },
      400,
      "anthropic-version: header is required",
    ],
    [
      "unknown version",
      ask("x"),
      { "anthropic-version": "2024-01-01" },
      400,
      'anthropic-version: "2024-01-01" is not a valid version',
    ],
    [
      "no max_tokens",
      { ...ask("x"), max_tokens: undefined },
      {},
      400,
      "max_tokens: Field required",
    ],
    ["not JSON", "{", {}, 400, "The request body is not valid JSON"],
    [
      "no messages",
      { model: "m", max_tokens: 5, messages: [] },
      {},
      400,
      "messages: at least one message is required",
    ],
    ["OpenAI field", ask("x", { n: 1 }), {}, 400, "n: Extra inputs are not permitted"],
    [
      "temperature on 2026-10-21",
      ask("x", { temperature: 1 }),
      { "anthropic-version": "2026-10-21" },
      400,
      "temperature: Extra inputs are not permitted",
    ],
    [
      "system role",
      ask("x", { messages: [{ role: "system", content: "s" }] }),
      {},
      400,
      "messages.0.role",
    ],
    [
      "OpenAI image block",
      ask("x", { messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] }),
      {},
      400,
      "messages.0.content.0: Input tag 'image_url' found using 'type'",
    ],
    [
      "tool_use without tool_result",
      ask("x", { messages: [...toolTurn, { role: "user", content: "and?" }] }),
      {},
      400,
      "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1",
    ],
    [
      "tool_result without tool_use",
      ask("x", {
        messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9" }] }],
      }),
      {},
      400,
      "messages.0.content: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9",
    ],
    [
      "prefill ending in a space",
      ask("x", {
        messages: [{ role: "user", content: "x" }, { role: "assistant", content: "So " }],
      }),
      {},
      400,
      "messages: final assistant content cannot end with trailing whitespace",
    ],
    [
      "tool without schema",
      ask("x", { tools: [{ name: "w" }] }),
      {},
      400,
      "tools.0.custom.input_schema: Field required",
    ],
  ];
  await withMock(async (mock) => {
    mock.script({ kind: "error", status: 529 });
    for (const [name, body, headers, status, message] of cases) {
      const res = await post(mock, body, headers);
      const json = await res.json();
      assert.equal(res.status, status, name);
      assert.equal(json.type, "error", name);
      assert.equal(
        json.error.type,
        status === 401 ? "authentication_error" : "invalid_request_error",
      );
      assert.ok(json.error.message.startsWith(message), `${name}: ${json.error.message}`);
      assert.match(json.request_id, /^req_011C/);
    }
    assert.equal(mock.requests.length, cases.length);
    // Refused requests leave the queue alone: the next valid request gets the 529.
    assert.equal((await post(mock, ask("x", { temperature: 1 }))).status, 529);
  });
});

Deno.test("MockAnthropic continues a prefill: the answer is what follows the final assistant text", async () => {
  await withMock(async (mock, client) => {
    mock.setDefault({ kind: "answer", text: "one two three four" });
    const messages = [
      { role: "user" as const, content: "Count" },
      { role: "assistant" as const, content: "one two" },
    ];
    const msg = await client.messages.create({ ...ask("Count"), messages });
    assert.deepEqual(msg.content, [{ type: "text", text: " three four" }]);
    const texts: string[] = [];
    const streamed = await client.messages.stream({ ...ask("Count"), messages })
      .on("text", (t) => texts.push(t)).finalMessage();
    assert.deepEqual(texts, [" three", " four"]);
    assert.equal(streamed.stop_reason, "end_turn");
  });
});

Deno.test("MockAnthropic stops at a stop sequence and at max_tokens as the API does", async () => {
  await withMock(async (mock, client) => {
    mock.setDefault({ kind: "answer", text: "one two three four" });
    const stopped = await client.messages.create(ask("x", { stop_sequences: ["three"] }));
    assert.deepEqual(stopped.content, [{ type: "text", text: "one two " }]);
    assert.deepEqual([stopped.stop_reason, stopped.stop_sequence], ["stop_sequence", "three"]);
    const cut = await client.messages.create(ask("x", { max_tokens: 2 }));
    assert.deepEqual(cut.content, [{ type: "text", text: "one two" }]);
    assert.equal(cut.stop_reason, "max_tokens");
  });
});

Deno.test("MockAnthropic streams that break: an in-band error, a dropped connection, a truncated event", async () => {
  await withMock(async (mock, client) => {
    const text = "one two three four";
    mock.script(
      { kind: "answer", text, errorAfter: 2 },
      { kind: "answer", text, cutAfter: 2 },
      { kind: "answer", text, truncateAfter: 2 },
    );
    const texts: string[] = [];
    const inBand = await client.messages.stream(ask("x")).on("text", (t) => texts.push(t))
      .finalMessage().catch((e) => e);
    assert.ok(inBand instanceof APIError);
    assert.equal(inBand.type, "overloaded_error");
    assert.deepEqual(texts, ["one", " two"]);
    const cut = await post(mock, ask("x", { stream: true }));
    const read = await cut.text().catch((e) => e);
    assert.ok(read instanceof Error, "the body breaks off");
    const truncated = await post(mock, ask("x", { stream: true }));
    const body = await truncated.text();
    assert.ok(!body.endsWith("\n\n"), "the last event has no end");
    assert.ok(body.includes("event: content_block_delta") && !body.includes("message_stop"));
  });
});

Deno.test("MockAnthropic takes a function script that picks by request, and answers reject_prefill", async () => {
  await withMock(async (mock, client) => {
    mock.setDefault((req) =>
      (req.body as { model: string }).model === "busy"
        ? { kind: "error", status: 529 }
        : { kind: "reject_prefill" }
    );
    const busy = await client.messages.create({ ...ask("x"), model: "busy" }).catch((e) => e);
    assert.ok(busy instanceof OverloadedError);
    const messages = [
      { role: "user" as const, content: "x" },
      { role: "assistant" as const, content: "So" },
    ];
    const refused = await client.messages.create({ ...ask("x"), messages }).catch((e) => e);
    assert.ok(refused instanceof BadRequestError);
    assert.match(refused.apiMessage ?? "", /does not support assistant message prefill/);
    assert.equal((await client.messages.create(ask("x"))).stop_reason, "end_turn");
  });
});

Deno.test("MockAnthropic stallAfter keeps a stream open after N deltas until the client leaves", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "answer", text: "one two three", stallAfter: 1, delayMs: 1 });
    const res = await post(mock, ask("x", { stream: true }));
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes('"text":"one"')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    assert.ok(!text.includes(" two"), "nothing after the stall");
    await reader.cancel();
    await mock.requests[0]?.closed;
  });
});

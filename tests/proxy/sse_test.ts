/**
 * @module sse_test
 * The SSE splitter must give the same events however the bytes are chunked,
 * and the classifier must read every upstream dialect the proxy meets.
 */
import assert from "node:assert/strict";
import type { ChunkInfo } from "../../src/api_formats/chunk_info.ts";
import { classifyEvent } from "../../src/api_formats/openai/openai_events.ts";
import { DONE_EVENT } from "../../src/api_formats/openai/openai_format.ts";
import { extractUsage } from "../../src/api_formats/openai/openai_usage.ts";
import { encodeSseData, encodeSseEvent, type SseEvent, SseSplitter } from "../../src/proxy/sse.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Seen {
  data: string;
  event?: string;
  raw: string;
}

function seen(events: SseEvent[]): Seen[] {
  return events.map((ev) => {
    const out: Seen = { data: ev.data, raw: dec.decode(ev.raw) };
    if (ev.event !== undefined) out.event = ev.event;
    return out;
  });
}

/** Splits `bytes` into pieces at `cuts` and runs them through one splitter, flushing. */
function split(bytes: Uint8Array, cuts: number[]): Seen[] {
  const splitter = new SseSplitter();
  const events: SseEvent[] = [];
  let last = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...splitter.push(bytes.subarray(last, cut)));
    last = cut;
  }
  events.push(...splitter.flush());
  return seen(events);
}

const everyByte = (n: number) => Array.from({ length: n }, (_, i) => i);

const splitCases: { name: string; input: string; want: Seen[] }[] = [
  {
    name: "LF events",
    input: 'data: {"a":1}\n\ndata: [DONE]\n\n',
    want: [
      { data: '{"a":1}', raw: 'data: {"a":1}\n\n' },
      { data: "[DONE]", raw: "data: [DONE]\n\n" },
    ],
  },
  {
    name: "CRLF events are normalised to LF",
    input: "data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
    want: [{ data: "a\nb", raw: "data: a\ndata: b\n\n" }, { data: "c", raw: "data: c\n\n" }],
  },
  {
    name: "CR-only events",
    input: "data: a\r\rdata: b\r\r",
    want: [{ data: "a", raw: "data: a\n\n" }, { data: "b", raw: "data: b\n\n" }],
  },
  {
    name: "mixed terminators",
    input: "data: a\r\n\ndata: b\n\r\ndata: c\r\r\ndata: d\n\r",
    want: ["a", "b", "c", "d"].map((d) => ({ data: d, raw: `data: ${d}\n\n` })),
  },
  {
    name: "event field and comment keep-alive",
    input: ": keep-alive\n\nevent: response.created\ndata: {}\n\n",
    want: [
      { data: "", raw: ": keep-alive\n\n" },
      { data: "{}", event: "response.created", raw: "event: response.created\ndata: {}\n\n" },
    ],
  },
  {
    name: "one optional space after the colon",
    input: "data:x\n\ndata:  y\n\n",
    want: [{ data: "x", raw: "data:x\n\n" }, { data: " y", raw: "data:  y\n\n" }],
  },
  {
    name: "multi-byte UTF-8",
    input: 'data: {"c":"héllo 🌍 日本"}\n\n',
    want: [{ data: '{"c":"héllo 🌍 日本"}', raw: 'data: {"c":"héllo 🌍 日本"}\n\n' }],
  },
  {
    name: "extra blank lines between events are noise",
    input: "\n\r\n\ndata: a\n\n\n\n\r\rdata: b\n\n",
    want: [{ data: "a", raw: "data: a\n\n" }, { data: "b", raw: "data: b\n\n" }],
  },
  {
    name: "leading BOM is dropped",
    input: "\uFEFFdata: a\n\n",
    want: [{ data: "a", raw: "data: a\n\n" }],
  },
  {
    name: "id and retry stay in raw only",
    input: "id: 7\nretry: 100\ndata: a\n\n",
    want: [{ data: "a", raw: "id: 7\nretry: 100\ndata: a\n\n" }],
  },
  {
    name: "final event without blank line is flushed",
    input: "data: a\n\ndata: [DONE]",
    want: [{ data: "a", raw: "data: a\n\n" }, { data: "[DONE]", raw: "data: [DONE]\n\n" }],
  },
  {
    name: "final event with one newline is flushed",
    input: "data: a\r\n",
    want: [{ data: "a", raw: "data: a\n\n" }],
  },
];

for (const { name, input, want } of splitCases) {
  const bytes = enc.encode(input);
  Deno.test(`SseSplitter splits ${name} in one chunk`, () => {
    assert.deepEqual(split(bytes, []), want);
  });
  Deno.test(`SseSplitter splits ${name} byte by byte`, () => {
    assert.deepEqual(split(bytes, everyByte(bytes.length)), want);
  });
  Deno.test(`SseSplitter splits ${name} at every single cut`, () => {
    for (let cut = 0; cut <= bytes.length; cut++) assert.deepEqual(split(bytes, [cut]), want);
  });
}

Deno.test("SseSplitter.push() returns events as soon as their blank line arrives", () => {
  const splitter = new SseSplitter();
  assert.deepEqual(splitter.push(enc.encode("data: a\n")), []);
  assert.equal(splitter.bufferedBytes, 8);
  assert.deepEqual(seen(splitter.push(enc.encode("\ndata: b"))), [
    { data: "a", raw: "data: a\n\n" },
  ]);
  assert.equal(splitter.bufferedBytes, 7);
  assert.deepEqual(seen(splitter.push(enc.encode("\n\n"))), [{ data: "b", raw: "data: b\n\n" }]);
  assert.equal(splitter.bufferedBytes, 0);
  assert.deepEqual(splitter.flush(), []);
});

Deno.test("SseSplitter.push() does not carry a CRLF's LF into the next event", () => {
  const splitter = new SseSplitter();
  assert.deepEqual(seen(splitter.push(enc.encode("data: a\r\n\r"))), [
    { data: "a", raw: "data: a\n\n" },
  ]);
  assert.deepEqual(seen(splitter.push(enc.encode("\ndata: b\r\n\r\n"))), [
    { data: "b", raw: "data: b\n\n" },
  ]);
  assert.equal(splitter.bufferedBytes, 0);
});

Deno.test("SseSplitter handles an event much larger than its buffer", () => {
  const big = "x".repeat(200_000);
  const bytes = enc.encode(`data: a\n\ndata: ${big}\n\ndata: b\n\n`);
  const cuts = everyByte(Math.ceil(bytes.length / 997)).map((i) => i * 997);
  assert.deepEqual(split(bytes, cuts).map((e) => e.data), ["a", big, "b"]);
});

Deno.test("SseSplitter.flush() resets it for a new stream", () => {
  const splitter = new SseSplitter();
  splitter.push(enc.encode("data: cut"));
  assert.deepEqual(seen(splitter.flush()), [{ data: "cut", raw: "data: cut\n\n" }]);
  assert.equal(splitter.bufferedBytes, 0);
  assert.deepEqual(seen(splitter.push(enc.encode("\uFEFFdata: x\n\n"))), [
    { data: "x", raw: "data: x\n\n" },
  ]);
});

Deno.test("encodeSseData() and DONE_EVENT round-trip through the splitter", () => {
  const payload = { text: "line1\nline2", n: 1 };
  const [ev, done] = new SseSplitter().push(
    new Uint8Array([...encodeSseData(payload), ...DONE_EVENT]),
  );
  assert.deepEqual(ev && JSON.parse(ev.data), payload);
  assert.equal(dec.decode(ev?.raw), `data: ${JSON.stringify(payload)}\n\n`);
  assert.equal(done?.data, "[DONE]");
});

function ev(data: string): SseEvent {
  return { raw: enc.encode(`data: ${data}\n\n`), data };
}

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ object: "chat.completion.chunk", choices, ...extra });
const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };

const classifyCases: { name: string; data: string; want: ChunkInfo | ChunkInfo["kind"] }[] = [
  { name: "[DONE]", data: "[DONE]", want: { kind: "done" } },
  { name: "a comment (no data)", data: "", want: { kind: "comment" } },
  { name: "invalid JSON", data: '{"choices":[', want: { kind: "malformed" } },
  { name: "a JSON array", data: "[1,2]", want: { kind: "malformed" } },
  { name: "a JSON number", data: "42", want: { kind: "malformed" } },
  {
    name: "an error object",
    data: '{"error":{"message":"boom","type":"server_error","code":"overloaded"}}',
    want: { kind: "error", error: { message: "boom", type: "server_error", code: "overloaded" } },
  },
  {
    name: "an error with a numeric code",
    data: '{"error":{"message":"slow down","code":429,"status":"RESOURCE_EXHAUSTED"}}',
    want: { kind: "error", error: { message: "slow down", code: "429" } },
  },
  {
    name: "an error string",
    data: '{"error":"boom"}',
    want: { kind: "error", error: { message: "boom" } },
  },
  {
    name: "a Responses API error event",
    data: '{"type":"error","code":"ERR_X","message":"bad","sequence_number":2}',
    want: { kind: "error", error: { message: "bad", code: "ERR_X" } },
  },
];

for (const { name, data, want } of classifyCases) {
  Deno.test(`classifyEvent() reads ${name}`, () => {
    assert.deepEqual(classifyEvent(ev(data)), want);
  });
}

const dataCases: {
  name: string;
  json: Record<string, unknown>;
  finished: boolean;
  usage?: typeof usage;
  usageOnly?: boolean;
}[] = [
  {
    name: "a role chunk",
    json: JSON.parse(chunk([{ index: 0, delta: { role: "assistant" }, finish_reason: null }])),
    finished: false,
  },
  {
    name: "a content chunk with usage: null",
    json: JSON.parse(chunk([{ index: 0, delta: { content: "hi" } }], { usage: null })),
    finished: false,
  },
  {
    name: "a chunk with finish_reason",
    json: JSON.parse(chunk([{ index: 0, delta: {}, finish_reason: "stop" }])),
    finished: true,
  },
  {
    name: "finish_reason on the second choice",
    json: JSON.parse(
      chunk([{ index: 0, finish_reason: null }, { index: 1, finish_reason: "length" }]),
    ),
    finished: true,
  },
  {
    name: "an empty-string finish_reason (not finished)",
    json: JSON.parse(chunk([{ index: 0, delta: { content: "x" }, finish_reason: "" }])),
    finished: false,
  },
  {
    name: "a chat usage-only chunk",
    json: JSON.parse(chunk([], { usage })),
    finished: false,
    usage,
    usageOnly: true,
  },
  {
    name: "a finish chunk that carries usage",
    json: JSON.parse(chunk([{ index: 0, finish_reason: "stop" }], { usage })),
    finished: true,
    usage,
  },
  {
    name: "a legacy completions chunk",
    json: { object: "text_completion", choices: [{ text: "x", index: 0, finish_reason: "stop" }] },
    finished: true,
  },
  {
    name: "a Responses API delta",
    json: { type: "response.output_text.delta", delta: "hi", output_index: 0 },
    finished: false,
  },
  ...["response.completed", "response.incomplete"].map((type) => ({
    name: `a Responses API ${type}`,
    json: {
      type,
      response: { status: "x", usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } },
    },
    finished: true,
    usage,
  })),
  {
    name: "a Responses API response.failed",
    json: { type: "response.failed", response: { status: "failed", error: { code: "x" } } },
    finished: true,
  },
];

for (const { name, json, finished, usage, usageOnly } of dataCases) {
  Deno.test(`classifyEvent() reads ${name}`, () => {
    const want: ChunkInfo = { kind: "data", json, finished, usageOnly: usageOnly ?? false };
    if (usage) want.usage = usage;
    assert.deepEqual(classifyEvent(ev(JSON.stringify(json))), want);
  });
}

const usageCases: { name: string; body: unknown; want: typeof usage | undefined }[] = [
  {
    name: "chat completion",
    body: {
      object: "chat.completion",
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    },
    want: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  },
  {
    name: "embeddings (no completion tokens)",
    body: { object: "list", usage: { prompt_tokens: 8, total_tokens: 8 } },
    want: { prompt_tokens: 8, completion_tokens: 0, total_tokens: 8 },
  },
  {
    name: "Responses API body",
    body: { object: "response", usage: { input_tokens: 9, output_tokens: 1, total_tokens: 10 } },
    want: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
  },
  {
    name: "Responses API event without total",
    body: {
      type: "response.completed",
      response: { usage: { input_tokens: 2, output_tokens: 3 } },
    },
    want: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
  },
  {
    name: "total only",
    body: { usage: { total_tokens: 4 } },
    want: { prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 },
  },
  { name: "usage: null", body: { usage: null }, want: undefined },
  { name: "non-numeric usage", body: { usage: { prompt_tokens: "5" } }, want: undefined },
  { name: "no usage", body: { choices: [] }, want: undefined },
  { name: "not an object", body: "usage", want: undefined },
];

for (const { name, body, want } of usageCases) {
  Deno.test(`extractUsage() reads ${name}`, () => {
    assert.deepEqual(extractUsage(body), want);
  });
}

Deno.test("encodeSseEvent() writes a named event the splitter reads back; a line break in the name cannot start a field", () => {
  const bytes = encodeSseEvent("message_delta", { type: "message_delta", text: "a\nb" });
  assert.equal(
    dec.decode(bytes),
    'event: message_delta\ndata: {"type":"message_delta","text":"a\\nb"}\n\n',
  );
  const [ev] = new SseSplitter().push(bytes);
  assert.deepEqual([ev?.event, JSON.parse(ev?.data ?? "")], ["message_delta", {
    type: "message_delta",
    text: "a\nb",
  }]);
  assert.equal(dec.decode(encodeSseEvent("bad\r\ndata: x", {})), "event: baddata: x\ndata: {}\n\n");
});

/**
 * @module translate_streams_test
 * The stream translators, event by event, on recorded streams of both APIs
 * (tests/fixtures/streams): what each upstream event becomes, how the stream
 * ends (complete, cut, error), a few shapes other servers send, and the
 * round trip of a stream through the other family.
 */
import assert from "node:assert/strict";
import type { StreamEvent } from "../../src/api_formats/translate/anthropic_shapes.ts";
import { ChatStreamToMessages } from "../../src/api_formats/translate/chat_stream_to_messages.ts";
import type { Json } from "../../src/api_formats/translate/json.ts";
import {
  type ChatStreamData,
  MessagesStreamToChat,
} from "../../src/api_formats/translate/messages_stream_to_chat.ts";
import anthropicCut from "../fixtures/streams/anthropic_cut.json" with { type: "json" };
import anthropicError from "../fixtures/streams/anthropic_error.json" with { type: "json" };
import anthropicText from "../fixtures/streams/anthropic_text.json" with { type: "json" };
import anthropicThinking from "../fixtures/streams/anthropic_thinking.json" with { type: "json" };
import anthropicToolUse from "../fixtures/streams/anthropic_tool_use.json" with { type: "json" };
import openaiCut from "../fixtures/streams/openai_cut.json" with { type: "json" };
import openaiError from "../fixtures/streams/openai_error.json" with { type: "json" };
import openaiParallelTools from "../fixtures/streams/openai_parallel_tools.json" with {
  type: "json",
};
import openaiText from "../fixtures/streams/openai_text.json" with { type: "json" };

const CHAT_ID = { id: "chatcmpl-1", created: 1_700_000_000, model: "claude-sonnet-4-5" };
const MSG_ID = { id: "msg_1", model: "gpt-4o" };

/** What each pushed event became, in order, then what end() gave. */
interface Run<T> {
  perEvent: T[][];
  end: T[];
}

/** Pushes every recorded Anthropic event, then ends the stream. */
function runAnthropic(t: MessagesStreamToChat, events: StreamEvent[]): Run<ChatStreamData> {
  return { perEvent: events.map((ev) => t.push(ev)), end: t.end() };
}

/** A recorded chat stream's chunks, without its `[DONE]`. */
function chunksOf(recording: (Json | string)[]): Json[] {
  return recording.filter((c): c is Json => typeof c !== "string");
}

/** Pushes every recorded chat chunk; `[DONE]` (or the end of the recording) ends the stream. */
function runChat(t: ChatStreamToMessages, recording: (Json | string)[]): Run<StreamEvent> {
  return { perEvent: chunksOf(recording).map((c) => t.push(c)), end: t.end() };
}

// ---- Anthropic → chat ---------------------------------------------------------------------------

function chunk(delta: Json, finish: string | null = null): Json {
  return {
    ...CHAT_ID,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

function usageChunk(prompt: number, completion: number, cached: number): Json {
  return {
    ...CHAT_ID,
    object: "chat.completion.chunk",
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached },
    },
  };
}

const OPENING = chunk({ role: "assistant", content: "" });

Deno.test("MessagesStreamToChat: a recorded text stream, event by event", () => {
  const t = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: true });
  assert.deepEqual(runAnthropic(t, anthropicText.events), {
    perEvent: [
      [OPENING], // message_start
      [], // content_block_start
      [], // ping
      [chunk({ content: "Hello" })],
      [chunk({ content: "! How can I" })],
      [chunk({ content: " help you today?" })],
      [], // content_block_stop
      [chunk({}, "stop")], // message_delta
      [usageChunk(12, 12, 0)], // message_stop
    ],
    end: [],
  });
  assert.equal(t.outcome, "complete");
});

Deno.test("MessagesStreamToChat: a recorded tool-use stream, input_json_delta as arguments", () => {
  const t = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: true });
  const call = { index: 0, id: "toolu_01KFbKqPYSuAKujiL6mTfzYA", type: "function" };
  assert.deepEqual(runAnthropic(t, anthropicToolUse.events), {
    perEvent: [
      [OPENING],
      [],
      [chunk({ content: "I'll check the weather." })],
      [],
      [chunk({ tool_calls: [{ ...call, function: { name: "get_weather", arguments: "" } }] })],
      [], // the empty first fragment
      [], // ping
      [chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location": "San Fra' } }] })],
      [chunk({ tool_calls: [{ index: 0, function: { arguments: 'ncisco, CA"}' } }] })],
      [],
      [chunk({}, "tool_calls")],
      // 49 uncached + 800 read from the cache: OpenAI's prompt_tokens counts both.
      [usageChunk(849, 47, 800)],
    ],
    end: [],
  });
  assert.equal(t.outcome, "complete");
});

Deno.test("MessagesStreamToChat: a recorded thinking stream, thinking as reasoning_content", () => {
  const t = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: false });
  assert.deepEqual(runAnthropic(t, anthropicThinking.events), {
    perEvent: [
      [OPENING],
      [],
      [chunk({ reasoning_content: "The user wants 27 * 453." })],
      [chunk({ reasoning_content: " That is 12231." })],
      [], // signature_delta
      [],
      [],
      [chunk({ content: "27 * 453 = 12,231" })],
      [],
      [chunk({}, "stop")],
      [], // message_stop: no usage chunk when the client did not ask
    ],
    end: [],
  });
  assert.equal(t.outcome, "complete");
});

Deno.test("MessagesStreamToChat: an in-band error event becomes an error chunk", () => {
  const t = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: true });
  assert.deepEqual(runAnthropic(t, anthropicError.events), {
    perEvent: [[OPENING], [], [chunk({ content: "Once upon" })], [{
      error: { message: "Overloaded", type: "server_error", param: null, code: "overloaded" },
    }]],
    end: [],
  });
  assert.equal(t.outcome, "error");
  assert.deepEqual(t.push({ event: "message_stop", data: { type: "message_stop" } }), []);
});

Deno.test("MessagesStreamToChat: a stream cut before message_delta ends with nothing, reported cut", () => {
  const t = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: true });
  const run = runAnthropic(t, anthropicCut.events);
  assert.deepEqual(run.end, []);
  assert.equal(t.outcome, "cut");
});

Deno.test("MessagesStreamToChat: a stream ending after message_delta without message_stop is complete", () => {
  const t = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: true });
  for (const e of anthropicText.events.slice(0, -1)) t.push(e);
  assert.equal(t.outcome, "streaming");
  assert.deepEqual(t.end(), [usageChunk(12, 12, 0)]);
  assert.equal(t.outcome, "complete");
});

Deno.test("MessagesStreamToChat: unknown events and block types are skipped", () => {
  const t = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: false });
  assert.deepEqual(t.push({ event: "future_event", data: { type: "future_event" } }), []);
  assert.deepEqual(
    t.push({
      event: "content_block_start",
      data: { type: "content_block_start", index: 0, content_block: { type: "hologram" } },
    }),
    [],
  );
  assert.deepEqual(
    t.push({
      event: "content_block_delta",
      data: { type: "content_block_delta", index: 0, delta: { type: "citations_delta" } },
    }),
    [],
  );
  assert.equal(t.outcome, "streaming");
});

// ---- chat → Anthropic ---------------------------------------------------------------------------

function ev(name: string, fields: Json = {}): StreamEvent {
  return { event: name, data: { type: name, ...fields } };
}

const MESSAGE_START = ev("message_start", {
  message: {
    ...MSG_ID,
    type: "message",
    role: "assistant",
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 0,
    },
  },
});

const textStart = (index: number) =>
  ev("content_block_start", { index, content_block: { type: "text", text: "" } });
const textDelta = (index: number, text: string) =>
  ev("content_block_delta", { index, delta: { type: "text_delta", text } });
const toolStart = (index: number, id: string, name: string) =>
  ev("content_block_start", { index, content_block: { type: "tool_use", id, name, input: {} } });
const jsonDelta = (index: number, partial_json: string) =>
  ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json } });
const stop = (index: number) => ev("content_block_stop", { index });
const messageDelta = (stop_reason: string, usage: Json, stop_sequence: string | null = null) =>
  ev("message_delta", { delta: { stop_reason, stop_sequence }, usage });
const usage = (input: number, read: number, output: number) => ({
  input_tokens: input,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: read,
  output_tokens: output,
});
const NO_USAGE = usage(0, 0, 0);

Deno.test("ChatStreamToMessages: a recorded text stream with its usage chunk, event by event", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  assert.deepEqual(runChat(t, openaiText.events), {
    perEvent: [
      [MESSAGE_START], // the role chunk
      [textStart(0), textDelta(0, "Hello")],
      [textDelta(0, "! How can I")],
      [textDelta(0, " help you today?")],
      [stop(0)], // finish_reason: waits for the usage chunk
      // 1034 prompt tokens of which 1024 cached: Anthropic counts 10 uncached beside 1024 read.
      [messageDelta("end_turn", usage(10, 1024, 12)), ev("message_stop")],
    ],
    end: [],
  });
  assert.equal(t.outcome, "complete");
});

Deno.test("ChatStreamToMessages: recorded parallel tool calls become tool_use blocks in turn", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  assert.deepEqual(runChat(t, openaiParallelTools.events), {
    perEvent: [
      [MESSAGE_START, toolStart(0, "call_9pw1qnYScqvGrCH58HWCvFH6", "get_weather")],
      [jsonDelta(0, '{"lo')],
      [jsonDelta(0, 'cation": "Paris"}')],
      [stop(0), toolStart(1, "call_u3wBBHmjrCYR5Tj6ipXmzEgL", "get_weather")],
      [jsonDelta(1, '{"lo')],
      [jsonDelta(1, 'cation": "Tokyo"}')],
      [stop(1)],
      [messageDelta("tool_use", usage(82, 0, 48)), ev("message_stop")],
    ],
    end: [],
  });
  assert.equal(t.outcome, "complete");
});

Deno.test("ChatStreamToMessages: an in-band error becomes an error event", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  assert.deepEqual(runChat(t, openaiError.events), {
    perEvent: [[MESSAGE_START], [textStart(0), textDelta(0, "Once upon")], [{
      event: "error",
      data: {
        type: "error",
        error: {
          type: "api_error",
          message: "The server had an error while processing your request. Sorry about that!",
        },
      },
    }]],
    end: [],
  });
  assert.equal(t.outcome, "error");
});

Deno.test("ChatStreamToMessages: a stream cut before its finish_reason ends with nothing, reported cut", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  const run = runChat(t, openaiCut.events);
  assert.deepEqual(run.end, []);
  assert.equal(t.outcome, "cut");
});

Deno.test("ChatStreamToMessages: an empty stream is cut", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  assert.deepEqual(t.end(), []);
  assert.equal(t.outcome, "cut");
});

/** A chunk of a chat stream from some server: `choice` merged into choices[0]. */
function serverChunk(choice: Json, extra: Json = {}): Json {
  return { id: "x", object: "chat.completion.chunk", choices: [{ index: 0, ...choice }], ...extra };
}

Deno.test("ChatStreamToMessages: a finish without a usage chunk ends at end(), usage zero", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  t.push(serverChunk({ delta: { content: "a" } }));
  assert.deepEqual(t.push(serverChunk({ delta: {}, finish_reason: "length" })), [stop(0)]);
  assert.equal(t.outcome, "streaming");
  assert.deepEqual(t.end(), [messageDelta("max_tokens", NO_USAGE), ev("message_stop")]);
  assert.equal(t.outcome, "complete");
});

Deno.test("ChatStreamToMessages: usage on the finish chunk ends the message at once", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  t.push(serverChunk({ delta: { content: "a" } }));
  const usageOnFinish = { usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } };
  assert.deepEqual(
    t.push(serverChunk({ delta: {}, finish_reason: "stop", stop_reason: "###" }, usageOnFinish)),
    [stop(0), messageDelta("stop_sequence", usage(5, 0, 1), "###"), ev("message_stop")],
  );
  assert.deepEqual(t.push(serverChunk({ delta: {} }, usageOnFinish)), [], "nothing after the end");
});

Deno.test("ChatStreamToMessages: text then a tool call closes the text block first", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  t.push(serverChunk({ delta: { role: "assistant" } }));
  assert.deepEqual(t.push(serverChunk({ delta: { content: "Let me look." } })), [
    textStart(0),
    textDelta(0, "Let me look."),
  ]);
  assert.deepEqual(
    t.push(serverChunk({
      delta: {
        tool_calls: [{
          index: 0,
          id: "c1",
          type: "function",
          function: { name: "f", arguments: '{"a":1}' },
        }],
      },
    })),
    [stop(0), toolStart(1, "c1", "f"), jsonDelta(1, '{"a":1}')],
  );
});

Deno.test("ChatStreamToMessages: whole tool calls without an index (Gemini-style) are told apart by id", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  const whole = (id: string) =>
    serverChunk({
      delta: { tool_calls: [{ id, type: "function", function: { name: "f", arguments: "{}" } }] },
    });
  assert.deepEqual(t.push(whole("a")), [MESSAGE_START, toolStart(0, "a", "f"), jsonDelta(0, "{}")]);
  assert.deepEqual(t.push(whole("b")), [stop(0), toolStart(1, "b", "f"), jsonDelta(1, "{}")]);
});

Deno.test("ChatStreamToMessages: interleaved tool calls keep each fragment on its call's block", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  const part = (index: number, fn: Json, id?: string) =>
    serverChunk({ delta: { tool_calls: [{ index, ...(id ? { id } : {}), function: fn }] } });
  t.push(part(0, { name: "f", arguments: "" }, "c0"));
  t.push(part(1, { name: "g", arguments: "" }, "c1"));
  assert.deepEqual(t.push(part(0, { arguments: "{}" })), [jsonDelta(0, "{}")]);
});

Deno.test("ChatStreamToMessages: a tool call without an id gets one unique in the message", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  const out = t.push(
    serverChunk({ delta: { tool_calls: [{ index: 0, function: { name: "f" } }] } }),
  );
  assert.deepEqual(out, [MESSAGE_START, toolStart(0, "msg_1_0", "f")]);
});

Deno.test("ChatStreamToMessages: a refusal streams as text and stops as refusal", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  assert.deepEqual(t.push(serverChunk({ delta: { refusal: "I can't." } })), [
    MESSAGE_START,
    textStart(0),
    textDelta(0, "I can't."),
  ]);
  t.push(serverChunk({ delta: {}, finish_reason: "stop" }));
  assert.deepEqual(t.end(), [messageDelta("refusal", NO_USAGE), ev("message_stop")]);
});

Deno.test("ChatStreamToMessages: reasoning_content is left out", () => {
  const t = new ChatStreamToMessages(MSG_ID);
  assert.deepEqual(t.push(serverChunk({ delta: { reasoning_content: "hmm" } })), [MESSAGE_START]);
});

// ---- round trips --------------------------------------------------------------------------------

/** A message assembled from its stream, as the Anthropic SDKs do: blocks by index. */
function assembleMessage(events: StreamEvent[]): Json {
  const content: Json[] = [];
  const json: string[] = [];
  const out: Json = { content };
  for (const { data } of events) {
    const index = data.index as number;
    const delta = data.delta as Json;
    if (data.type === "content_block_start") {
      content[index] = { ...(data.content_block as Json) };
      json[index] = "";
    } else if (data.type === "content_block_delta" && delta.type === "text_delta") {
      (content[index] as Json).text += delta.text as string;
    } else if (data.type === "content_block_delta" && delta.type === "input_json_delta") {
      json[index] += delta.partial_json as string;
    } else if (data.type === "content_block_stop" && content[index]?.type === "tool_use") {
      (content[index] as Json).input = JSON.parse(json[index] || "{}");
    } else if (data.type === "message_delta") {
      Object.assign(out, delta, { usage: data.usage });
    }
  }
  return out;
}

/** A chat answer assembled from its chunks, as the OpenAI SDKs do: tool calls by index. */
function assembleChat(chunks: ChatStreamData[]): Json {
  let content = "";
  const calls: { id: string; name: string; arguments: string }[] = [];
  const out: Json = {};
  for (const c of chunks) {
    if (!("choices" in c)) continue;
    if (c.usage) out.usage = c.usage;
    const choice = c.choices[0];
    if (!choice) continue;
    content += choice.delta.content ?? "";
    for (const call of choice.delta.tool_calls ?? []) {
      const known = calls[call.index] ??= { id: "", name: "", arguments: "" };
      known.id ||= call.id ?? "";
      known.name ||= call.function.name ?? "";
      known.arguments += call.function.arguments;
    }
    if (choice.finish_reason) out.finish_reason = choice.finish_reason;
  }
  return { content, calls, ...out };
}

Deno.test("An Anthropic tool-use stream survives the round trip through chat chunks", () => {
  const toChat = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: true });
  const back = new ChatStreamToMessages(MSG_ID);
  const events: StreamEvent[] = [];
  const chunks = [...anthropicToolUse.events.flatMap((e) => toChat.push(e)), ...toChat.end()];
  for (const c of chunks) events.push(...back.push(c as unknown as Json));
  events.push(...back.end());
  const original = assembleMessage(anthropicToolUse.events);
  // message_delta's usage is the whole: Anthropic's recorded one carries no cache fields but the read.
  assert.deepEqual(assembleMessage(events), original);
  assert.equal(back.outcome, "complete");
});

Deno.test("A chat parallel tool-call stream survives the round trip through Anthropic events", () => {
  const toMessages = new ChatStreamToMessages(MSG_ID);
  const back = new MessagesStreamToChat({ ...CHAT_ID, includeUsage: true });
  const recorded = chunksOf(openaiParallelTools.events);
  const events = [...recorded.flatMap((c) => toMessages.push(c)), ...toMessages.end()];
  const chunks = [...events.flatMap((e) => back.push(e)), ...back.end()];
  const original = assembleChat(recorded as unknown as ChatStreamData[]);
  const roundTrip = assembleChat(chunks);
  assert.deepEqual({ ...roundTrip, usage: undefined }, { ...original, usage: undefined });
  const usage = roundTrip.usage as Json;
  assert.deepEqual(
    [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens],
    [82, 48, 130],
  );
  assert.equal(back.outcome, "complete");
});

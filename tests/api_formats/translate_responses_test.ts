/**
 * @module translate_responses_test
 * messagesResponseToChat() and chatResponseToMessages(), one row per rule:
 * an upstream answer in, the client's answer out; the answers they cannot
 * translate (502, with the path); and the round trip of an Anthropic answer.
 */
import assert from "node:assert/strict";
import { chatResponseToMessages } from "../../src/api_formats/translate/chat_response_to_messages.ts";
import type { Json } from "../../src/api_formats/translate/json.ts";
import { messagesResponseToChat } from "../../src/api_formats/translate/messages_response_to_chat.ts";
import { assertTranslationError } from "./translation_assert.ts";

const CHAT_ID = { id: "chatcmpl-1", created: 1_700_000_000, model: "claude-sonnet-4-5" };
const MSG_ID = { id: "msg_1", model: "gpt-4o" };

/** An Anthropic answer with `fields`. */
function message(fields: Json): Json {
  return {
    id: "msg_upstream",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
    ...fields,
  };
}

/** The chat completion of `message` and `finish_reason`, with `usage`. */
function completion(message: Json, finish_reason: string, usage?: Json): Json {
  return {
    ...CHAT_ID,
    object: "chat.completion",
    choices: [{
      index: 0,
      message: { role: "assistant", refusal: null, ...message },
      logprobs: null,
      finish_reason,
    }],
    usage: usage ??
      {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 0 },
      },
  };
}

const USE = { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } };
const CALL = {
  id: "toolu_1",
  type: "function",
  function: { name: "get_weather", arguments: '{"city":"Paris"}' },
};

type Row = [label: string, input: Json, expected: Json];

const TO_CHAT: Row[] = [
  [
    "text blocks are joined as they are; end_turn is stop",
    message({
      content: [{ type: "text", text: "Hello" }, { type: "text", text: " there" }],
    }),
    completion({ content: "Hello there" }, "stop"),
  ],
  [
    "text and tool_use: content and tool_calls; tool_use is tool_calls",
    message({
      content: [{ type: "text", text: "Checking." }, USE],
      stop_reason: "tool_use",
    }),
    completion({ content: "Checking.", tool_calls: [CALL] }, "tool_calls"),
  ],
  [
    "tool_use alone: content null",
    message({ content: [USE], stop_reason: "tool_use" }),
    completion(
      { content: null, tool_calls: [CALL] },
      "tool_calls",
    ),
  ],
  [
    "max_tokens is length",
    message({
      content: [{ type: "text", text: "Once" }],
      stop_reason: "max_tokens",
    }),
    completion({ content: "Once" }, "length"),
  ],
  [
    "stop_sequence is stop",
    message({
      content: [{ type: "text", text: "a" }],
      stop_reason: "stop_sequence",
      stop_sequence: "END",
    }),
    completion({ content: "a" }, "stop"),
  ],
  [
    "refusal is content_filter",
    message({
      content: [{ type: "text", text: "I can't" }],
      stop_reason: "refusal",
    }),
    completion({ content: "I can't" }, "content_filter"),
  ],
  [
    "thinking becomes reasoning_content; redacted thinking is left out",
    message({
      content: [
        { type: "thinking", thinking: "Let me see.", signature: "sig" },
        { type: "redacted_thinking", data: "xyz" },
        { type: "text", text: "4" },
      ],
    }),
    completion({ content: "4", reasoning_content: "Let me see." }, "stop"),
  ],
  [
    "cache reads and writes count in prompt_tokens; reads are cached_tokens",
    message({
      content: [{ type: "text", text: "ok" }],
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 200,
        cache_read_input_tokens: 1000,
        output_tokens: 5,
      },
    }),
    completion({ content: "ok" }, "stop", {
      prompt_tokens: 1210,
      completion_tokens: 5,
      total_tokens: 1215,
      prompt_tokens_details: { cached_tokens: 1000 },
    }),
  ],
  ["an empty answer is empty content", message({}), completion({ content: "" }, "stop")],
];

for (const [label, input, expected] of TO_CHAT) {
  Deno.test(`messagesResponseToChat(): ${label}`, () => {
    assert.deepEqual(messagesResponseToChat(input, CHAT_ID), expected);
  });
}

/** The Anthropic answer of `content` and a stop, with `usage`. */
function answer(content: Json[], stop: Json, usage?: Json): Json {
  return {
    ...MSG_ID,
    type: "message",
    role: "assistant",
    content,
    ...stop,
    usage: usage ??
      {
        input_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 5,
      },
  };
}

/** An OpenAI answer of `message` and `finish_reason`. */
function chatAnswer(message: Json, finish_reason: string | null, extra: Json = {}): Json {
  return {
    id: "chatcmpl-upstream",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-2024-08-06",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason, ...extra }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

const END_TURN = { stop_reason: "end_turn", stop_sequence: null };

const TO_MESSAGES: Row[] = [
  [
    "content is a text block; stop is end_turn",
    chatAnswer({ content: "Hello" }, "stop"),
    answer(
      [{ type: "text", text: "Hello" }],
      END_TURN,
    ),
  ],
  [
    "tool_calls are tool_use blocks, arguments parsed; tool_calls is tool_use",
    chatAnswer({
      content: null,
      tool_calls: [CALL, {
        id: "call_2",
        type: "function",
        function: { name: "now", arguments: "" },
      }],
    }, "tool_calls"),
    answer([USE, { type: "tool_use", id: "call_2", name: "now", input: {} }], {
      stop_reason: "tool_use",
      stop_sequence: null,
    }),
  ],
  [
    "length is max_tokens",
    chatAnswer({ content: "Once" }, "length"),
    answer(
      [{ type: "text", text: "Once" }],
      { stop_reason: "max_tokens", stop_sequence: null },
    ),
  ],
  [
    "content_filter is refusal",
    chatAnswer({ content: "" }, "content_filter"),
    answer([], {
      stop_reason: "refusal",
      stop_sequence: null,
    }),
  ],
  [
    "a refusal is a text block and stop_reason refusal",
    chatAnswer({
      content: null,
      refusal: "I can't help with that.",
    }, "stop"),
    answer([{ type: "text", text: "I can't help with that." }], {
      stop_reason: "refusal",
      stop_sequence: null,
    }),
  ],
  [
    "vLLM's matched stop string is stop_sequence",
    chatAnswer({ content: "a" }, "stop", {
      stop_reason: "END",
    }),
    answer([{ type: "text", text: "a" }], { stop_reason: "stop_sequence", stop_sequence: "END" }),
  ],
  [
    "a finish_reason not known is end_turn; reasoning_content is left out",
    chatAnswer({
      content: "a",
      reasoning_content: "hmm",
    }, null),
    answer([{ type: "text", text: "a" }], END_TURN),
  ],
  [
    "cached_tokens are cache reads, taken out of input_tokens",
    {
      ...chatAnswer({ content: "ok" }, "stop"),
      usage: {
        prompt_tokens: 1210,
        completion_tokens: 5,
        total_tokens: 1215,
        prompt_tokens_details: { cached_tokens: 1000 },
      },
    },
    answer([{ type: "text", text: "ok" }], END_TURN, {
      input_tokens: 210,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 1000,
      output_tokens: 5,
    }),
  ],
];

for (const [label, input, expected] of TO_MESSAGES) {
  Deno.test(`chatResponseToMessages(): ${label}`, () => {
    assert.deepEqual(chatResponseToMessages(input, MSG_ID), expected);
  });
}

Deno.test("chatResponseToMessages(): an upstream's tool arguments that are not JSON are a 502 naming them", () => {
  const bad = chatAnswer({
    content: null,
    tool_calls: [CALL, { id: "c", type: "function", function: { name: "f", arguments: '{"a":' } }],
  }, "tool_calls");
  assertTranslationError(
    () => chatResponseToMessages(bad, MSG_ID),
    "choices[0].message.tool_calls[1].function.arguments",
    502,
  );
});

Deno.test("chatResponseToMessages(): an answer without a choice is a 502", () => {
  assertTranslationError(
    () => chatResponseToMessages({ choices: [] }, MSG_ID),
    "choices[0].message",
    502,
  );
});

Deno.test("messagesResponseToChat(): an answer without content blocks is a 502", () => {
  assertTranslationError(
    () => messagesResponseToChat({ type: "message" }, CHAT_ID),
    "content",
    502,
  );
});

Deno.test("An Anthropic answer survives the round trip through chat", () => {
  const original = answer([{ type: "text", text: "Checking." }, USE], {
    stop_reason: "tool_use",
    stop_sequence: null,
  }, {
    input_tokens: 7,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 900,
    output_tokens: 30,
  });
  const chat = messagesResponseToChat(original, CHAT_ID);
  assert.deepEqual(chatResponseToMessages(chat as unknown as Json, MSG_ID), original);
});

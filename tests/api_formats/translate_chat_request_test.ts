/**
 * @module translate_chat_request_test
 * chatToMessages(), one row per rule of its module doc's tables: an OpenAI
 * chat request in, the Anthropic Messages request (and what was dropped)
 * out; then the requests it refuses, each with the path it names.
 */
import assert from "node:assert/strict";
import { chatToMessages } from "../../src/api_formats/translate/chat_request_to_messages.ts";
import type { Json } from "../../src/api_formats/translate/json.ts";
import { assertTranslationError } from "./translation_assert.ts";

const OPTS = { defaultMaxTokens: 4096 };
const HI = { role: "user", content: "Hi" };
const HI_TURN = { role: "user", content: [{ type: "text", text: "Hi" }] };
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};
const WEATHER_SCHEMA = { type: "object", properties: { city: { type: "string" } } };

/** A chat request for `claude` with `fields`. */
function chat(fields: Json): Json {
  return { model: "claude", ...fields };
}

/** The Messages request of `fields`, with the default max_tokens. */
function messages(fields: Json): Json {
  return { model: "claude", max_tokens: 4096, ...fields };
}

type Row = [label: string, input: Json, expected: Json, dropped?: string[]];

const ROWS: Row[] = [
  [
    "a user string becomes a text block",
    chat({ messages: [HI] }),
    messages({
      messages: [HI_TURN],
    }),
  ],
  [
    "a system message becomes system text",
    chat({
      messages: [{ role: "system", content: "Be brief" }, HI],
    }),
    messages({ system: [{ type: "text", text: "Be brief" }], messages: [HI_TURN] }),
  ],
  [
    "developer messages and text parts too, hoisted in order from anywhere",
    chat({
      messages: [
        { role: "developer", content: [{ type: "text", text: "A" }, { type: "text", text: "B" }] },
        HI,
        { role: "system", content: "C" },
      ],
    }),
    messages({
      system: [{ type: "text", text: "A" }, { type: "text", text: "B" }, {
        type: "text",
        text: "C",
      }],
      messages: [HI_TURN],
    }),
  ],
  [
    "an empty system message adds no block",
    chat({
      messages: [{ role: "system", content: "" }, HI],
    }),
    messages({ messages: [HI_TURN] }),
  ],
  [
    "user text parts become text blocks",
    chat({
      messages: [{
        role: "user",
        content: [{ type: "text", text: "a" }, { type: "text", text: "b" }],
      }],
    }),
    messages({
      messages: [{
        role: "user",
        content: [{ type: "text", text: "a" }, { type: "text", text: "b" }],
      }],
    }),
  ],
  [
    "a data: image URL becomes a base64 source with its media type",
    chat({
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }],
      }],
    }),
    messages({
      messages: [{
        role: "user",
        content: [{
          type: "image",
          source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
        }],
      }],
    }),
  ],
  [
    "an https image URL becomes a url source (detail ignored)",
    chat({
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://x.test/a.jpg", detail: "low" } }],
      }],
    }),
    messages({
      messages: [{
        role: "user",
        content: [{ type: "image", source: { type: "url", url: "https://x.test/a.jpg" } }],
      }],
    }),
  ],
  [
    "assistant text and tool_calls become text and tool_use blocks, arguments parsed",
    chat({
      messages: [HI, {
        role: "assistant",
        content: "Checking.",
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        }],
      }],
    }),
    messages({
      messages: [HI_TURN, {
        role: "assistant",
        content: [{ type: "text", text: "Checking." }, {
          type: "tool_use",
          id: "call_1",
          name: "get_weather",
          input: { city: "Paris" },
        }],
      }],
    }),
  ],
  [
    'assistant content "" beside tool_calls adds no block; arguments "" are {}',
    chat({
      messages: [HI, {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "now", arguments: "" } }],
      }],
    }),
    messages({
      messages: [HI_TURN, {
        role: "assistant",
        content: [{ type: "tool_use", id: "call_1", name: "now", input: {} }],
      }],
    }),
  ],
  [
    "assistant text and refusal parts become text blocks",
    chat({
      messages: [HI, {
        role: "assistant",
        content: [{ type: "text", text: "a" }, { type: "refusal", refusal: "no" }],
      }],
    }),
    messages({
      messages: [HI_TURN, {
        role: "assistant",
        content: [{ type: "text", text: "a" }, { type: "text", text: "no" }],
      }],
    }),
  ],
  [
    "tool messages become tool_result blocks, merged with the next user message",
    chat({
      messages: [
        HI,
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "c1", type: "function", function: { name: "f", arguments: "{}" } },
            { id: "c2", type: "function", function: { name: "f", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "one" },
        { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "two" }] },
        { role: "user", content: "Thanks" },
      ],
    }),
    messages({
      messages: [
        HI_TURN,
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "c1", name: "f", input: {} },
            { type: "tool_use", id: "c2", name: "f", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "c1", content: "one" },
            { type: "tool_result", tool_use_id: "c2", content: [{ type: "text", text: "two" }] },
            { type: "text", text: "Thanks" },
          ],
        },
      ],
    }),
  ],
  [
    "consecutive messages of one role are merged into one turn",
    chat({
      messages: [HI, { role: "user", content: "again" }],
    }),
    messages({
      messages: [{
        role: "user",
        content: [{ type: "text", text: "Hi" }, { type: "text", text: "again" }],
      }],
    }),
  ],
  [
    "max_completion_tokens wins over max_tokens",
    chat({
      messages: [HI],
      max_completion_tokens: 100,
      max_tokens: 50,
    }),
    messages({ messages: [HI_TURN], max_tokens: 100 }),
  ],
  [
    "max_tokens alone",
    chat({ messages: [HI], max_tokens: 50 }),
    messages({
      messages: [HI_TURN],
      max_tokens: 50,
    }),
  ],
  [
    "a stop string becomes stop_sequences",
    chat({ messages: [HI], stop: "END" }),
    messages({
      messages: [HI_TURN],
      stop_sequences: ["END"],
    }),
  ],
  [
    "stop strings become stop_sequences",
    chat({ messages: [HI], stop: ["a", "b"] }),
    messages({
      messages: [HI_TURN],
      stop_sequences: ["a", "b"],
    }),
  ],
  [
    "temperature, top_p and stream pass as they are; stream_options is not dropped",
    chat({
      messages: [HI],
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
    }),
    messages({ messages: [HI_TURN], temperature: 0.2, top_p: 0.9, stream: true }),
  ],
  [
    "function tools become input_schema tools, tool_choice auto by default",
    chat({
      messages: [HI],
      tools: [WEATHER_TOOL, { type: "function", function: { name: "now", strict: true } }],
    }),
    messages({
      messages: [HI_TURN],
      tools: [
        { name: "get_weather", description: "Current weather", input_schema: WEATHER_SCHEMA },
        { name: "now", input_schema: { type: "object", properties: {} } },
      ],
      tool_choice: { type: "auto" },
    }),
  ],
  ['tool_choice "none"', chat({ messages: [HI], tools: [WEATHER_TOOL], tool_choice: "none" }), {
    ...messages({ messages: [HI_TURN] }),
    tools: [{ name: "get_weather", description: "Current weather", input_schema: WEATHER_SCHEMA }],
    tool_choice: { type: "none" },
  }],
  [
    'tool_choice "required" becomes any',
    chat({
      messages: [HI],
      tools: [WEATHER_TOOL],
      tool_choice: "required",
    }),
    {
      ...messages({ messages: [HI_TURN] }),
      tools: [{
        name: "get_weather",
        description: "Current weather",
        input_schema: WEATHER_SCHEMA,
      }],
      tool_choice: { type: "any" },
    },
  ],
  [
    "a named function tool_choice becomes a tool choice; parallel_tool_calls false",
    chat({
      messages: [HI],
      tools: [WEATHER_TOOL],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
    }),
    {
      ...messages({ messages: [HI_TURN] }),
      tools: [{
        name: "get_weather",
        description: "Current weather",
        input_schema: WEATHER_SCHEMA,
      }],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    },
  ],
  [
    "a tool_choice without tools means nothing and is left out",
    chat({
      messages: [HI],
      tool_choice: "none",
      parallel_tool_calls: false,
    }),
    messages({ messages: [HI_TURN] }),
  ],
  [
    "user becomes metadata.user_id",
    chat({ messages: [HI], user: "u-42" }),
    messages({
      messages: [HI_TURN],
      metadata: { user_id: "u-42" },
    }),
  ],
  [
    "sampling hints and unknown fields are dropped and named; defaults are not",
    chat({
      messages: [HI],
      presence_penalty: 0.5,
      frequency_penalty: 0.1,
      seed: 7,
      reasoning_effort: "low",
      vendor_extra: true,
      n: 1,
      logprobs: false,
      response_format: { type: "text" },
      logit_bias: {},
      modalities: ["text"],
      top_logprobs: null,
    }),
    messages({ messages: [HI_TURN] }),
    [
      "presence_penalty",
      "frequency_penalty",
      "seed",
      "reasoning_effort",
      "vendor_extra",
    ],
  ],
];

for (const [label, input, expected, dropped = []] of ROWS) {
  Deno.test(`chatToMessages(): ${label}`, () => {
    const out = chatToMessages(input, OPTS);
    assert.deepEqual(out.body, expected);
    assert.deepEqual(out.dropped, dropped);
  });
}

type BadRow = [label: string, input: Json, path: string];

const call = (args: string) => ({
  role: "assistant",
  content: null,
  tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: args } }],
});
const image = (url: string) => ({
  role: "user",
  content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url } }],
});

const BAD: BadRow[] = [
  ["n > 1", chat({ messages: [HI], n: 2 }), "n"],
  ["logprobs", chat({ messages: [HI], logprobs: true }), "logprobs"],
  ["top_logprobs", chat({ messages: [HI], top_logprobs: 3 }), "top_logprobs"],
  [
    "a json_schema response format",
    chat({
      messages: [HI],
      response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } },
    }),
    "response_format",
  ],
  [
    "JSON mode",
    chat({ messages: [HI], response_format: { type: "json_object" } }),
    "response_format",
  ],
  ["a logit bias", chat({ messages: [HI], logit_bias: { "50256": -100 } }), "logit_bias"],
  ["audio output", chat({ messages: [HI], modalities: ["text", "audio"] }), "modalities"],
  ["web search", chat({ messages: [HI], web_search_options: {} }), "web_search_options"],
  ["legacy functions", chat({ messages: [HI], functions: [{ name: "f" }] }), "functions"],
  [
    "a temperature above Anthropic's range",
    chat({ messages: [HI], temperature: 1.5 }),
    "temperature",
  ],
  ["max_tokens 0", chat({ messages: [HI], max_tokens: 0 }), "max_tokens"],
  [
    "max_completion_tokens not an integer",
    chat({
      messages: [HI],
      max_completion_tokens: "9",
    }),
    "max_completion_tokens",
  ],
  ["messages not an array", chat({ messages: "Hi" }), "messages"],
  ["a model that is not a string", { messages: [HI] }, "model"],
  ["an unknown role", chat({ messages: [{ role: "narrator", content: "x" }] }), "messages[0].role"],
  [
    "a legacy function message",
    chat({
      messages: [HI, { role: "function", name: "f", content: "x" }],
    }),
    "messages[1].role",
  ],
  [
    "an ftp image URL",
    chat({ messages: [image("ftp://x.test/a.png")] }),
    "messages[0].content[1].image_url.url",
  ],
  [
    "a data: URL that is not base64",
    chat({
      messages: [image("data:image/png,%89PNG")],
    }),
    "messages[0].content[1].image_url.url",
  ],
  [
    "a data: URL without a media type",
    chat({
      messages: [image("data:;base64,AAAA")],
    }),
    "messages[0].content[1].image_url.url",
  ],
  [
    "an input_audio part",
    chat({
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }],
    }),
    "messages[0].content[0].type",
  ],
  [
    "a file part",
    chat({
      messages: [HI, { role: "user", content: [{ type: "file", file: { file_id: "f" } }] }],
    }),
    "messages[1].content[0].type",
  ],
  [
    "tool arguments that are not JSON",
    chat({ messages: [HI, call("{city:")] }),
    "messages[1].tool_calls[0].function.arguments",
  ],
  [
    "tool arguments that are not an object",
    chat({ messages: [HI, call("[1]")] }),
    "messages[1].tool_calls[0].function.arguments",
  ],
  [
    "a tool call without an id",
    chat({
      messages: [HI, {
        role: "assistant",
        tool_calls: [{ type: "function", function: { name: "f" } }],
      }],
    }),
    "messages[1].tool_calls[0].id",
  ],
  [
    "a legacy function_call on an assistant message",
    chat({
      messages: [HI, { role: "assistant", content: null, function_call: { name: "f" } }],
    }),
    "messages[1].function_call",
  ],
  [
    "a tool message without tool_call_id",
    chat({
      messages: [HI, call("{}"), { role: "tool", content: "x" }],
    }),
    "messages[2].tool_call_id",
  ],
  [
    "a tool that is not a function",
    chat({
      messages: [HI],
      tools: [{ type: "custom", custom: { name: "grammar" } }],
    }),
    "tools[0].type",
  ],
  [
    "a tool_choice not known",
    chat({
      messages: [HI],
      tools: [WEATHER_TOOL],
      tool_choice: "sometimes",
    }),
    "tool_choice",
  ],
];

for (const [label, input, path] of BAD) {
  Deno.test(`chatToMessages(): refuses ${label}, naming ${path}`, () => {
    assertTranslationError(() => chatToMessages(input, OPTS), path);
  });
}

Deno.test("chatToMessages() passes large values by reference, never copied", () => {
  const parameters = { type: "object", properties: { q: { type: "string" } } };
  const data = "A".repeat(1 << 20);
  const out = chatToMessages(
    chat({
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${data}` } }],
      }],
      tools: [{ type: "function", function: { name: "s", parameters } }],
    }),
    OPTS,
  );
  assert.equal(out.body.tools?.[0]?.input_schema, parameters);
  const block = out.body.messages[0]?.content[0];
  assert.ok(block?.type === "image" && block.source.type === "base64");
  assert.equal(block.source.data, data);
});

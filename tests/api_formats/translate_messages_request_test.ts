/**
 * @module translate_messages_request_test
 * messagesToChat(), one row per rule of its module doc's tables: an
 * Anthropic Messages request in, the OpenAI chat request (and what was
 * dropped) out; then the requests it refuses, each with the path it names.
 */
import assert from "node:assert/strict";
import type { Json } from "../../src/api_formats/translate/json.ts";
import { messagesToChat } from "../../src/api_formats/translate/messages_request_to_chat.ts";
import { assertTranslationError } from "./translation_assert.ts";

const HI = { role: "user", content: "Hi" };
const USE = { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } };
const CALL = {
  id: "toolu_1",
  type: "function",
  function: { name: "get_weather", arguments: '{"city":"Paris"}' },
};
const ASKED = { role: "assistant", content: [USE] };
const CALLED = { role: "assistant", content: null, tool_calls: [CALL] };
const PNG = { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" };
const PNG_URL = "data:image/png;base64,iVBORw0KGgo=";
const WEATHER = {
  name: "get_weather",
  description: "Current weather",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};
const WEATHER_FUNCTION = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: WEATHER.input_schema,
  },
};

/** A Messages request for `claude` with `fields`. */
function messages(fields: Json): Json {
  return { model: "claude", max_tokens: 1024, ...fields };
}

/** The chat request of `fields`. */
function chat(fields: Json): Json {
  return { model: "claude", max_completion_tokens: 1024, ...fields };
}

type Row = [label: string, input: Json, expected: Json, dropped?: string[]];

const ROWS: Row[] = [
  ["a user string stays a string", messages({ messages: [HI] }), chat({ messages: [HI] })],
  [
    "a system message among the messages (the SDKs' SystemMessageParam) stays a system message in its place",
    messages({
      system: "Be brief",
      messages: [HI, { role: "system", content: [{ type: "text", text: "In French." }] }],
    }),
    chat({
      messages: [
        { role: "system", content: "Be brief" },
        HI,
        { role: "system", content: "In French." },
      ],
    }),
  ],
  [
    "a system string becomes the first system message",
    messages({
      system: "Be brief",
      messages: [HI],
    }),
    chat({ messages: [{ role: "system", content: "Be brief" }, HI] }),
  ],
  [
    "system blocks are joined with a blank line; cache_control is ignored",
    messages({
      system: [
        { type: "text", text: "A" },
        { type: "text", text: "B", cache_control: { type: "ephemeral" } },
      ],
      messages: [HI],
    }),
    chat({ messages: [{ role: "system", content: "A\n\nB" }, HI] }),
  ],
  [
    "one text block becomes a string",
    messages({
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    }),
    chat({ messages: [HI] }),
  ],
  [
    "text and images (base64 and url) become parts",
    messages({
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "Compare" },
          { type: "image", source: PNG },
          { type: "image", source: { type: "url", url: "https://x.test/a.jpg" } },
        ],
      }],
    }),
    chat({
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "Compare" },
          { type: "image_url", image_url: { url: PNG_URL } },
          { type: "image_url", image_url: { url: "https://x.test/a.jpg" } },
        ],
      }],
    }),
  ],
  [
    "assistant text blocks are joined as they are; a string stays a string",
    messages({
      messages: [
        HI,
        {
          role: "assistant",
          content: [{ type: "text", text: "Par" }, { type: "text", text: "is" }],
        },
        { role: "user", content: "and?" },
        { role: "assistant", content: "London" },
      ],
    }),
    chat({
      messages: [HI, { role: "assistant", content: "Paris" }, { role: "user", content: "and?" }, {
        role: "assistant",
        content: "London",
      }],
    }),
  ],
  [
    "assistant text and tool_use become content and tool_calls, input as JSON",
    messages({
      messages: [HI, { role: "assistant", content: [{ type: "text", text: "Checking." }, USE] }],
    }),
    chat({
      messages: [HI, { role: "assistant", content: "Checking.", tool_calls: [CALL] }],
    }),
  ],
  [
    "tool_use alone: content null",
    messages({ messages: [HI, ASKED] }),
    chat({
      messages: [HI, CALLED],
    }),
  ],
  [
    "tool_results become tool messages before the turn's text",
    messages({
      messages: [HI, ASKED, {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18°C" }, {
          type: "text",
          text: "Thanks",
        }],
      }],
    }),
    chat({
      messages: [HI, CALLED, { role: "tool", tool_call_id: "toolu_1", content: "18°C" }, {
        role: "user",
        content: "Thanks",
      }],
    }),
  ],
  [
    "a tool_result of blocks: text joined, images into a user message after",
    messages({
      messages: [HI, ASKED, {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "toolu_1",
          content: [{ type: "text", text: "a" }, { type: "image", source: PNG }, {
            type: "text",
            text: "b",
          }],
        }],
      }],
    }),
    chat({
      messages: [HI, CALLED, { role: "tool", tool_call_id: "toolu_1", content: "a\n\nb" }, {
        role: "user",
        content: [{ type: "image_url", image_url: { url: PNG_URL } }],
      }],
    }),
  ],
  [
    "a tool_result without content is an empty tool message; is_error is dropped",
    messages({
      messages: [HI, ASKED, {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", is_error: true }],
      }],
    }),
    chat({
      messages: [HI, CALLED, { role: "tool", tool_call_id: "toolu_1", content: "" }],
    }),
    ["messages[].content[].is_error"],
  ],
  [
    "thinking and thinking blocks are dropped, each named once",
    messages({
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [
        HI,
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Hmm", signature: "sig" },
            { type: "redacted_thinking", data: "xyz" },
            { type: "text", text: "Hello" },
          ],
        },
        HI,
        {
          role: "assistant",
          content: [{ type: "thinking", thinking: "Again", signature: "sig" }, {
            type: "text",
            text: "Hi",
          }],
        },
      ],
    }),
    chat({
      messages: [HI, { role: "assistant", content: "Hello" }, HI, {
        role: "assistant",
        content: "Hi",
      }],
    }),
    ["thinking", "messages[].content[].thinking", "messages[].content[].redacted_thinking"],
  ],
  [
    "stop_sequences, temperature, top_p and metadata.user_id",
    messages({
      messages: [HI],
      stop_sequences: ["END"],
      temperature: 0.3,
      top_p: 0.8,
      metadata: { user_id: "u-42" },
    }),
    chat({ messages: [HI], stop: ["END"], temperature: 0.3, top_p: 0.8, user: "u-42" }),
  ],
  [
    "a stream asks for the usage chunk",
    messages({ messages: [HI], stream: true }),
    chat({
      messages: [HI],
      stream: true,
      stream_options: { include_usage: true },
    }),
  ],
  [
    "top_k, service_tier and unknown fields are dropped and named",
    messages({
      messages: [HI],
      top_k: 40,
      service_tier: "auto",
      stream: false,
    }),
    chat({ messages: [HI] }),
    ["top_k", "service_tier"],
  ],
  [
    "tools become function tools; without tool_choice none is sent",
    messages({
      messages: [HI],
      tools: [{ ...WEATHER, cache_control: { type: "ephemeral" } }, {
        type: "custom",
        name: "now",
        input_schema: { type: "object" },
      }],
    }),
    chat({
      messages: [HI],
      tools: [WEATHER_FUNCTION, {
        type: "function",
        function: { name: "now", parameters: { type: "object" } },
      }],
    }),
  ],
  [
    "tool_choice auto",
    messages({
      messages: [HI],
      tools: [WEATHER],
      tool_choice: { type: "auto" },
    }),
    chat({ messages: [HI], tools: [WEATHER_FUNCTION], tool_choice: "auto" }),
  ],
  [
    "tool_choice any becomes required",
    messages({
      messages: [HI],
      tools: [WEATHER],
      tool_choice: { type: "any" },
    }),
    chat({ messages: [HI], tools: [WEATHER_FUNCTION], tool_choice: "required" }),
  ],
  [
    "tool_choice none",
    messages({
      messages: [HI],
      tools: [WEATHER],
      tool_choice: { type: "none" },
    }),
    chat({ messages: [HI], tools: [WEATHER_FUNCTION], tool_choice: "none" }),
  ],
  [
    "a tool choice becomes a function choice; disable_parallel_tool_use",
    messages({
      messages: [HI],
      tools: [WEATHER],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    }),
    chat({
      messages: [HI],
      tools: [WEATHER_FUNCTION],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
    }),
  ],
];

for (const [label, input, expected, dropped = []] of ROWS) {
  Deno.test(`messagesToChat(): ${label}`, () => {
    const out = messagesToChat(input);
    assert.deepEqual(out.body, expected);
    assert.deepEqual(out.dropped, dropped);
  });
}

type BadRow = [label: string, input: Json, path: string];

const BAD: BadRow[] = [
  [
    "a tool_result whose tool_use_id matches no earlier tool_use",
    messages({
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9" }] }],
    }),
    "messages[0].content[0].tool_use_id",
  ],
  [
    "a tool_result answering a tool_use that comes later",
    messages({
      messages: [
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "x" }] },
        ASKED,
      ],
    }),
    "messages[0].content[0].tool_use_id",
  ],
  [
    "an unknown block type",
    messages({
      messages: [HI, ASKED, {
        role: "user",
        content: [{ type: "text", text: "x" }, { type: "hologram" }],
      }],
    }),
    "messages[2].content[1].type",
  ],
  [
    "a document block",
    messages({
      messages: [{ role: "user", content: [{ type: "document", source: PNG }] }],
    }),
    "messages[0].content[0].type",
  ],
  [
    "a tool_use block in a user message",
    messages({
      messages: [{ role: "user", content: [USE] }],
    }),
    "messages[0].content[0].type",
  ],
  [
    "an image in an assistant message",
    messages({
      messages: [HI, { role: "assistant", content: [{ type: "image", source: PNG }] }],
    }),
    "messages[1].content[0].type",
  ],
  [
    "a server tool block in an assistant message",
    messages({
      messages: [HI, {
        role: "assistant",
        content: [{ type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} }],
      }],
    }),
    "messages[1].content[0].type",
  ],
  [
    "an image by file_id",
    messages({
      messages: [{
        role: "user",
        content: [{ type: "image", source: { type: "file", file_id: "f" } }],
      }],
    }),
    "messages[0].content[0].source.type",
  ],
  [
    "a base64 image without media_type",
    messages({
      messages: [{
        role: "user",
        content: [{ type: "image", source: { type: "base64", data: "x" } }],
      }],
    }),
    "messages[0].content[0].source.media_type",
  ],
  [
    "a tool_result of an unknown block",
    messages({
      messages: [HI, ASKED, {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "document" }] }],
      }],
    }),
    "messages[2].content[0].content[0].type",
  ],
  [
    "a role other than user, assistant or system",
    messages({
      messages: [{ role: "tool", content: "x" }],
    }),
    "messages[0].role",
  ],
  [
    "a system message among the messages whose content is not text",
    messages({
      messages: [HI, { role: "system", content: [{ type: "image", source: PNG }] }],
    }),
    "messages[1].content[0]",
  ],
  [
    "a system block that is not text",
    messages({
      system: [{ type: "image", source: PNG }],
      messages: [HI],
    }),
    "system[0]",
  ],
  [
    "a server tool",
    messages({
      messages: [HI],
      tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 5 }],
    }),
    "tools[0].type",
  ],
  [
    "MCP servers",
    messages({
      messages: [HI],
      mcp_servers: [{ type: "url", url: "https://mcp.test", name: "x" }],
    }),
    "mcp_servers",
  ],
  [
    "an unknown tool_choice",
    messages({
      messages: [HI],
      tools: [WEATHER],
      tool_choice: { type: "maybe" },
    }),
    "tool_choice.type",
  ],
  [
    "stop_sequences that are not strings",
    messages({
      messages: [HI],
      stop_sequences: [1],
    }),
    "stop_sequences",
  ],
  [
    "content that is neither a string nor blocks",
    messages({
      messages: [{ role: "user", content: 7 }],
    }),
    "messages[0].content",
  ],
];

for (const [label, input, path] of BAD) {
  Deno.test(`messagesToChat(): refuses ${label}, naming ${path}`, () => {
    assertTranslationError(() => messagesToChat(input), path);
  });
}

/**
 * @module translate_request_round_trip_test
 * A conversation with every translated feature survives the trip to the
 * other family and back: what one translation writes, the other reads.
 */
import assert from "node:assert/strict";
import { chatToMessages } from "../../src/api_formats/translate/chat_request_to_messages.ts";
import type { Json } from "../../src/api_formats/translate/json.ts";
import { messagesToChat } from "../../src/api_formats/translate/messages_request_to_chat.ts";

const SCHEMA = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

Deno.test("A chat request survives the round trip through Messages", () => {
  const chat: Json = {
    model: "claude",
    messages: [
      { role: "system", content: "Be brief" },
      {
        role: "user",
        content: [
          { type: "text", text: "Weather here?" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
        ],
      },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          {
            id: "c1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          {
            id: "c2",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Rome"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "18°C" },
      { role: "tool", tool_call_id: "c2", content: "25°C" },
      { role: "user", content: "Thanks" },
    ],
    max_completion_tokens: 300,
    stop: ["END"],
    temperature: 0.5,
    top_p: 0.9,
    tools: [{
      type: "function",
      function: { name: "get_weather", description: "Now", parameters: SCHEMA },
    }],
    tool_choice: "required",
    parallel_tool_calls: false,
    user: "u-1",
  };
  const there = chatToMessages(chat, { defaultMaxTokens: 1024 });
  const back = messagesToChat(there.body as unknown as Json);
  assert.deepEqual(back.body, chat);
  assert.deepEqual([there.dropped, back.dropped], [[], []]);
});

Deno.test("A Messages request survives the round trip through chat", () => {
  const messages: Json = {
    model: "claude",
    max_tokens: 300,
    system: [{ type: "text", text: "Be brief" }],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "Weather here?" },
          { type: "image", source: { type: "url", url: "https://x.test/sky.png" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18°C" },
          { type: "text", text: "Thanks" },
        ],
      },
    ],
    stop_sequences: ["END"],
    temperature: 0.5,
    top_p: 0.9,
    stream: true,
    tools: [{ name: "get_weather", description: "Now", input_schema: SCHEMA }],
    tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    metadata: { user_id: "u-1" },
  };
  const there = messagesToChat(messages);
  const back = chatToMessages(there.body as unknown as Json, { defaultMaxTokens: 1024 });
  assert.deepEqual(back.body, messages);
  assert.deepEqual([there.dropped, back.dropped], [[], []]);
});

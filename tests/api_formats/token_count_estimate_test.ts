/**
 * @module token_count_estimate_test
 * The estimated `input_tokens` of a Messages request (token_count_estimate.ts):
 * four characters a token over the text a request carries, and a fixed
 * count per image.
 */
import assert from "node:assert/strict";
import {
  estimateInputTokens,
  IMAGE_TOKENS,
} from "../../src/api_formats/anthropic/token_count_estimate.ts";

const ROWS: [label: string, body: Record<string, unknown>, tokens: number][] = [
  ["nothing to count", { model: "x", messages: [] }, 0],
  ["a system string and a message string", {
    system: "a".repeat(8),
    messages: [{ role: "user", content: "b".repeat(8) }],
  }, 4],
  ["system text blocks", { system: [{ type: "text", text: "a".repeat(12) }], messages: [] }, 3],
  ["text, thinking, a tool_use's input, a tool_result's text", {
    messages: [
      { role: "user", content: [{ type: "text", text: "a".repeat(4) }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "b".repeat(4), signature: "sig".repeat(100) },
          { type: "tool_use", id: "t", name: "f", input: { q: 1 } },
        ],
      },
      {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "t",
          content: [{ type: "text", text: "c".repeat(4) }],
        }],
      },
    ],
  }, Math.ceil((4 + 4 + '{"q":1}'.length + 4) / 4)],
  ["an image counts its fixed tokens, not its base64", {
    messages: [{
      role: "user",
      content: [{
        type: "image",
        source: { type: "base64", media_type: "image/png", data: "x".repeat(10_000) },
      }],
    }],
  }, IMAGE_TOKENS],
  ["tools count as their JSON", { messages: [], tools: [{ name: "ab" }] }, 4],
];

for (const [label, body, tokens] of ROWS) {
  Deno.test(`estimateInputTokens(): ${label}`, () => {
    assert.equal(estimateInputTokens(body), tokens);
  });
}

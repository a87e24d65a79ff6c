/**
 * @module token_estimate_test
 * The estimate of tokens from text: four characters a token, the prompt's
 * strings, the generated text of each kind of stream event.
 */
import assert from "node:assert/strict";
import { outputChars, promptChars, tokensOfChars } from "../../src/pricing/token_estimate.ts";

Deno.test("tokensOfChars() is characters / 4, rounded up", () => {
  assert.deepEqual([0, 1, 4, 5, 400].map(tokensOfChars), [0, 1, 1, 2, 100]);
});

Deno.test("promptChars() counts every string but the model name and inline data: URLs", () => {
  const body = {
    model: "a-very-long-model-name",
    messages: [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAAAAAAAAAAAAAA" } },
        ],
      },
    ],
    tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    temperature: 0.2,
    stream: true,
  };
  const strings = ["system", "Be brief.", "user", "text", "What is this?", "image_url"];
  const tools = ["function", "f", "object"];
  const expected = [...strings, ...tools].reduce((n, s) => n + s.length, 0);
  assert.equal(promptChars(body), expected);
});

const EVENTS: [string, Record<string, unknown>, number][] = [
  ["a chat content delta", { choices: [{ index: 0, delta: { content: "Hello" } }] }, 5],
  ["a role-only chunk", { choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }, 0],
  ["reasoning content", { choices: [{ delta: { reasoning_content: "think", content: "x" } }] }, 6],
  [
    "tool-call arguments",
    {
      choices: [{
        delta: { tool_calls: [{ index: 0, function: { name: "f", arguments: '{"a":1}' } }] },
      }],
    },
    7,
  ],
  ["a completions chunk", { choices: [{ index: 0, text: "abc" }] }, 3],
  ["two choices", { choices: [{ delta: { content: "ab" } }, { delta: { content: "cd" } }] }, 4],
  ["a usage-only chunk", { choices: [], usage: { prompt_tokens: 1 } }, 0],
  ["a Responses API text delta", { type: "response.output_text.delta", delta: "Hi there" }, 8],
  ["a Responses API terminal event", { type: "response.completed", response: {} }, 0],
];

for (const [what, json, chars] of EVENTS) {
  Deno.test(`outputChars(): ${what} counts ${chars}`, () => {
    assert.equal(outputChars(json), chars);
  });
}

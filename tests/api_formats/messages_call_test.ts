/**
 * @module messages_call_test
 * What Sidecar reads of a Messages request before routing it, and what it
 * refuses in Anthropic's own words (messages_call.ts), a row per rule.
 */
import assert from "node:assert/strict";
import { messagesCallFields } from "../../src/api_formats/anthropic/messages_call.ts";
import type { Endpoint } from "../../src/api_formats/endpoint.ts";
import { BadRequestError } from "../../src/errors.ts";

const OK = { model: "claude-x", max_tokens: 10, messages: [] };

const REFUSED: [
  label: string,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  message: string,
][] = [
  ["no model", "/messages", { max_tokens: 10, messages: [] }, "model: Field required"],
  ["an empty model", "/messages", { ...OK, model: " " }, "model: Field required"],
  [
    "a model over 256 bytes",
    "/messages",
    { ...OK, model: "m".repeat(257) },
    "model: String should have at most 256 bytes",
  ],
  ["no messages", "/messages", { model: "x", max_tokens: 10 }, "messages: Field required"],
  [
    "messages an object",
    "/messages",
    { ...OK, messages: {} },
    "messages: Input should be a valid list",
  ],
  ["no max_tokens", "/messages", { model: "x", messages: [] }, "max_tokens: Field required"],
  [
    "max_tokens a string",
    "/messages",
    { ...OK, max_tokens: "10" },
    "max_tokens: Input should be a valid integer",
  ],
  [
    "max_tokens a fraction",
    "/messages",
    { ...OK, max_tokens: 1.5 },
    "max_tokens: Input should be a valid integer",
  ],
  [
    "max_tokens 0",
    "/messages",
    { ...OK, max_tokens: 0 },
    "max_tokens: Input should be greater than or equal to 1",
  ],
  [
    "stream a string",
    "/messages",
    { ...OK, stream: "true" },
    "stream: Input should be a valid boolean",
  ],
  [
    "count_tokens without messages",
    "/messages/count_tokens",
    { model: "x" },
    "messages: Field required",
  ],
];

for (const [label, endpoint, body, message] of REFUSED) {
  Deno.test(`messagesCallFields(): ${label} is refused: "${message}"`, () => {
    assert.throws(() => messagesCallFields(endpoint, body, new Headers()), (err) => {
      assert.ok(err instanceof BadRequestError);
      assert.equal(err.message, message);
      assert.equal(err.param, message.split(":")[0]);
      return true;
    });
  });
}

Deno.test("messagesCallFields(): count_tokens needs no max_tokens and never streams", () => {
  const fields = messagesCallFields(
    "/messages/count_tokens",
    { model: "x", messages: [] },
    new Headers(),
  );
  assert.deepEqual(fields, { model: "x", stream: false, clientWantsUsage: false, apiHeaders: {} });
});

Deno.test("messagesCallFields(): the model, stream, and the client's anthropic-version and anthropic-beta to pass on", () => {
  const headers = new Headers({
    "anthropic-version": "2026-10-21",
    "anthropic-beta": "a,b",
    "x-api-key": "sk-sc-client",
  });
  assert.deepEqual(messagesCallFields("/messages", { ...OK, stream: true }, headers), {
    model: "claude-x",
    stream: true,
    clientWantsUsage: false,
    apiHeaders: { "anthropic-version": "2026-10-21", "anthropic-beta": "a,b" },
  });
});

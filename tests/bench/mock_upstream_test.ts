/**
 * @module Tests of the bench mock's Messages endpoint, through its handler:
 * the message it answers (Anthropic's shape, the chat completion's text and
 * usage), the backend key it requires as `x-api-key`, and the served count.
 */
import assert from "node:assert/strict";
import {
  createMockHandler,
  MESSAGES_PATH,
  MOCK_API_KEY,
  SERVED_PATH,
} from "../../bench/mock_upstream.ts";
import { MESSAGES_BODY } from "../../bench/settings.ts";

const ORIGIN = "http://127.0.0.1:1";

function post(path: string, headers: Record<string, string>, body = MESSAGES_BODY): Request {
  return new Request(ORIGIN + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

async function served(handler: (req: Request) => Promise<Response>): Promise<number> {
  return (await (await handler(new Request(ORIGIN + SERVED_PATH))).json()).served;
}

Deno.test("the mock answers POST /v1/messages with a message carrying the chat completion's text and usage", async () => {
  const handler = createMockHandler();
  const res = await handler(post(MESSAGES_PATH, { "x-api-key": MOCK_API_KEY }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  const message = await res.json();
  assert.equal(message.type, "message");
  assert.equal(message.role, "assistant");
  assert.equal(message.stop_reason, "end_turn");
  assert.deepEqual(message.content, [
    { type: "text", text: "Hello from the benchmark mock upstream." },
  ]);
  assert.equal(message.usage.input_tokens, 12);
  assert.equal(message.usage.output_tokens, 8);
  const chat = await (await handler(
    post("/v1/chat/completions", { authorization: `Bearer ${MOCK_API_KEY}` }),
  )).json();
  assert.equal(chat.choices[0].message.content, message.content[0].text);
  assert.equal(chat.usage.prompt_tokens, message.usage.input_tokens);
  assert.equal(chat.usage.completion_tokens, message.usage.output_tokens);
  assert.equal(await served(handler), 2);
});

Deno.test("the mock's Messages endpoint refuses a missing or wrong x-api-key (a Bearer too) and bad JSON", async () => {
  const handler = createMockHandler();
  const refused: Record<string, string>[] = [
    {},
    { "x-api-key": "sk-other" },
    { authorization: `Bearer ${MOCK_API_KEY}` },
  ];
  for (const headers of refused) {
    const res = await handler(post(MESSAGES_PATH, headers));
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.equal((await res.json()).error.type, "authentication_error");
  }
  const bad = await handler(post(MESSAGES_PATH, { "x-api-key": MOCK_API_KEY }, "{"));
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).type, "error");
  assert.equal(await served(handler), 0);
});

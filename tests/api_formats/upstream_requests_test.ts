/**
 * @module upstream_requests_test
 * The request each API format builds for a backend (openai_request.ts,
 * anthropic_request.ts): the URL, the backend's key in its API's header,
 * the version headers, the body (the client's very bytes when nothing
 * changes it; re-serialised for `model_map`, the usage chunk, a prefill;
 * translated for the other family), row by row.
 */
import assert from "node:assert/strict";
import type { Prefill } from "../../src/api_formats/api_format.ts";
import type { Endpoint } from "../../src/api_formats/endpoint.ts";
import { formatOf } from "../../src/api_formats/formats.ts";
import { Translations } from "../../src/api_formats/translations.ts";
import { upstreamUrl } from "../../src/api_formats/upstream_url.ts";
import type { ApiFamily } from "../../src/engine/api_family.ts";
import type { LiveBackend } from "../../src/engine/registry.ts";
import type { ClientCall } from "../../src/proxy/upstream_request.ts";

const enc = new TextEncoder();

function call(
  api: ApiFamily,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  extra: Partial<ClientCall> = {},
): ClientCall {
  return {
    endpoint,
    api,
    body,
    raw: enc.encode(JSON.stringify(body)),
    model: String(body.model),
    stream: body.stream === true,
    clientWantsUsage: false,
    translations: new Translations(() => {}),
    ...extra,
  };
}

function backend(api: ApiFamily, extra: Partial<LiveBackend> = {}): LiveBackend {
  return {
    api,
    base_url: api === "openai" ? "https://api.example/v1" : "https://api.anthropic.example",
    api_key: "sk-backend-key-123456",
    model_map: {},
    ...extra,
  } as LiveBackend;
}

function build(c: ClientCall, b: LiveBackend, prefill?: Prefill) {
  const req = formatOf(b.api).upstream.request(c, b, new AbortController().signal, prefill);
  const headers = req.init.headers as Record<string, string>;
  const body = req.init.body;
  return { req, headers, body, json: typeof body === "string" ? JSON.parse(body) : undefined };
}

const CHAT = { model: "gpt-x", messages: [{ role: "user", content: "hi" }] };
const MESSAGES = { model: "claude-x", max_tokens: 9, messages: [{ role: "user", content: "hi" }] };

Deno.test("openai: a chat call goes up as the client's very bytes, to base + endpoint, with the backend's key as Bearer", () => {
  const c = call("openai", "/chat/completions", CHAT);
  const { req, headers, body } = build(c, backend("openai"));
  assert.equal(req.url, "https://api.example/v1/chat/completions");
  assert.equal(body, c.raw);
  assert.equal(headers.authorization, "Bearer sk-backend-key-123456");
  assert.equal(headers["x-api-key"], undefined);
  assert.equal(req.upstreamModel, "gpt-x");
});

Deno.test("openai: an empty key sends no Authorization; a base URL's query stays after the endpoint", () => {
  const b = backend("openai", {
    api_key: "",
    base_url: "https://x.example/openai/v1?api-version=1",
  });
  const { req, headers } = build(call("openai", "/embeddings", { model: "e", input: "a" }), b);
  assert.equal(req.url, "https://x.example/openai/v1/embeddings?api-version=1");
  assert.equal(headers.authorization, undefined);
});

Deno.test("openai: model_map and a chat stream's usage chunk re-serialise the body, nothing else changes", () => {
  const c = call("openai", "/chat/completions", { ...CHAT, stream: true, seed: 1 });
  const { json, req } = build(c, backend("openai", { model_map: { "gpt-x": "gpt-y" } }));
  assert.deepEqual(json, {
    ...CHAT,
    model: "gpt-y",
    stream: true,
    seed: 1,
    stream_options: { include_usage: true },
  });
  assert.equal(req.upstreamModel, "gpt-y");
});

Deno.test("openai: a prefill appends the delivered text as the assistant's; continue_final_message adds vLLM's flags", () => {
  const c = call("openai", "/chat/completions", CHAT);
  assert.deepEqual(build(c, backend("openai"), { text: "Par", mode: "prefill" }).json, {
    ...CHAT,
    messages: [...CHAT.messages, { role: "assistant", content: "Par" }],
  });
  assert.deepEqual(
    build(c, backend("openai"), { text: "Par", mode: "continue_final_message" }).json,
    {
      ...CHAT,
      messages: [...CHAT.messages, { role: "assistant", content: "Par" }],
      continue_final_message: true,
      add_generation_prompt: false,
    },
  );
});

Deno.test("openai: a Messages call goes to /chat/completions translated, its stream asking for the usage chunk", () => {
  const c = call("anthropic", "/messages", { ...MESSAGES, stream: true });
  const { req, json, headers } = build(c, backend("openai", { model_map: { "*": "gpt-z" } }));
  assert.equal(req.url, "https://api.example/v1/chat/completions");
  assert.equal(headers.authorization, "Bearer sk-backend-key-123456");
  assert.deepEqual(json, {
    model: "gpt-z",
    messages: [{ role: "user", content: "hi" }],
    max_completion_tokens: 9,
    stream: true,
    stream_options: { include_usage: true },
  });
});

Deno.test("anthropic: a Messages call goes up as the client's very bytes to /v1/messages with x-api-key and the client's version and betas", () => {
  const c = call("anthropic", "/messages", MESSAGES, {
    apiHeaders: { "anthropic-version": "2026-10-21", "anthropic-beta": "b1" },
  });
  const { req, headers, body } = build(c, backend("anthropic"));
  assert.equal(req.url, "https://api.anthropic.example/v1/messages");
  assert.equal(body, c.raw);
  assert.equal(headers["x-api-key"], "sk-backend-key-123456");
  assert.equal(headers.authorization, undefined);
  assert.equal(headers["anthropic-version"], "2026-10-21");
  assert.equal(headers["anthropic-beta"], "b1");
});

Deno.test("anthropic: without the client's version, 2023-06-01; count_tokens goes to its own path", () => {
  const c = call("anthropic", "/messages/count_tokens", { model: "claude-x", messages: [] });
  const { req, headers } = build(c, backend("anthropic"));
  assert.equal(req.url, "https://api.anthropic.example/v1/messages/count_tokens");
  assert.equal(headers["anthropic-version"], "2023-06-01");
});

Deno.test("anthropic: a chat call goes up translated, with Sidecar's version whatever the client sent", () => {
  const c = call("openai", "/chat/completions", { ...CHAT, max_tokens: 20 }, {
    apiHeaders: { "anthropic-version": "2026-10-21" },
  });
  const { json, headers } = build(c, backend("anthropic", { model_map: { "*": "claude-y" } }));
  assert.equal(headers["anthropic-version"], "2023-06-01");
  assert.deepEqual(json, {
    model: "claude-y",
    messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    max_tokens: 20,
  });
});

Deno.test("anthropic: a prefill is the delivered text as a final assistant message, without the whitespace the API refuses", () => {
  const upstream = formatOf("anthropic").upstream;
  const text = upstream.prefillText("The quick \n");
  assert.equal(text, "The quick");
  const c = call("anthropic", "/messages", MESSAGES);
  assert.deepEqual(build(c, backend("anthropic"), { text, mode: "prefill" }).json.messages, [
    ...MESSAGES.messages,
    { role: "assistant", content: "The quick" },
  ]);
  assert.equal(formatOf("openai").upstream.prefillText("The quick \n"), "The quick \n");
});

Deno.test("a body is translated once per request however many backends of that family are tried; what it drops is told once", () => {
  const told: string[][] = [];
  const c = call("anthropic", "/messages", { ...MESSAGES, top_k: 3 }, {
    translations: new Translations((dropped) => told.push([...dropped])),
  });
  const a = build(c, backend("openai")).json;
  const b = build(c, backend("openai", { base_url: "https://other.example/v1" })).json;
  assert.deepEqual(a, b);
  assert.deepEqual(told, [["top_k"]]);
});

const URLS: [base: string, path: string, url: string][] = [
  ["https://h/v1", "/chat/completions", "https://h/v1/chat/completions"],
  ["https://h", "/v1/messages", "https://h/v1/messages"],
  [
    "https://h/openai/v1?api-version=2",
    "/embeddings",
    "https://h/openai/v1/embeddings?api-version=2",
  ],
  ["https://h/v1#x", "/responses", "https://h/v1/responses#x"],
];

for (const [base, path, url] of URLS) {
  Deno.test(`upstreamUrl(${base}, ${path})`, () => assert.equal(upstreamUrl(base, path), url));
}

/**
 * @module call_backends_test
 * Which of a model's candidates can serve a call (call_backends.ts): by the
 * endpoint's table of APIs, and for the other family only when the call
 * translates, a row per case.
 */
import assert from "node:assert/strict";
import type { Endpoint } from "../../src/api_formats/endpoint.ts";
import { Translations } from "../../src/api_formats/translations.ts";
import type { ApiFamily } from "../../src/engine/api_family.ts";
import type { LiveBackend } from "../../src/engine/registry.ts";
import { callBackends } from "../../src/proxy/call_backends.ts";
import type { ClientCall } from "../../src/proxy/upstream_request.ts";

const CANDIDATES = [
  { id: "o1", api: "openai" },
  { id: "a1", api: "anthropic" },
  { id: "a2", api: "anthropic" },
] as LiveBackend[];

function call(api: ApiFamily, endpoint: Endpoint, body: Record<string, unknown>): ClientCall {
  return {
    endpoint,
    api,
    body,
    raw: new Uint8Array(),
    model: "m",
    stream: false,
    clientWantsUsage: false,
    translations: new Translations(() => {}),
  };
}

const CHAT = { model: "m", messages: [{ role: "user", content: "hi" }] };
const MESSAGES = { model: "m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] };

const ROWS: [label: string, c: ClientCall, excluded: string[], untranslatable?: string][] = [
  ["chat completions: both families serve", call("openai", "/chat/completions", CHAT), []],
  ["embeddings: only openai backends", call("openai", "/embeddings", { model: "m" }), ["a1", "a2"]],
  ["completions: only openai backends", call("openai", "/completions", { model: "m" }), [
    "a1",
    "a2",
  ]],
  ["responses: only openai backends", call("openai", "/responses", { model: "m" }), ["a1", "a2"]],
  ["messages: both families serve", call("anthropic", "/messages", MESSAGES), []],
  ["count_tokens: only anthropic backends", call("anthropic", "/messages/count_tokens", MESSAGES), [
    "o1",
  ]],
  [
    "a chat call that does not translate leaves out every anthropic backend",
    call("openai", "/chat/completions", { ...CHAT, n: 3 }),
    ["a1", "a2"],
    "n",
  ],
  [
    "a Messages call that does not translate leaves out the openai backends",
    call("anthropic", "/messages", {
      ...MESSAGES,
      messages: [{ role: "user", content: [{ type: "document" }] }],
    }),
    ["o1"],
    "messages[0].content[0].type",
  ],
];

for (const [label, c, excluded, untranslatable] of ROWS) {
  Deno.test(`callBackends(): ${label}`, () => {
    const out = callBackends(c, CANDIDATES);
    assert.deepEqual([...out.excluded].sort(), excluded);
    assert.equal(out.serving, CANDIDATES.length - excluded.length);
    assert.equal(out.untranslatable?.path, untranslatable);
  });
}

Deno.test("callBackends(): a translation is made once for all the other family's backends", () => {
  let told = 0;
  const c = call("anthropic", "/messages", { ...MESSAGES, top_k: 1 });
  c.translations = new Translations(() => told++);
  callBackends(c, CANDIDATES);
  const chat = c.translations.bodyFor("anthropic", "openai", c.body);
  assert.equal(told, 1);
  assert.equal(chat, c.translations.bodyFor("anthropic", "openai", c.body));
});

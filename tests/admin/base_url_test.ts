/**
 * @module base_url_test
 * normalizeBaseUrl(), the one rule for what a backend's base_url is stored
 * as, by api: a table of what operators type and what it becomes.
 */
import assert from "node:assert/strict";
import { normalizeBaseUrl } from "../../src/admin/base_url.ts";
import type { ApiFamily } from "../../src/engine/api_family.ts";

/** [api, given, stored, whether a note says it was changed]. */
const STORED: [ApiFamily, string, string, boolean][] = [
  ["openai", "https://api.openai.com/v1", "https://api.openai.com/v1", false],
  ["openai", "https://api.openai.com/v1/", "https://api.openai.com/v1", false],
  ["openai", "https://api.openai.com/v1///", "https://api.openai.com/v1", false],
  ["openai", "http://127.0.0.1:8000", "http://127.0.0.1:8000", false],
  ["openai", "https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1", false],
  // Anthropic's own OpenAI-compatible base is an openai backend's business.
  ["openai", "https://api.anthropic.com/v1/", "https://api.anthropic.com/v1", false],
  ["openai", "https://x.test/v1?api-version=2", "https://x.test/v1?api-version=2", false],
  ["anthropic", "https://api.anthropic.com", "https://api.anthropic.com", false],
  ["anthropic", "https://api.anthropic.com/", "https://api.anthropic.com", false],
  ["anthropic", "https://api.anthropic.com/v1", "https://api.anthropic.com", true],
  ["anthropic", "https://api.anthropic.com/v1/", "https://api.anthropic.com", true],
  ["anthropic", "https://api.anthropic.com/v1/messages", "https://api.anthropic.com", true],
  ["anthropic", "https://api.anthropic.com/v1/messages/", "https://api.anthropic.com", true],
  ["anthropic", "https://API.anthropic.com/V1/Messages", "https://API.anthropic.com", true],
  [
    "anthropic",
    "https://api.anthropic.com/v1/messages/count_tokens",
    "https://api.anthropic.com",
    true,
  ],
  ["anthropic", "https://gw.test/anthropic/v1/messages", "https://gw.test/anthropic", true],
  ["anthropic", "https://gw.test/anthropic", "https://gw.test/anthropic", false],
  ["anthropic", "https://gw.test/v1/messages?beta=1", "https://gw.test?beta=1", true],
  // A host named v1 is not a version.
  ["anthropic", "http://v1", "http://v1", false],
  ["anthropic", "http://v1/", "http://v1", false],
];

for (const [api, given, stored, noted] of STORED) {
  Deno.test(`normalizeBaseUrl(${api}, ${given}) stores ${stored}`, () => {
    const r = normalizeBaseUrl(api, given);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.base_url, stored);
    if (noted) {
      assert.ok(r.note !== null, "a note says it was changed");
      assert.ok(r.note.includes(`"${given}"`) && r.note.includes(`"${stored}"`), r.note);
      assert.match(r.note, /host root.*\/v1\/messages/);
    } else assert.equal(r.note, null);
  });
}

/** [api, given, what the message must say]. */
const REFUSED: [ApiFamily, string, RegExp][] = [
  [
    "openai",
    "https://api.openai.com/v1/chat/completions",
    /\/chat\/completions: give the API's base/,
  ],
  [
    "openai",
    "https://api.openai.com/v1/chat/completions/",
    /\/chat\/completions: give the API's base/,
  ],
  ["openai", "https://api.openai.com/v1/embeddings", /\/embeddings: give the API's base/],
  ["openai", "https://api.openai.com/v1/completions", /\/completions: give/],
  ["openai", "https://api.openai.com/v1/responses", /\/responses: give/],
  ["openai", "https://api.anthropic.com/v1/messages", /Messages endpoint: .*api to "anthropic"/],
  ["anthropic", "https://api.anthropic.com/v1/chat/completions", /OpenAI endpoint.*host root/],
];

for (const [api, given, says] of REFUSED) {
  Deno.test(`normalizeBaseUrl(${api}, ${given}) is refused with a message saying what to give`, () => {
    const r = normalizeBaseUrl(api, given);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.match(r.message, /^The base URL ends in /);
    assert.match(r.message, says);
  });
}

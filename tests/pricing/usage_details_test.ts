/**
 * @module usage_details_test
 * extractUsage() reads the token details that are priced apart, where each
 * provider puts them, as parts of the counts (never added to them).
 */
import assert from "node:assert/strict";
import { extractUsage } from "../../src/api_formats/openai/openai_usage.ts";

Deno.test("extractUsage(): chat usage with cached and reasoning details", () => {
  const usage = extractUsage({
    usage: {
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 30 },
    },
  });
  assert.deepEqual(usage, {
    prompt_tokens: 100,
    completion_tokens: 50,
    total_tokens: 150,
    cached_tokens: 64,
    reasoning_tokens: 30,
  });
});

Deno.test("extractUsage(): Responses API usage names the details input_/output_", () => {
  const usage = extractUsage({
    response: {
      usage: {
        input_tokens: 10,
        output_tokens: 20,
        total_tokens: 30,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens_details: { reasoning_tokens: 8 },
      },
    },
  });
  assert.equal(usage?.cached_tokens, 4);
  assert.equal(usage?.reasoning_tokens, 8);
});

Deno.test("extractUsage(): DeepSeek's prompt_cache_hit_tokens is the cached count", () => {
  const usage = extractUsage({
    usage: { prompt_tokens: 10, completion_tokens: 1, prompt_cache_hit_tokens: 6 },
  });
  assert.equal(usage?.cached_tokens, 6);
});

Deno.test("extractUsage(): no details reported, none invented", () => {
  const usage = extractUsage({ usage: { prompt_tokens: 3, completion_tokens: 4 } });
  assert.deepEqual(usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
});

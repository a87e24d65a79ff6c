/**
 * @module translate_usage_test
 * The two small tables the other translations lean on: token usage (the
 * prompt counted with or without cached tokens) and stop/finish reasons.
 */
import assert from "node:assert/strict";
import { finishReasonOf, stopOf } from "../../src/api_formats/translate/stop_reasons.ts";
import { chatUsageOf, messagesUsageOf } from "../../src/api_formats/translate/usage.ts";

const CHAT_USAGE: [label: string, anthropic: unknown, chat: unknown][] = [
  ["no cache: prompt_tokens is input_tokens", { input_tokens: 10, output_tokens: 5 }, {
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
    prompt_tokens_details: { cached_tokens: 0 },
  }],
  ["cache reads and writes are part of prompt_tokens; reads are cached_tokens", {
    input_tokens: 10,
    cache_creation_input_tokens: 200,
    cache_read_input_tokens: 1000,
    output_tokens: 5,
  }, {
    prompt_tokens: 1210,
    completion_tokens: 5,
    total_tokens: 1215,
    prompt_tokens_details: { cached_tokens: 1000 },
  }],
  ["null cache fields count as 0", {
    input_tokens: 3,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
    output_tokens: 1,
  }, {
    prompt_tokens: 3,
    completion_tokens: 1,
    total_tokens: 4,
    prompt_tokens_details: { cached_tokens: 0 },
  }],
  ["no usage is zeros", undefined, {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    prompt_tokens_details: { cached_tokens: 0 },
  }],
];

for (const [label, anthropic, chat] of CHAT_USAGE) {
  Deno.test(`chatUsageOf(): ${label}`, () => assert.deepEqual(chatUsageOf(anthropic), chat));
}

const MESSAGES_USAGE: [label: string, chat: unknown, anthropic: unknown][] = [
  ["no details: input_tokens is prompt_tokens, caches 0", {
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
  }, {
    input_tokens: 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 5,
  }],
  ["cached_tokens are cache reads, taken out of input_tokens", {
    prompt_tokens: 1034,
    completion_tokens: 12,
    total_tokens: 1046,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
  }, {
    input_tokens: 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 1024,
    output_tokens: 12,
  }],
  ["cached_tokens above prompt_tokens are capped (never a negative input)", {
    prompt_tokens: 5,
    completion_tokens: 1,
    prompt_tokens_details: { cached_tokens: 9 },
  }, {
    input_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 5,
    output_tokens: 1,
  }],
  ["no usage is zeros", null, {
    input_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 0,
  }],
];

for (const [label, chat, anthropic] of MESSAGES_USAGE) {
  Deno.test(`messagesUsageOf(): ${label}`, () =>
    assert.deepEqual(messagesUsageOf(chat), anthropic));
}

Deno.test("Usage keeps the whole prompt and the completion through both conversions", () => {
  const anthropic = {
    input_tokens: 7,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 900,
    output_tokens: 30,
  };
  assert.deepEqual(messagesUsageOf(chatUsageOf(anthropic)), anthropic);
});

const FINISH: [stopReason: unknown, finishReason: string][] = [
  ["end_turn", "stop"],
  ["stop_sequence", "stop"],
  ["pause_turn", "stop"],
  ["max_tokens", "length"],
  ["model_context_window_exceeded", "length"],
  ["tool_use", "tool_calls"],
  ["refusal", "content_filter"],
  [null, "stop"],
  ["something_new", "stop"],
];

for (const [stopReason, finishReason] of FINISH) {
  Deno.test(`finishReasonOf(${JSON.stringify(stopReason)}) is ${finishReason}`, () => {
    assert.equal(finishReasonOf(stopReason), finishReason);
  });
}

const STOP: [finishReason: unknown, matched: unknown, stop: unknown][] = [
  ["stop", undefined, { stop_reason: "end_turn", stop_sequence: null }],
  ["stop", "END", { stop_reason: "stop_sequence", stop_sequence: "END" }],
  ["stop", 128001, { stop_reason: "end_turn", stop_sequence: null }],
  ["length", undefined, { stop_reason: "max_tokens", stop_sequence: null }],
  ["tool_calls", undefined, { stop_reason: "tool_use", stop_sequence: null }],
  ["function_call", undefined, { stop_reason: "tool_use", stop_sequence: null }],
  ["content_filter", undefined, { stop_reason: "refusal", stop_sequence: null }],
  [null, undefined, { stop_reason: "end_turn", stop_sequence: null }],
];

for (const [finishReason, matched, stop] of STOP) {
  Deno.test(`stopOf(${JSON.stringify(finishReason)}, ${JSON.stringify(matched)})`, () => {
    assert.deepEqual(stopOf(finishReason, matched), stop);
  });
}

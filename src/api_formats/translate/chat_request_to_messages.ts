/**
 * @module chat_request_to_messages
 * An OpenAI chat completions request as an Anthropic Messages request, for a
 * backend whose `api` is `anthropic` (docs/anthropic.md, "What is translated").
 *
 * | chat field | Messages field |
 * | --- | --- |
 * | `system` and `developer` messages | `system` text blocks, in order (Anthropic has no system turn mid-conversation: they are all hoisted) |
 * | `user` content (string, `text` and `image_url` parts) | a user turn of `text` and `image` blocks |
 * | `assistant` content and `tool_calls` | an assistant turn of `text` and `tool_use` blocks (`arguments` parsed) |
 * | `tool` messages | `tool_result` blocks in a user turn; consecutive turns of one role are merged, as Anthropic alternates |
 * | `max_completion_tokens`, else `max_tokens` | `max_tokens` (the caller's default when neither is set: Anthropic requires it) |
 * | `stop` | `stop_sequences` |
 * | `temperature` (0 to 1 only: Anthropic's range), `top_p`, `stream` | the same |
 * | `tools`, `tool_choice`, `parallel_tool_calls` | `tools`, `tool_choice` (module tools) |
 * | `user` | `metadata.user_id` |
 *
 * Not translated:
 *
 * | field | what happens | why |
 * | --- | --- | --- |
 * | `n` other than 1 | refused | one answer where several were asked for |
 * | `logprobs: true`, `top_logprobs` | refused | Anthropic returns none |
 * | `response_format` other than `text` | refused | the answer would not be held to JSON |
 * | `logit_bias` (non-empty) | refused | token ids of another tokenizer; the bias would be lost |
 * | `modalities` with `audio`, `audio` | refused | no audio answer |
 * | `web_search_options` | refused | the answer would not search |
 * | `functions`, `function_call`, `function` messages | refused | legacy function calling: use `tools` |
 * | `input_audio` and `file` parts | refused | no content lost silently |
 * | `presence_penalty`, `frequency_penalty`, `seed`, `reasoning_effort`, `service_tier`, `store`, `metadata`, `prediction`, `safety_identifier`, `prompt_cache_key`, `verbosity`, any other field | dropped, named in `dropped` | sampling hints and bookkeeping: the answer keeps its meaning |
 * | `stream_options` | ignored | Anthropic streams always carry usage |
 * | message `name`, image `detail`, tool `strict` | ignored | no Anthropic counterpart; hints only |
 */
import type { MessagesRequest } from "./anthropic_shapes.ts";
import { turnsOf } from "./chat_conversation.ts";
import { isRecord, type Json } from "./json.ts";
import { toolChoiceToAnthropic, toolsToAnthropic } from "./tools.ts";
import type { Translated } from "./translated.ts";
import { TranslationError } from "./translation_error.ts";

/** How chatToMessages() fills what Anthropic requires and OpenAI does not. */
export interface ChatToMessagesOptions {
  /** `max_tokens` when the client set neither `max_tokens` nor `max_completion_tokens`. */
  defaultMaxTokens: number;
}

/** Top-level fields read by the translation below (the first table). */
const TRANSLATED = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "temperature",
  "top_p",
  "stream",
  "stream_options",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "user",
]);

/** Fields refused unless set to a value that asks for nothing (the second table). */
const REFUSED = new Map<string, { allows: (value: unknown) => boolean; why: string }>([
  ["n", { allows: (v) => v === 1, why: "Only one choice (n: 1) is translated" }],
  ["logprobs", { allows: (v) => v === false, why: "Anthropic returns no logprobs" }],
  ["top_logprobs", { allows: (v) => v === 0, why: "Anthropic returns no logprobs" }],
  ["response_format", {
    allows: (v) => isRecord(v) && v.type === "text",
    why: "Only the text response format is translated",
  }],
  ["logit_bias", {
    allows: (v) => isRecord(v) && Object.keys(v).length === 0,
    why: "A logit bias is not translated",
  }],
  ["modalities", {
    allows: (v) => Array.isArray(v) && v.every((m) => m === "text"),
    why: "Only text output is translated",
  }],
  ["audio", { allows: () => false, why: "Audio output is not translated" }],
  ["web_search_options", { allows: () => false, why: "Web search is not translated" }],
  ["functions", {
    allows: () => false,
    why: "Legacy function calling is not translated: use tools",
  }],
  ["function_call", {
    allows: () => false,
    why: "Legacy function calling is not translated: use tools",
  }],
]);

/** The Anthropic Messages request of an OpenAI chat completions request. */
export function chatToMessages(
  body: Json,
  opts: ChatToMessagesOptions,
): Translated<MessagesRequest> {
  const dropped: string[] = [];
  for (const key in body) {
    const value = body[key];
    if (value === undefined || value === null || TRANSLATED.has(key)) continue;
    const rule = REFUSED.get(key);
    if (rule === undefined) dropped.push(key);
    else if (!rule.allows(value)) throw new TranslationError(key, rule.why);
  }
  if (typeof body.model !== "string") throw new TranslationError("model", "Expected a string");
  const { system, messages } = turnsOf(body.messages);
  const out: MessagesRequest = { model: body.model, messages, max_tokens: maxTokens(body, opts) };
  if (system.length > 0) out.system = system;
  const stop = stopSequences(body.stop);
  if (stop) out.stop_sequences = stop;
  if (body.temperature !== undefined && body.temperature !== null) {
    out.temperature = temperature(body.temperature);
  }
  if (typeof body.top_p === "number") out.top_p = body.top_p;
  if (typeof body.stream === "boolean") out.stream = body.stream;
  // Anthropic refuses a tool_choice without tools; without tools it means nothing.
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    out.tools = toolsToAnthropic(body.tools);
    out.tool_choice = toolChoiceToAnthropic(body.tool_choice, body.parallel_tool_calls);
  }
  if (typeof body.user === "string") out.metadata = { user_id: body.user };
  return { body: out, dropped };
}

function maxTokens(body: Json, opts: ChatToMessagesOptions): number {
  const field = body.max_completion_tokens === undefined || body.max_completion_tokens === null
    ? "max_tokens"
    : "max_completion_tokens";
  const value = body[field];
  if (value === undefined || value === null) return opts.defaultMaxTokens;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TranslationError(field, "Expected a positive integer");
  }
  return value;
}

function temperature(value: unknown): number {
  if (typeof value !== "number" || value < 0 || value > 1) {
    throw new TranslationError("temperature", "Anthropic accepts a temperature from 0 to 1");
  }
  return value;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === "string") return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === "string")) return stop;
  throw new TranslationError("stop", "Expected a string or an array of strings");
}

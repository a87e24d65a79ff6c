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
import type {
  ContentBlock,
  ImageBlock,
  MessageParam,
  MessagesRequest,
  TextBlock,
  ToolResultBlock,
  ToolUseBlock,
} from "./anthropic_shapes.ts";
import { imageBlockOfUrl } from "./images.ts";
import { isRecord, type Json } from "./json.ts";
import { toolChoiceToAnthropic, toolInputOf, toolsToAnthropic } from "./tools.ts";
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
  const { system, messages } = conversation(body.messages);
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

function conversation(messages: unknown): { system: TextBlock[]; messages: MessageParam[] } {
  if (!Array.isArray(messages)) throw new TranslationError("messages", "Expected an array");
  const system: TextBlock[] = [];
  const turns: MessageParam[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isRecord(m)) throw new TranslationError(`messages[${i}]`, "Expected an object");
    switch (m.role) {
      case "system":
      case "developer":
        systemText(m.content, i, system);
        break;
      case "user":
        append(turns, "user", userContent(m.content, `messages[${i}].content`));
        break;
      case "assistant":
        append(turns, "assistant", assistantContent(m, i));
        break;
      case "tool":
        append(turns, "user", [toolResult(m, i)]);
        break;
      case "function":
        throw new TranslationError(
          `messages[${i}].role`,
          'Legacy "function" messages are not translated: use tools',
        );
      default:
        throw new TranslationError(`messages[${i}].role`, `Unknown role ${JSON.stringify(m.role)}`);
    }
  }
  return { system, messages: turns };
}

/** Adds blocks to the conversation, merged into the last turn when it has the same role. */
function append(turns: MessageParam[], role: MessageParam["role"], blocks: ContentBlock[]): void {
  const last = turns[turns.length - 1];
  if (last !== undefined && last.role === role) {
    for (const block of blocks) last.content.push(block);
  } else {
    turns.push({ role, content: blocks });
  }
}

function systemText(content: unknown, i: number, into: TextBlock[]): void {
  if (typeof content === "string") {
    // Anthropic refuses empty text blocks.
    if (content !== "") into.push({ type: "text", text: content });
    return;
  }
  if (!Array.isArray(content)) {
    throw new TranslationError(`messages[${i}].content`, "Expected a string or an array");
  }
  for (let j = 0; j < content.length; j++) {
    const part: unknown = content[j];
    if (!isRecord(part) || part.type !== "text" || typeof part.text !== "string") {
      throw new TranslationError(`messages[${i}].content[${j}]`, "Expected a text part");
    }
    if (part.text !== "") into.push({ type: "text", text: part.text });
  }
}

/** A user message's (or a tool result's) content as text and image blocks. */
function userContent(content: unknown, path: string): (TextBlock | ImageBlock)[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw new TranslationError(path, "Expected a string or an array");
  const blocks: (TextBlock | ImageBlock)[] = [];
  for (let j = 0; j < content.length; j++) {
    const part: unknown = content[j];
    if (!isRecord(part)) throw new TranslationError(`${path}[${j}]`, "Expected an object");
    if (part.type === "text") {
      if (typeof part.text !== "string") {
        throw new TranslationError(`${path}[${j}].text`, "Expected a string");
      }
      blocks.push({ type: "text", text: part.text });
    } else if (part.type === "image_url") {
      const image = part.image_url;
      blocks.push(
        imageBlockOfUrl(isRecord(image) ? image.url : image, `${path}[${j}].image_url.url`),
      );
    } else {
      throw new TranslationError(
        `${path}[${j}].type`,
        `Content part type ${JSON.stringify(part.type)} is not translated (text and image_url are)`,
      );
    }
  }
  return blocks;
}

function assistantContent(m: Json, i: number): ContentBlock[] {
  if (m.function_call !== undefined && m.function_call !== null) {
    throw new TranslationError(
      `messages[${i}].function_call`,
      "Legacy function calling is not translated: use tools",
    );
  }
  const blocks: ContentBlock[] = [];
  const { content } = m;
  // Clients send "" or null beside tool_calls; Anthropic refuses empty text blocks.
  if (typeof content === "string") {
    if (content !== "") blocks.push({ type: "text", text: content });
  } else if (Array.isArray(content)) {
    for (let j = 0; j < content.length; j++) {
      const part: unknown = content[j];
      const text = isRecord(part)
        ? part.type === "text" ? part.text : part.type === "refusal" ? part.refusal : undefined
        : undefined;
      if (typeof text !== "string") {
        throw new TranslationError(
          `messages[${i}].content[${j}]`,
          "Expected a text or refusal part",
        );
      }
      if (text !== "") blocks.push({ type: "text", text });
    }
  } else if (content !== undefined && content !== null) {
    throw new TranslationError(`messages[${i}].content`, "Expected a string, an array or null");
  }
  if (m.tool_calls !== undefined && m.tool_calls !== null) {
    if (!Array.isArray(m.tool_calls)) {
      throw new TranslationError(`messages[${i}].tool_calls`, "Expected an array");
    }
    for (let k = 0; k < m.tool_calls.length; k++) blocks.push(toolUse(m.tool_calls[k], i, k));
  }
  return blocks;
}

function toolUse(call: unknown, i: number, k: number): ToolUseBlock {
  const path = `messages[${i}].tool_calls[${k}]`;
  if (!isRecord(call) || !isRecord(call.function)) {
    throw new TranslationError(path, "Expected a function tool call");
  }
  if (typeof call.id !== "string") throw new TranslationError(`${path}.id`, "Expected a string");
  const fn = call.function;
  if (typeof fn.name !== "string") {
    throw new TranslationError(`${path}.function.name`, "Expected a string");
  }
  return {
    type: "tool_use",
    id: call.id,
    name: fn.name,
    input: toolInputOf(fn.arguments, `${path}.function.arguments`, "request"),
  };
}

function toolResult(m: Json, i: number): ToolResultBlock {
  if (typeof m.tool_call_id !== "string") {
    throw new TranslationError(`messages[${i}].tool_call_id`, "Expected a string");
  }
  const content = typeof m.content === "string"
    ? m.content
    : userContent(m.content, `messages[${i}].content`);
  return { type: "tool_result", tool_use_id: m.tool_call_id, content };
}

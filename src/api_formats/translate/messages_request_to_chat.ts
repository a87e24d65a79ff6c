/**
 * @module messages_request_to_chat
 * An Anthropic Messages request as an OpenAI chat completions request, for a
 * backend whose `api` is `openai` (docs/anthropic.md, "What is translated").
 *
 * | Messages field | chat field |
 * | --- | --- |
 * | `system` (a string, or text blocks joined with a blank line) | a first `system` message (one string: the form every OpenAI-compatible server takes) |
 * | a `system` message among `messages` (the SDKs' SystemMessageParam) | a `system` message in its place, its text blocks joined |
 * | user `text` and `image` blocks (base64 and url) | a `user` message: a string for one text block, else `text` and `image_url` parts |
 * | user `tool_result` blocks | `tool` messages, before the turn's other content (OpenAI wants them right after the tool calls); an image in a result goes to that user message, as tool messages carry text only |
 * | assistant `text` and `tool_use` blocks | an `assistant` message: the text joined, `tool_calls` with `arguments` as JSON |
 * | `max_tokens` | `max_completion_tokens` (OpenAI's reasoning models refuse `max_tokens`) |
 * | `stop_sequences` | `stop` |
 * | `temperature`, `top_p` | the same |
 * | `stream` | `stream`, with `stream_options.include_usage` (a Messages stream always ends with its usage) |
 * | `tools`, `tool_choice` (`disable_parallel_tool_use`) | `tools`, `tool_choice`, `parallel_tool_calls` (module tools) |
 * | `metadata.user_id` | `user` |
 *
 * Not translated:
 *
 * | field | what happens | why |
 * | --- | --- | --- |
 * | `thinking`, assistant `thinking` and `redacted_thinking` blocks | dropped, named in `dropped` | the backend answers without extended thinking; the answer keeps its meaning |
 * | tool_result `is_error` | dropped, named in `dropped` | OpenAI has no such flag; the result's text still says what failed |
 * | `top_k`, `service_tier`, `container`, `context_management`, any other field | dropped, named in `dropped` | sampling hints and bookkeeping |
 * | `cache_control` on any block or tool, text `citations` | ignored | OpenAI caches prompts on its own |
 * | server tools (`web_search_…`, `bash_…`, …), `mcp_servers` | refused | the answer would not use them |
 * | `document` blocks, images by `file_id`, any other block type | refused, naming the block's path | no content lost silently |
 * | a `tool_result` whose `tool_use_id` matches no earlier `tool_use` | refused | OpenAI refuses a tool message without its call |
 */
import type { ChatRequest } from "./chat_shapes.ts";
import { isRecord, type Json } from "./json.ts";
import { chatMessagesOf } from "./messages_conversation.ts";
import { toolChoiceToChat, toolsToChat } from "./tools.ts";
import type { Translated } from "./translated.ts";
import { TranslationError } from "./translation_error.ts";

/** Top-level fields read by the translation below (the first table). */
const TRANSLATED = new Set([
  "model",
  "messages",
  "system",
  "max_tokens",
  "stop_sequences",
  "temperature",
  "top_p",
  "stream",
  "tools",
  "tool_choice",
  "metadata",
]);

/** The OpenAI chat completions request of an Anthropic Messages request. */
export function messagesToChat(body: Json): Translated<ChatRequest> {
  const dropped = new Set<string>();
  for (const key in body) {
    const value = body[key];
    if (value === undefined || value === null || TRANSLATED.has(key)) continue;
    if (key === "mcp_servers" && Array.isArray(value) && value.length > 0) {
      throw new TranslationError(key, "MCP servers are not translated");
    }
    dropped.add(key);
  }
  if (typeof body.model !== "string") throw new TranslationError("model", "Expected a string");
  const messages = chatMessagesOf(body.system, body.messages, dropped);
  const out: ChatRequest = { model: body.model, messages };
  if (typeof body.max_tokens === "number") out.max_completion_tokens = body.max_tokens;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) {
    if (!body.stop_sequences.every((s) => typeof s === "string")) {
      throw new TranslationError("stop_sequences", "Expected an array of strings");
    }
    out.stop = body.stop_sequences;
  }
  if (typeof body.temperature === "number") out.temperature = body.temperature;
  if (typeof body.top_p === "number") out.top_p = body.top_p;
  if (body.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    out.tools = toolsToChat(body.tools);
    if (body.tool_choice !== undefined) Object.assign(out, toolChoiceToChat(body.tool_choice));
  }
  if (isRecord(body.metadata) && typeof body.metadata.user_id === "string") {
    out.user = body.metadata.user_id;
  }
  return { body: out, dropped: [...dropped] };
}

/**
 * @module messages_request_to_chat
 * An Anthropic Messages request as an OpenAI chat completions request, for a
 * backend whose `api` is `openai` (docs/anthropic.md, "What is translated").
 *
 * | Messages field | chat field |
 * | --- | --- |
 * | `system` (a string, or text blocks joined with a blank line) | a first `system` message (one string: the form every OpenAI-compatible server takes) |
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
import type { ChatContentPart, ChatMessage, ChatRequest, ChatToolCall } from "./chat_shapes.ts";
import { imageUrlOfSource } from "./images.ts";
import { isRecord, type Json } from "./json.ts";
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

const SYSTEM_SEPARATOR = "\n\n";

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
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== "") messages.push({ role: "system", content: system });
  conversation(body.messages, messages, dropped);
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

function systemText(system: unknown): string {
  if (system === undefined || system === null) return "";
  if (typeof system === "string") return system;
  if (!Array.isArray(system)) throw new TranslationError("system", "Expected a string or an array");
  let text = "";
  for (let j = 0; j < system.length; j++) {
    const block: unknown = system[j];
    if (!isRecord(block) || block.type !== "text" || typeof block.text !== "string") {
      throw new TranslationError(`system[${j}]`, "Expected a text block");
    }
    text = text === "" ? block.text : text + SYSTEM_SEPARATOR + block.text;
  }
  return text;
}

function conversation(messages: unknown, out: ChatMessage[], dropped: Set<string>): void {
  if (!Array.isArray(messages)) throw new TranslationError("messages", "Expected an array");
  // A tool_result must answer a tool_use of an earlier assistant turn.
  const toolUseIds = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isRecord(m)) throw new TranslationError(`messages[${i}]`, "Expected an object");
    if (m.role !== "user" && m.role !== "assistant") {
      throw new TranslationError(`messages[${i}].role`, 'Expected "user" or "assistant"');
    }
    if (typeof m.content === "string") {
      out.push({ role: m.role, content: m.content });
    } else if (!Array.isArray(m.content)) {
      throw new TranslationError(`messages[${i}].content`, "Expected a string or an array");
    } else if (m.role === "user") {
      userTurn(m.content, i, out, toolUseIds, dropped);
    } else {
      out.push(assistantTurn(m.content, i, toolUseIds, dropped));
    }
  }
}

function userTurn(
  blocks: unknown[],
  i: number,
  out: ChatMessage[],
  toolUseIds: Set<string>,
  dropped: Set<string>,
): void {
  const parts: ChatContentPart[] = [];
  for (let j = 0; j < blocks.length; j++) {
    const block = blockAt(blocks, i, j);
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: textOf(block, i, j) });
        break;
      case "image":
        parts.push(imagePart(block.source, `messages[${i}].content[${j}].source`));
        break;
      case "tool_result":
        out.push(toolMessage(block, i, j, parts, toolUseIds, dropped));
        break;
      default:
        throw untranslated(block, "user", i, j);
    }
  }
  if (parts.length === 0) return;
  const only = parts[0];
  out.push({
    role: "user",
    content: parts.length === 1 && only?.type === "text" ? only.text : parts,
  });
}

/** A tool_result as a tool message; its images join the user message that follows. */
function toolMessage(
  block: Json,
  i: number,
  j: number,
  images: ChatContentPart[],
  toolUseIds: Set<string>,
  dropped: Set<string>,
): ChatMessage {
  const path = `messages[${i}].content[${j}]`;
  const id = block.tool_use_id;
  if (typeof id !== "string" || !toolUseIds.has(id)) {
    throw new TranslationError(`${path}.tool_use_id`, "Expected the id of an earlier tool_use");
  }
  if (block.is_error === true) dropped.add("messages[].content[].is_error");
  const { content } = block;
  if (content === undefined || typeof content === "string") {
    return { role: "tool", tool_call_id: id, content: content ?? "" };
  }
  if (!Array.isArray(content)) {
    throw new TranslationError(`${path}.content`, "Expected a string or an array");
  }
  let text = "";
  for (let k = 0; k < content.length; k++) {
    const inner: unknown = content[k];
    const at = `${path}.content[${k}]`;
    if (isRecord(inner) && inner.type === "text" && typeof inner.text === "string") {
      text = text === "" ? inner.text : text + SYSTEM_SEPARATOR + inner.text;
    } else if (isRecord(inner) && inner.type === "image") {
      images.push(imagePart(inner.source, `${at}.source`));
    } else {
      throw new TranslationError(`${at}.type`, "Expected a text or image block");
    }
  }
  return { role: "tool", tool_call_id: id, content: text };
}

function assistantTurn(
  blocks: unknown[],
  i: number,
  toolUseIds: Set<string>,
  dropped: Set<string>,
): ChatMessage {
  // Blocks of one answer are contiguous output (a citation splits text into several): joined as they are.
  let text = "";
  const calls: ChatToolCall[] = [];
  for (let j = 0; j < blocks.length; j++) {
    const block = blockAt(blocks, i, j);
    switch (block.type) {
      case "text":
        text += textOf(block, i, j);
        break;
      case "tool_use": {
        const path = `messages[${i}].content[${j}]`;
        if (typeof block.id !== "string") {
          throw new TranslationError(`${path}.id`, "Expected a string");
        }
        if (typeof block.name !== "string") {
          throw new TranslationError(`${path}.name`, "Expected a string");
        }
        toolUseIds.add(block.id);
        calls.push({
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      }
      case "thinking":
      case "redacted_thinking":
        dropped.add(`messages[].content[].${block.type}`);
        break;
      default:
        throw untranslated(block, "assistant", i, j);
    }
  }
  if (calls.length === 0) return { role: "assistant", content: text };
  return { role: "assistant", content: text === "" ? null : text, tool_calls: calls };
}

function blockAt(blocks: unknown[], i: number, j: number): Json {
  const block: unknown = blocks[j];
  if (!isRecord(block)) {
    throw new TranslationError(`messages[${i}].content[${j}]`, "Expected a block");
  }
  return block;
}

function textOf(block: Json, i: number, j: number): string {
  if (typeof block.text !== "string") {
    throw new TranslationError(`messages[${i}].content[${j}].text`, "Expected a string");
  }
  return block.text;
}

function imagePart(source: unknown, path: string): ChatContentPart {
  return { type: "image_url", image_url: { url: imageUrlOfSource(source, path) } };
}

function untranslated(block: Json, role: string, i: number, j: number): TranslationError {
  return new TranslationError(
    `messages[${i}].content[${j}].type`,
    `Block type ${JSON.stringify(block.type)} in a ${role} message is not translated`,
  );
}

/**
 * @module chat_conversation
 * An OpenAI chat conversation (`messages`) as Anthropic's `system` and
 * turns: system and developer messages hoisted into `system`, user content
 * as text and image blocks, assistant tool calls as `tool_use` blocks, tool
 * messages as `tool_result` blocks in a user turn, and consecutive turns of
 * one role merged, as Anthropic alternates user and assistant. The rules
 * are the first table of module chat_request_to_messages.
 */
import type {
  ContentBlock,
  ImageBlock,
  MessageParam,
  TextBlock,
  ToolResultBlock,
  ToolUseBlock,
} from "./anthropic_shapes.ts";
import { imageBlockOfUrl } from "./images.ts";
import { isRecord, type Json } from "./json.ts";
import { toolInputOf } from "./tools.ts";
import { TranslationError } from "./translation_error.ts";

/** Anthropic's `system` blocks and turns of a chat request's `messages`. */
export function turnsOf(
  messages: unknown,
): { system: TextBlock[]; messages: MessageParam[] } {
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

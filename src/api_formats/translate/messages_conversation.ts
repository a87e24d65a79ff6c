/**
 * @module messages_conversation
 * An Anthropic conversation (`system` and `messages`) as OpenAI chat
 * messages: `system` as one first system message, a system message among
 * the messages (the SDKs' SystemMessageParam) as a system message in its
 * place, user blocks as content parts, `tool_result` blocks as tool
 * messages placed before the rest of their turn, assistant `tool_use`
 * blocks as `tool_calls`, thinking blocks dropped. The rules are the tables
 * of module messages_request_to_chat.
 */
import type { ChatContentPart, ChatMessage, ChatToolCall } from "./chat_shapes.ts";
import { imageUrlOfSource } from "./images.ts";
import { isRecord, type Json } from "./json.ts";
import { TranslationError } from "./translation_error.ts";

/** Joins separate blocks of instructions or of a tool's output. */
const SEPARATOR = "\n\n";

/** The chat messages of an Anthropic `system` and `messages`; what is dropped is added to `dropped`. */
export function chatMessagesOf(
  system: unknown,
  messages: unknown,
  dropped: Set<string>,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  const text = systemText(system, "system");
  if (text !== "") out.push({ role: "system", content: text });
  conversation(messages, out, dropped);
  return out;
}

/** The text of system instructions at `path` (a string, or text blocks joined). */
function systemText(system: unknown, path: string): string {
  if (system === undefined || system === null) return "";
  if (typeof system === "string") return system;
  if (!Array.isArray(system)) throw new TranslationError(path, "Expected a string or an array");
  let text = "";
  for (let j = 0; j < system.length; j++) {
    const block: unknown = system[j];
    if (!isRecord(block) || block.type !== "text" || typeof block.text !== "string") {
      throw new TranslationError(`${path}[${j}]`, "Expected a text block");
    }
    text = text === "" ? block.text : text + SEPARATOR + block.text;
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
    if (m.role === "system") {
      const text = systemText(m.content, `messages[${i}].content`);
      if (text !== "") out.push({ role: "system", content: text });
      continue;
    }
    if (m.role !== "user" && m.role !== "assistant") {
      throw new TranslationError(
        `messages[${i}].role`,
        'Expected "user", "assistant" or "system"',
      );
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
      text = text === "" ? inner.text : text + SEPARATOR + inner.text;
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

/**
 * @module messages_response_to_chat
 * An Anthropic Messages answer as an OpenAI chat completion, for an OpenAI
 * client served by an `anthropic` backend.
 *
 * Text blocks are joined as they are (one answer's text, split only by
 * citations or tool calls); `tool_use` blocks become `tool_calls` with the
 * input as a JSON string; `thinking` becomes `reasoning_content` (the field
 * DeepSeek and vLLM use; clients that do not know it ignore it);
 * `redacted_thinking` and server-tool blocks, which the translated request
 * cannot ask for, are left out. Stop reasons: module stop_reasons; usage:
 * module usage. `stop_sequence` has no OpenAI field: it is `stop`.
 */
import type { ChatAssistantMessage, ChatCompletion, ChatToolCall } from "./chat_shapes.ts";
import { isRecord, type Json } from "./json.ts";
import { finishReasonOf } from "./stop_reasons.ts";
import { TranslationError } from "./translation_error.ts";
import { chatUsageOf } from "./usage.ts";

/** What the chat completion is called: `id`, `created` (Unix seconds) and `model` are the caller's. */
export interface ChatIdentity {
  id: string;
  created: number;
  model: string;
}

/** The OpenAI chat completion of an Anthropic message. */
export function messagesResponseToChat(msg: Json, identity: ChatIdentity): ChatCompletion {
  if (!Array.isArray(msg.content)) {
    throw new TranslationError("content", "Expected an array", "response");
  }
  let text = "";
  let reasoning = "";
  const calls: ChatToolCall[] = [];
  for (const block of msg.content as unknown[]) {
    if (!isRecord(block)) continue;
    if (block.type === "text" && typeof block.text === "string") {
      text += block.text;
    } else if (block.type === "tool_use") {
      calls.push({
        id: String(block.id),
        type: "function",
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      });
    } else if (block.type === "thinking" && typeof block.thinking === "string") {
      reasoning += block.thinking;
    }
  }
  // OpenAI's content is null beside tool calls when there is no text.
  const message: ChatAssistantMessage = {
    role: "assistant",
    content: text === "" && calls.length > 0 ? null : text,
    refusal: null,
  };
  if (calls.length > 0) message.tool_calls = calls;
  if (reasoning !== "") message.reasoning_content = reasoning;
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [{
      index: 0,
      message,
      logprobs: null,
      finish_reason: finishReasonOf(msg.stop_reason),
    }],
    usage: chatUsageOf(msg.usage),
  };
}

/**
 * @module chat_response_to_messages
 * An OpenAI chat completion as an Anthropic message, for an Anthropic client
 * served by an `openai` backend.
 *
 * The first choice (an Anthropic client cannot ask for more): its content
 * becomes a text block, its `refusal` a text block with `stop_reason:
 * "refusal"`, its `tool_calls` `tool_use` blocks with `arguments` parsed (an
 * upstream's arguments that are not a JSON object make a TranslationError of
 * the response: no tool call is passed on half-read). `reasoning_content` is
 * left out: an Anthropic thinking block needs a signature no OpenAI backend
 * makes. Stop reasons: module stop_reasons; usage: module usage.
 */
import type { Message, TextBlock, ToolUseBlock } from "./anthropic_shapes.ts";
import { isRecord, type Json } from "./json.ts";
import { stopOf } from "./stop_reasons.ts";
import { toolInputOf } from "./tools.ts";
import { TranslationError } from "./translation_error.ts";
import { messagesUsageOf } from "./usage.ts";

/** What the message is called: `id` and `model` are the caller's. */
export interface MessageIdentity {
  id: string;
  model: string;
}

/** The Anthropic message of an OpenAI chat completion. */
export function chatResponseToMessages(chat: Json, identity: MessageIdentity): Message {
  const choice: unknown = Array.isArray(chat.choices) ? chat.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.message)) {
    throw new TranslationError("choices[0].message", "Expected an object", "response");
  }
  const { message } = choice;
  const content: (TextBlock | ToolUseBlock)[] = [];
  if (typeof message.content === "string" && message.content !== "") {
    content.push({ type: "text", text: message.content });
  }
  const refused = typeof message.refusal === "string" && message.refusal !== "";
  if (refused) content.push({ type: "text", text: message.refusal as string });
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call: unknown, k) => content.push(toolUse(call, k)));
  }
  const stop = refused
    ? { stop_reason: "refusal" as const, stop_sequence: null }
    : stopOf(choice.finish_reason, choice.stop_reason);
  return {
    id: identity.id,
    type: "message",
    role: "assistant",
    model: identity.model,
    content,
    ...stop,
    usage: messagesUsageOf(chat.usage),
  };
}

function toolUse(call: unknown, k: number): ToolUseBlock {
  const path = `choices[0].message.tool_calls[${k}]`;
  if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== "string") {
    throw new TranslationError(path, "Expected a function tool call", "response");
  }
  return {
    type: "tool_use",
    id: String(call.id),
    name: call.function.name,
    input: toolInputOf(call.function.arguments, `${path}.function.arguments`, "response"),
  };
}

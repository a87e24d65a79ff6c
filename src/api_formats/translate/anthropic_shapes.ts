/**
 * @module anthropic_shapes
 * Anthropic's Messages API as far as Sidecar translates it: the bodies and
 * stream events the translation writes.
 * https://docs.claude.com/en/api/messages, https://docs.claude.com/en/docs/build-with-claude/streaming
 */
import type { Json } from "./json.ts";

export interface TextBlock {
  type: "text";
  text: string;
}

export type ImageSource =
  | { type: "base64"; media_type: string; data: string }
  | { type: "url"; url: string };

export interface ImageBlock {
  type: "image";
  source: ImageSource;
}

export interface ToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Json;
}

export interface ToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content: string | (TextBlock | ImageBlock)[];
}

export type ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock;

export interface MessageParam {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export interface Tool {
  name: string;
  description?: string;
  input_schema: unknown;
}

export type ToolChoice =
  | { type: "auto" | "any"; disable_parallel_tool_use?: true }
  | { type: "tool"; name: string; disable_parallel_tool_use?: true }
  | { type: "none" };

/** A `POST /v1/messages` body. */
export interface MessagesRequest {
  model: string;
  messages: MessageParam[];
  max_tokens: number;
  system?: TextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  stream?: boolean;
  tools?: Tool[];
  tool_choice?: ToolChoice;
  metadata?: { user_id: string };
}

export type StopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal";

/**
 * Token counts. `input_tokens` excludes the cached ones: the whole prompt is
 * `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`.
 */
export interface MessagesUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** A non-streamed answer. */
export interface Message {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: (TextBlock | ToolUseBlock)[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: MessagesUsage;
}

/** Anthropic's error body, and the data of a stream's `error` event. */
export type AnthropicErrorBody = {
  type: "error";
  error: { type: string; message: string };
};

/** One SSE event of a Messages stream: its `event:` name and its parsed `data:`. */
export interface StreamEvent {
  event: string;
  data: Json;
}

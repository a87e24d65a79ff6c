/**
 * @module chat_shapes
 * OpenAI's chat completions API as far as Sidecar translates it: the bodies
 * and stream chunks the translation writes.
 * https://platform.openai.com/docs/api-reference/chat
 */

export interface ChatTextPart {
  type: "text";
  text: string;
}

export interface ChatImagePart {
  type: "image_url";
  image_url: { url: string };
}

export type ChatContentPart = ChatTextPart | ChatImagePart;

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | ChatContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters: unknown };
}

export type ChatToolChoice =
  | "auto"
  | "none"
  | "required"
  | { type: "function"; function: { name: string } };

/** A `POST /v1/chat/completions` body. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  stream?: boolean;
  stream_options?: { include_usage: true };
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: false;
  user?: string;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/** Token counts. `prompt_tokens` includes the cached ones (`cached_tokens`). */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export interface ChatAssistantMessage {
  role: "assistant";
  content: string | null;
  refusal: null;
  tool_calls?: ChatToolCall[];
  /** The de-facto field (DeepSeek, vLLM) for a model's reasoning; ignored by clients that do not know it. */
  reasoning_content?: string;
}

/** A non-streamed answer. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: ChatAssistantMessage;
      logprobs: null;
      finish_reason: FinishReason;
    },
  ];
  usage: ChatUsage;
}

/** What one chunk's delta carries. */
export interface ChatDelta {
  role?: "assistant";
  content?: string;
  reasoning_content?: string;
  tool_calls?: {
    index: number;
    id?: string;
    type?: "function";
    function: { name?: string; arguments: string };
  }[];
}

/** A `chat.completion.chunk`: a delta, a finish, or (with `choices: []`) the usage. */
export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: { index: 0; delta: ChatDelta; logprobs: null; finish_reason: FinishReason | null }[];
  usage?: ChatUsage;
}

/** OpenAI's error body, and the data of a stream's in-band error event. */
export interface ChatErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

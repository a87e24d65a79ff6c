/**
 * @module messages_stream_to_chat
 * An Anthropic Messages stream as a chat completions stream, event by event,
 * for an OpenAI client served by an `anthropic` backend. The SSE framing is
 * src/proxy/sse.ts's: events come in parsed, chunks go out as objects, and
 * the caller writes `data: [DONE]` after the last.
 * https://docs.claude.com/en/docs/build-with-claude/streaming
 *
 * | Anthropic event | chat chunk |
 * | --- | --- |
 * | `message_start` | the opening chunk: `delta: {role: "assistant", content: ""}` |
 * | `content_block_delta` `text_delta` | `delta.content` |
 * | `content_block_start` `tool_use` | `delta.tool_calls[n]` with `id`, `function.name`, `arguments: ""` (`n` counts tool blocks) |
 * | `content_block_delta` `input_json_delta` | `delta.tool_calls[n].function.arguments` |
 * | `content_block_delta` `thinking_delta` | `delta.reasoning_content` |
 * | `message_delta` | the finish chunk: `finish_reason` (module stop_reasons) |
 * | `message_stop` | the usage chunk (`choices: []`) when `includeUsage` |
 * | `error` | an in-band error chunk `{"error": {...}}` (module api_errors) |
 * | `ping`, `content_block_stop`, `signature_delta`, `citations_delta`, other blocks, unknown events | nothing |
 *
 * Usage is the `message_start`'s, updated by each `message_delta` (whose
 * counts are cumulative), converted by module usage. A stream that ends
 * after its `message_delta` but without `message_stop` is complete (end()
 * sends the usage chunk); one that ends before is `cut`, and end() sends
 * nothing: the caller reports it, never a normal-looking end.
 */
import type { ChatChunk, ChatDelta, ChatErrorBody, FinishReason } from "./chat_shapes.ts";
import { anthropicStreamErrorToChat } from "./api_errors.ts";
import type { StreamEvent } from "./anthropic_shapes.ts";
import { isRecord, type Json } from "./json.ts";
import type { ChatIdentity } from "./messages_response_to_chat.ts";
import { finishReasonOf } from "./stop_reasons.ts";
import { chatUsageOf } from "./usage.ts";

/** How a translated stream ended (`streaming` until it has). */
export type StreamOutcome = "streaming" | "complete" | "cut" | "error";

/** What the chunks are called, and whether the client asked for the usage chunk. */
export interface MessagesStreamToChatOptions extends ChatIdentity {
  /** Send the usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
}

/** What a chunk can be: a delta or finish, or an in-band error. */
export type ChatStreamData = ChatChunk | ChatErrorBody;

const USAGE_FIELDS = [
  "input_tokens",
  "cache_creation_input_tokens",
  "cache_read_input_tokens",
  "output_tokens",
] as const;

/** Translates one Anthropic stream; one instance per upstream stream. */
export class MessagesStreamToChat {
  readonly #opts: MessagesStreamToChatOptions;
  #outcome: StreamOutcome = "streaming";
  #finished = false;
  /** Anthropic block index → the chat tool call index of a tool_use block. */
  #toolCalls = new Map<number, number>();
  #usage: Json = {};

  constructor(opts: MessagesStreamToChatOptions) {
    this.#opts = opts;
  }

  /** How the stream ended: `complete` once `message_stop` (or, at end(), `message_delta`) was seen. */
  get outcome(): StreamOutcome {
    return this.#outcome;
  }

  /** The chunks one upstream event becomes (often none). */
  push(ev: StreamEvent): ChatStreamData[] {
    if (this.#outcome !== "streaming") return [];
    const data = ev.data;
    const type = typeof data.type === "string" ? data.type : ev.event;
    switch (type) {
      case "message_start": {
        const message = isRecord(data.message) ? data.message : {};
        if (isRecord(message.usage)) this.#addUsage(message.usage);
        return [this.#chunk({ role: "assistant", content: "" }, null)];
      }
      case "content_block_start":
        return this.#blockStart(data);
      case "content_block_delta":
        return this.#blockDelta(data);
      case "message_delta": {
        if (isRecord(data.usage)) this.#addUsage(data.usage);
        const delta = isRecord(data.delta) ? data.delta : {};
        this.#finished = true;
        return [this.#chunk({}, finishReasonOf(delta.stop_reason))];
      }
      case "message_stop":
        return this.#finish();
      case "error":
        this.#outcome = "error";
        return [anthropicStreamErrorToChat(data)];
      default:
        return [];
    }
  }

  /** The upstream stream ended: the last chunks of a complete stream; none of a cut one. */
  end(): ChatStreamData[] {
    if (this.#outcome !== "streaming") return [];
    if (!this.#finished) {
      this.#outcome = "cut";
      return [];
    }
    return this.#finish();
  }

  #blockStart(data: Json): ChatStreamData[] {
    const block = isRecord(data.content_block) ? data.content_block : {};
    if (block.type === "tool_use" && typeof data.index === "number") {
      const index = this.#toolCalls.size;
      this.#toolCalls.set(data.index, index);
      return [this.#chunk({
        tool_calls: [{
          index,
          id: String(block.id),
          type: "function",
          function: { name: String(block.name), arguments: "" },
        }],
      }, null)];
    }
    // A block may start with text of its own (Anthropic's start with "").
    if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
      return [this.#chunk({ content: block.text }, null)];
    }
    return [];
  }

  #blockDelta(data: Json): ChatStreamData[] {
    const delta = isRecord(data.delta) ? data.delta : {};
    switch (delta.type) {
      case "text_delta":
        return typeof delta.text === "string" ? [this.#chunk({ content: delta.text }, null)] : [];
      case "input_json_delta": {
        const index = typeof data.index === "number" ? this.#toolCalls.get(data.index) : undefined;
        const json = delta.partial_json;
        if (index === undefined || typeof json !== "string" || json === "") return [];
        return [this.#chunk({ tool_calls: [{ index, function: { arguments: json } }] }, null)];
      }
      case "thinking_delta":
        return typeof delta.thinking === "string"
          ? [this.#chunk({ reasoning_content: delta.thinking }, null)]
          : [];
      default:
        return [];
    }
  }

  #finish(): ChatStreamData[] {
    const out: ChatStreamData[] = [];
    // A message_stop with no message_delta before it still finishes the choice.
    if (!this.#finished) out.push(this.#chunk({}, "stop"));
    this.#finished = true;
    this.#outcome = "complete";
    if (this.#opts.includeUsage) {
      const { id, created, model } = this.#opts;
      out.push({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [],
        usage: chatUsageOf(this.#usage),
      });
    }
    return out;
  }

  /** Counts present in `usage` replace the ones before (message_delta's are cumulative). */
  #addUsage(usage: Json): void {
    for (const field of USAGE_FIELDS) {
      if (typeof usage[field] === "number") this.#usage[field] = usage[field];
    }
  }

  #chunk(delta: ChatDelta, finishReason: FinishReason | null): ChatChunk {
    const { id, created, model } = this.#opts;
    return {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
  }
}

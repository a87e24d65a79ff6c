/**
 * @module chat_stream_to_messages
 * A chat completions stream as an Anthropic Messages stream, chunk by chunk,
 * for an Anthropic client served by an `openai` backend. The SSE framing is
 * src/proxy/sse.ts's: chunks come in parsed (the caller calls end() at
 * `[DONE]` or at the end of the body), events go out as name and data.
 * https://docs.claude.com/en/docs/build-with-claude/streaming
 *
 * | chat chunk | Anthropic events |
 * | --- | --- |
 * | the first chunk | `message_start` (usage zero: OpenAI counts come last) |
 * | `delta.content`, `delta.refusal` | a text block: `content_block_start`, then a `text_delta` per chunk |
 * | `delta.tool_calls[n]` first seen | the open block's `content_block_stop`, a `tool_use` block's `content_block_start` (`id`, `name`, `input: {}`) |
 * | `delta.tool_calls[n].function.arguments` | `input_json_delta` on call n's block |
 * | `finish_reason` | the open block's `content_block_stop` |
 * | the usage chunk (or the end, after a `finish_reason`) | `message_delta` (`stop_reason`, `stop_sequence`, usage by module usage), `message_stop` |
 * | an in-band error `{"error": {...}}` | an `error` event (module api_errors) |
 * | `delta.reasoning_content` | nothing: a thinking block needs a signature |
 *
 * One block is open at a time, as Anthropic streams them. OpenAI sends
 * parallel tool calls one after another; a server that interleaves them
 * gets the later arguments on the earlier call's block index after its
 * stop, which the Anthropic SDKs accumulate by index. A stream that ends
 * before any `finish_reason` is `cut`: end() sends nothing, and the caller
 * reports it, never a normal-looking end.
 */
import type { StreamEvent } from "./anthropic_shapes.ts";
import { chatStreamErrorToAnthropic } from "./api_errors.ts";
import type { MessageIdentity } from "./chat_response_to_messages.ts";
import { isRecord, type Json } from "./json.ts";
import type { StreamOutcome } from "./messages_stream_to_chat.ts";
import { type Stop, stopOf } from "./stop_reasons.ts";
import { messagesUsageOf } from "./usage.ts";

/** Translates one chat stream; one instance per upstream stream. */
export class ChatStreamToMessages {
  readonly #opts: MessageIdentity;
  #outcome: StreamOutcome = "streaming";
  #started = false;
  /** The Anthropic index of the open block, and what it is. */
  #open: { index: number; kind: "text" | "tool_use" } | undefined;
  #blocks = 0;
  /** A tool call's `index` (or, from servers that send none, its `id`) → its block's index. */
  #toolBlocks = new Map<unknown, number>();
  #lastToolKey: unknown;
  #refused = false;
  #stop: Stop | undefined;
  #usage: Json | undefined;

  constructor(opts: MessageIdentity) {
    this.#opts = opts;
  }

  /** How the stream ended: `complete` once a `finish_reason` was seen and the usage (or the end). */
  get outcome(): StreamOutcome {
    return this.#outcome;
  }

  /** The events one upstream chunk becomes (often one, sometimes none). */
  push(chunk: Json): StreamEvent[] {
    if (this.#outcome !== "streaming") return [];
    if (chunk.error !== undefined && chunk.error !== null) {
      this.#outcome = "error";
      return [chatStreamErrorToAnthropic(chunk)];
    }
    const out: StreamEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push(this.#messageStart());
    }
    if (isRecord(chunk.usage)) this.#usage = chunk.usage;
    const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isRecord(choice) && this.#stop === undefined) {
      const delta = choice.delta;
      if (isRecord(delta)) {
        if (typeof delta.content === "string" && delta.content !== "") {
          this.#text(delta.content, out);
        }
        if (typeof delta.refusal === "string" && delta.refusal !== "") {
          this.#refused = true;
          this.#text(delta.refusal, out);
        }
        if (Array.isArray(delta.tool_calls)) {
          for (const call of delta.tool_calls) this.#toolCall(call, out);
        }
      }
      if (choice.finish_reason) {
        this.#close(out);
        this.#stop = this.#refused
          ? { stop_reason: "refusal", stop_sequence: null }
          : stopOf(choice.finish_reason, choice.stop_reason);
      }
    }
    if (this.#stop !== undefined && this.#usage !== undefined) this.#finish(out);
    return out;
  }

  /** The upstream stream ended: the last events of a finished stream; none of a cut one. */
  end(): StreamEvent[] {
    if (this.#outcome !== "streaming") return [];
    if (this.#stop === undefined) {
      this.#outcome = "cut";
      return [];
    }
    const out: StreamEvent[] = [];
    this.#finish(out);
    return out;
  }

  #messageStart(): StreamEvent {
    const { id, model } = this.#opts;
    return event("message_start", {
      message: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: messagesUsageOf(undefined),
      },
    });
  }

  #text(text: string, out: StreamEvent[]): void {
    if (this.#open?.kind !== "text") {
      const index = this.#startBlock("text", out);
      out.push(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
    }
    out.push(event("content_block_delta", {
      index: this.#open?.index,
      delta: { type: "text_delta", text },
    }));
  }

  #toolCall(call: unknown, out: StreamEvent[]): void {
    if (!isRecord(call)) return;
    const fn = isRecord(call.function) ? call.function : {};
    const key = typeof call.index === "number"
      ? call.index
      : typeof call.id === "string"
      ? call.id
      : this.#lastToolKey;
    this.#lastToolKey = key;
    let index = this.#toolBlocks.get(key);
    if (index === undefined) {
      index = this.#startBlock("tool_use", out);
      this.#toolBlocks.set(key, index);
      out.push(event("content_block_start", {
        index,
        content_block: {
          type: "tool_use",
          // An id is required; a server that sends none gets one unique in this message.
          id: typeof call.id === "string" ? call.id : `${this.#opts.id}_${index}`,
          name: typeof fn.name === "string" ? fn.name : "",
          input: {},
        },
      }));
    }
    if (typeof fn.arguments === "string" && fn.arguments !== "") {
      out.push(event("content_block_delta", {
        index,
        delta: { type: "input_json_delta", partial_json: fn.arguments },
      }));
    }
  }

  /** Closes the open block and opens the next one; returns its index. */
  #startBlock(kind: "text" | "tool_use", out: StreamEvent[]): number {
    this.#close(out);
    const index = this.#blocks++;
    this.#open = { index, kind };
    return index;
  }

  #close(out: StreamEvent[]): void {
    if (this.#open === undefined) return;
    out.push(event("content_block_stop", { index: this.#open.index }));
    this.#open = undefined;
  }

  #finish(out: StreamEvent[]): void {
    this.#outcome = "complete";
    out.push(event("message_delta", {
      delta: this.#stop,
      usage: messagesUsageOf(this.#usage),
    }));
    out.push(event("message_stop", {}));
  }
}

/** An Anthropic stream event: its data carries its name as `type`, as Anthropic's do. */
function event(name: string, fields: Json): StreamEvent {
  return { event: name, data: { type: name, ...fields } };
}

/**
 * @module messages_answer
 * What a client has received of a streamed Messages answer, as far as
 * resuming it needs to know (stream_answer.ts): the text of its text
 * blocks, whether it is still text only (no tool use, no thinking), and
 * where its blocks stand, so a continuation's events carry on the same
 * message: its `message_start` dropped, its first text block merged into
 * the block the break left open (or numbered after the client's last), its
 * usage the sum of both calls.
 * https://docs.claude.com/en/docs/build-with-claude/streaming
 */
import { skipRepeated, type StreamAnswer } from "../stream_answer.ts";
import { isRecord, type Json } from "../translate/json.ts";
import { messagesUsageOf } from "../translate/usage.ts";
import type { Usage } from "../usage.ts";

/** A Messages stream's answer as relayed so far. */
export class MessagesAnswer implements StreamAnswer {
  #text = "";
  #resumable = true;
  /** The client's index of the open block, when it is a text block. */
  #openText: number | undefined;
  /** Blocks the client has seen started. */
  #blocks = 0;
  /** A continuation's block index plus this is the client's. */
  #offset = 0;
  /** The continuation's first text block carries on the client's open one. */
  #merge = false;
  #skip = "";

  get delivered(): string {
    return this.#text;
  }

  get resumable(): boolean {
    return this.#resumable;
  }

  observe(json: Json): void {
    const index = typeof json.index === "number" ? json.index : undefined;
    switch (json.type) {
      case "content_block_start": {
        const block = isRecord(json.content_block) ? json.content_block : {};
        if (index === undefined || block.type !== "text") {
          this.#resumable = false;
          this.#openText = undefined;
          return;
        }
        this.#openText = index;
        this.#blocks = Math.max(this.#blocks, index + 1);
        if (typeof block.text === "string") this.#text += block.text;
        return;
      }
      case "content_block_delta": {
        const delta = isRecord(json.delta) ? json.delta : {};
        if (delta.type === "text_delta" && typeof delta.text === "string") this.#text += delta.text;
        else this.#resumable = false;
        return;
      }
      case "content_block_stop":
        if (index === this.#openText) this.#openText = undefined;
        return;
    }
  }

  continuing(skip: string): void {
    this.#skip = skip;
    this.#merge = this.#openText !== undefined;
    this.#offset = this.#openText ?? this.#blocks;
  }

  /** `null` for the continuation's `message_start`, and for the start of the block it merges. */
  rewrite(json: Json, usage: Usage | undefined): Json | null {
    switch (json.type) {
      case "message_start":
        return null;
      case "content_block_start": {
        const block = isRecord(json.content_block) ? json.content_block : {};
        const merged = this.#merge && json.index === 0 && block.type === "text";
        this.#merge = false;
        if (merged) return null;
        return this.#moved(json);
      }
      case "content_block_delta":
        return this.#skipIn(this.#moved(json));
      case "content_block_stop":
        return this.#moved(json);
      case "message_delta":
        // The client's usage counts every call.
        if (!usage || !isRecord(json.usage)) return json;
        return { ...json, usage: { ...json.usage, ...messagesUsageOf(chatCounts(usage)) } };
      default:
        return json;
    }
  }

  #moved(json: Json): Json {
    return typeof json.index === "number" ? { ...json, index: json.index + this.#offset } : json;
  }

  /** Takes the delivered whitespace the continuation repeats out of its first text. */
  #skipIn(json: Json): Json {
    if (this.#skip === "" || !isRecord(json.delta) || json.delta.type !== "text_delta") return json;
    const { text } = json.delta;
    if (typeof text !== "string" || text === "") return json;
    const left = skipRepeated(text, this.#skip);
    this.#skip = left.skip;
    return { ...json, delta: { ...json.delta, text: left.text } };
  }
}

/** Sidecar's usage in the chat shape translate/usage.ts converts from. */
function chatCounts(u: Usage): Json {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0 },
  };
}

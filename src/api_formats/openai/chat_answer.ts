/**
 * @module chat_answer
 * What a client has received of a streamed chat answer, as far as resuming
 * it needs to know (stream_answer.ts): the text delivered, whether the
 * stream is still a single plain text choice, and the first stream's
 * identity, which a continuation's chunks are given so the client's SDK
 * assembles one message.
 */
import { skipRepeated, type StreamAnswer } from "../stream_answer.ts";
import { isRecord, type Json } from "../translate/json.ts";
import type { Usage } from "../usage.ts";

/** A chat stream's answer as relayed so far. */
export class ChatAnswer implements StreamAnswer {
  #identity: { id: unknown; created: unknown; model: unknown } | undefined;
  #text = "";
  #resumable = true;
  /** A continuation is being relayed and its opening (role-only) chunk not yet seen. */
  #opening = false;
  #skip = "";

  get delivered(): string {
    return this.#text;
  }

  /** Still one choice of plain text: no tool calls, no logprobs, no second choice. */
  get resumable(): boolean {
    return this.#resumable;
  }

  observe(json: Json): void {
    this.#identity ??= { id: json.id, created: json.created, model: json.model };
    const choices = json.choices;
    if (!Array.isArray(choices) || choices.length === 0) return;
    const choice = choices[0];
    if (choices.length > 1 || !isRecord(choice) || (choice.index ?? 0) !== 0) {
      this.#resumable = false;
      return;
    }
    if (choice.logprobs !== undefined && choice.logprobs !== null) this.#resumable = false;
    const delta = choice.delta;
    if (!isRecord(delta)) return;
    if (delta.tool_calls !== undefined || delta.function_call !== undefined) {
      this.#resumable = false;
    }
    if (typeof delta.content === "string") this.#text += delta.content;
  }

  continuing(skip: string): void {
    this.#opening = true;
    this.#skip = skip;
  }

  /**
   * The first stream's `id`, `created` and `model`; `null` for the
   * continuation's role-only opening chunk, which would start a second
   * message in the client's SDK.
   */
  rewrite(json: Json, usage: Usage | undefined): Json | null {
    if (this.#opening && isOpening(json)) {
      this.#opening = false;
      return null;
    }
    if (Array.isArray(json.choices) && json.choices.length > 0) this.#opening = false;
    const identity = this.#identity;
    const out = identity === undefined ? json : { ...json, ...identity };
    if (this.#skip !== "") this.#skipIn(out);
    // The client's usage counts every call; the upstream's details stay its own.
    if (usage && isRecord(out.usage)) out.usage = { ...out.usage, ...counts(usage) };
    return out;
  }

  /** Takes the delivered whitespace the continuation repeats out of its first text. */
  #skipIn(json: Json): void {
    const choice: unknown = Array.isArray(json.choices) ? json.choices[0] : undefined;
    if (!isRecord(choice) || !isRecord(choice.delta)) return;
    const { content } = choice.delta;
    if (typeof content !== "string" || content === "") return;
    const left = skipRepeated(content, this.#skip);
    this.#skip = left.skip;
    json.choices = [{ ...choice, delta: { ...choice.delta, content: left.text } }];
  }
}

/** A chunk that only opens the assistant's message: a role, no text, not finished. */
function isOpening(json: Json): boolean {
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isRecord(choice) || choice.finish_reason) return false;
  const delta = choice.delta;
  return isRecord(delta) && typeof delta.role === "string" &&
    (delta.content === undefined || delta.content === null || delta.content === "") &&
    delta.tool_calls === undefined;
}

/** The three counts a client's usage object carries. */
function counts(u: Usage): Pick<Usage, "prompt_tokens" | "completion_tokens" | "total_tokens"> {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.total_tokens,
  };
}

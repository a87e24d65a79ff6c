/**
 * @module chat_answer
 * What a client has received of a streamed chat answer, as far as resuming
 * it needs to know (docs/streaming.md, "Resuming a broken stream"): the text
 * delivered, whether the stream is still a single plain text choice, and the
 * first stream's identity, which a continuation's chunks are given so the
 * client's SDK assembles one message.
 */

type Json = Record<string, unknown>;

/** A chat stream's answer as relayed so far. */
export class ChatAnswer {
  #identity: { id: unknown; created: unknown; model: unknown } | undefined;
  #text = "";
  #resumable = true;
  /** A continuation is being relayed and its opening (role-only) chunk not yet seen. */
  #opening = false;

  /** The text of the answer the client has received. */
  get delivered(): string {
    return this.#text;
  }

  /** Still one choice of plain text: no tool calls, no logprobs, no second choice. */
  get resumable(): boolean {
    return this.#resumable;
  }

  /** Notes a chunk the client is sent (an original one, or a rewritten continuation's). */
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

  /** A continuation starts: its chunks are rewritten from now on. */
  continuing(): void {
    this.#opening = true;
  }

  /**
   * A continuation's chunk as the client must see it: the first stream's
   * `id`, `created` and `model`; `null` for its role-only opening chunk,
   * which would start a second message in the client's SDK.
   */
  rewrite(json: Json): Json | null {
    if (this.#opening && isOpening(json)) {
      this.#opening = false;
      return null;
    }
    if (Array.isArray(json.choices) && json.choices.length > 0) this.#opening = false;
    const identity = this.#identity;
    return identity === undefined ? json : { ...json, ...identity };
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

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

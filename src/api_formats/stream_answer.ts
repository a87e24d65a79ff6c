/**
 * @module stream_answer
 * What a client has received of a streamed answer, in its own API's events,
 * as far as resuming a broken stream needs to know (docs/streaming.md,
 * "Resuming a broken stream"): each client API that can be resumed has one
 * (chat_answer.ts, messages_answer.ts).
 */
import type { Json } from "./translate/json.ts";
import type { Usage } from "./usage.ts";

/** A streamed answer as relayed to its client so far. */
export interface StreamAnswer {
  /** The text of the answer the client has received. */
  readonly delivered: string;
  /** Still text only, one answer: what a continuation can finish as one message. */
  readonly resumable: boolean;
  /** Notes an event the client is sent (an original one, or a rewritten continuation's). */
  observe(json: Json): void;
  /**
   * A continuation starts: its events are rewritten from now on. `skip` is
   * the end of the delivered text its prefill left out (whitespace an API
   * refuses there), which the continuation's text may repeat.
   */
  continuing(skip: string): void;
  /**
   * A continuation's event as the client must see it, so its SDK assembles
   * one message: the first stream's identity, the usage of every call so
   * far (`usage`) where the event reports usage; null for an event that
   * would start a second message.
   */
  rewrite(json: Json, usage: Usage | undefined): Json | null;
}

/** `text` without the part of `skip` it starts with; and what is left of `skip` to look for. */
export function skipRepeated(text: string, skip: string): { text: string; skip: string } {
  let i = 0;
  while (i < skip.length && i < text.length && text[i] === skip[i]) i++;
  // Once the continuation's own text starts, nothing more is skipped.
  return { text: text.slice(i), skip: i === text.length ? skip.slice(i) : "" };
}

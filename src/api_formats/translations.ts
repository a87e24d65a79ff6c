/**
 * @module translations
 * A request's body as a backend of the other API family takes it, made once
 * per request however many backends of that family are tried, with what was
 * dropped on the way told once (docs/anthropic.md, "What is translated").
 */
import type { ApiFamily } from "../engine/api_family.ts";
import { chatToMessages } from "./translate/chat_request_to_messages.ts";
import type { Json } from "./translate/json.ts";
import { messagesToChat } from "./translate/messages_request_to_chat.ts";
import type { Translated } from "./translate/translated.ts";

/**
 * `max_tokens` of a chat request that sets neither it nor
 * `max_completion_tokens`, sent to an `anthropic` backend, which requires
 * one: the most every Claude model can produce (Claude 3 Haiku's limit).
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** Told what a translation dropped, and for which family. */
export type DroppedListener = (dropped: readonly string[], to: ApiFamily) => void;

/** The translated bodies of one request. */
export class Translations {
  readonly #bodies = new Map<ApiFamily, Json>();

  constructor(private readonly onDropped: DroppedListener) {}

  /**
   * `body`, a request of a client of `from`, as a backend of `to` takes it
   * (`body` itself when they are the same). Throws a TranslationError
   * naming the field that cannot be translated.
   */
  bodyFor(from: ApiFamily, to: ApiFamily, body: Json): Json {
    if (from === to) return body;
    const made = this.#bodies.get(to);
    if (made) return made;
    const t: Translated<object> = to === "anthropic"
      ? chatToMessages(body, { defaultMaxTokens: DEFAULT_MAX_TOKENS })
      : messagesToChat(body);
    const translated = t.body as Json;
    this.#bodies.set(to, translated);
    if (t.dropped.length > 0) this.onDropped(t.dropped, to);
    return translated;
  }
}

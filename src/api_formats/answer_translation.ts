/**
 * @module answer_translation
 * An upstream's answer for a client of the other API family: a whole
 * answer, an error body, and a stream's events (translate/ does the
 * translating; this picks the direction and names the answer).
 */
import type { ApiFamily } from "../engine/api_family.ts";
import { anthropicErrorToOpenAi, openAiErrorToAnthropic } from "./translate/api_errors.ts";
import { chatResponseToMessages } from "./translate/chat_response_to_messages.ts";
import { ChatStreamToMessages } from "./translate/chat_stream_to_messages.ts";
import type { Json } from "./translate/json.ts";
import { messagesResponseToChat } from "./translate/messages_response_to_chat.ts";
import { MessagesStreamToChat, type StreamOutcome } from "./translate/messages_stream_to_chat.ts";

/** Rewrites one upstream stream's events into its client's API. */
export interface StreamTranslator {
  /** The client's events of one upstream event (often one, sometimes none). */
  push(json: Json): Json[];
  /** The upstream stream ended: the client's last events of a finished stream, none of a cut one. */
  end(): Json[];
  /** `complete` once the translation has seen a whole answer. */
  readonly outcome: StreamOutcome;
}

/** What a translated answer is called: an id of the client's API's form, a time, the model. */
export interface AnswerIdentity {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

/** The identity of an answer to request `requestId` for a client of `to`, from `model` at `nowMs`. */
export function answerIdentity(
  to: ApiFamily,
  requestId: string,
  nowMs: number,
  model: string,
): AnswerIdentity {
  // Sidecar's request id (req_…) carried in the form each API's ids take.
  const suffix = requestId.replace(/^req_/, "");
  return {
    id: to === "anthropic" ? `msg_${suffix}` : `chatcmpl-${suffix}`,
    created: Math.floor(nowMs / 1000),
    model,
  };
}

/** A whole answer of the other family for a client of `to`; a TranslationError (502) when it cannot be carried. */
export function translateAnswer(to: ApiFamily, json: Json, identity: AnswerIdentity): Json {
  return to === "anthropic"
    ? chatResponseToMessages(json, identity) as unknown as Json
    : messagesResponseToChat(json, identity) as unknown as Json;
}

/** An error body of the other family (parsed, or undefined when it was not JSON) for a client of `to`. */
export function translateErrorBody(to: ApiFamily, status: number, body: unknown): Json {
  return to === "anthropic"
    ? openAiErrorToAnthropic(status, body).body
    : anthropicErrorToOpenAi(status, body).body as unknown as Json;
}

/** A translator of one upstream stream of the other family for a client of `to`. */
export function streamTranslator(
  to: ApiFamily,
  identity: AnswerIdentity,
  includeUsage: boolean,
): StreamTranslator {
  if (to === "anthropic") {
    const t = new ChatStreamToMessages(identity);
    return {
      push: (json) => t.push(json).map((ev) => ev.data),
      end: () => t.end().map((ev) => ev.data),
      get outcome() {
        return t.outcome;
      },
    };
  }
  const t = new MessagesStreamToChat({ ...identity, includeUsage });
  return {
    push: (json) => t.push({ event: String(json.type), data: json }) as unknown as Json[],
    end: () => t.end() as unknown as Json[],
    get outcome() {
      return t.outcome;
    },
  };
}

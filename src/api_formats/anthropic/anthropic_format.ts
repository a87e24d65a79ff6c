/**
 * @module anthropic_format
 * Anthropic's Messages API on both sides of the seam (api_format.ts): its
 * clients (the Anthropic SDKs, Claude Code) get Anthropic's error shape and
 * named events; its backends get `x-api-key` and `anthropic-version`, and
 * are read by anthropic_events.ts and anthropic_usage.ts.
 * https://docs.claude.com/en/api/messages
 */
import { encodeSseEvent } from "../../proxy/sse.ts";
import type { ApiFormat } from "../api_format.ts";
import {
  anthropicErrorOf,
  anthropicErrorResponse,
  anthropicStreamError,
} from "./anthropic_error.ts";
import { anthropicEventReader } from "./anthropic_events.ts";
import { anthropicRequest } from "./anthropic_request.ts";
import { anthropicUsage } from "./anthropic_usage.ts";
import { MessagesAnswer } from "./messages_answer.ts";
import { messagesCallFields } from "./messages_call.ts";

/** The last event of every Messages stream. Shared: do not mutate. */
const MESSAGE_STOP = encodeSseEvent("message_stop", { type: "message_stop" });

/** The Anthropic family. */
export const ANTHROPIC: ApiFormat = {
  api: "anthropic",
  client: {
    parse: messagesCallFields,
    errorResponse: anthropicErrorResponse,
    streamError: anthropicStreamError,
    // Every event carries its name as its data's `type`.
    encodeEvent: (json) => encodeSseEvent(String(json.type), json),
    // A Messages stream ends with its message_stop event, which is part of the answer.
    terminator: () => undefined,
    answer: (call) =>
      call.endpoint === "/messages" && call.stream ? new MessagesAnswer() : undefined,
  },
  upstream: {
    request: anthropicRequest,
    errorOf: anthropicErrorOf,
    eventReader: anthropicEventReader,
    usageOf: anthropicUsage,
    closing: MESSAGE_STOP,
    // The API refuses a final assistant message that ends in whitespace.
    prefillText: (delivered) => delivered.trimEnd(),
  },
};

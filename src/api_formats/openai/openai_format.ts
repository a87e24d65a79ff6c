/**
 * @module openai_format
 * The OpenAI API family (chat completions, completions, embeddings, the
 * Responses API) on both sides of the seam (api_format.ts): its clients get
 * the contract's error shape and `data:`-only events; its backends get a
 * Bearer key and are read by openai_events.ts and openai_usage.ts.
 */
import { toErrorResponse } from "../../errors.ts";
import { encodeSseData } from "../../proxy/sse.ts";
import type { ClientCall } from "../../proxy/upstream_request.ts";
import type { ApiFormat } from "../api_format.ts";
import { ChatAnswer } from "./chat_answer.ts";
import { openAiCallFields } from "./openai_call.ts";
import { upstreamErrorOfBody } from "./openai_error.ts";
import { classifyEvent } from "./openai_events.ts";
import { openAiRequest } from "./openai_request.ts";
import { extractUsage } from "./openai_usage.ts";

/** The stream terminator of chat and completions streams. Shared: do not mutate. */
export const DONE_EVENT: Uint8Array = new TextEncoder().encode("data: [DONE]\n\n");

/** The OpenAI family. */
export const OPENAI: ApiFormat = {
  api: "openai",
  client: {
    parse: (_endpoint, body) => openAiCallFields(body),
    errorResponse: toErrorResponse,
    // One shape for every broken stream, so clients need to recognise only one.
    streamError: (code, message) =>
      encodeSseData({ error: { message, type: "server_error", code } }),
    encodeEvent: encodeSseData,
    // Responses API streams never carry one, and a client of those may parse every event as JSON.
    terminator: (endpoint) => endpoint === "/responses" ? undefined : DONE_EVENT,
    answer: (call) => resumable(call) ? new ChatAnswer() : undefined,
  },
  upstream: {
    request: openAiRequest,
    errorOf: (_status, body) => upstreamErrorOfBody(body),
    eventReader: () => classifyEvent,
    usageOf: extractUsage,
    closing: undefined,
    prefillText: (delivered) => delivered,
  },
};

/** A chat stream of one choice without logprobs: the only answers a continuation can finish as one message. */
function resumable(call: ClientCall): boolean {
  const { n, logprobs } = call.body;
  return call.endpoint === "/chat/completions" && call.stream &&
    (n === undefined || n === null || n === 1) && logprobs !== true;
}

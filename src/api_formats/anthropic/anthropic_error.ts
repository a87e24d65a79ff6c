/**
 * @module anthropic_error
 * Errors in Anthropic's shape, both ways: an `anthropic` backend's error
 * bodies and in-band `error` events read into the failure classifier's
 * words (so 529 `overloaded_error` is transient, `rate_limit_error` a rate
 * limit, `billing_error` a spent quota and "prompt is too long" a context
 * overflow), and Sidecar's own errors as an Anthropic client expects them:
 * `{"type":"error","error":{"type","message"}}` with the status, and a
 * broken stream's last event. The table is translate/api_errors.ts's.
 * https://docs.claude.com/en/api/errors
 */
import { knownError } from "../../errors.ts";
import type { UpstreamError } from "../../proxy/failure_classifier.ts";
import { encodeSseEvent } from "../../proxy/sse.ts";
import type { StreamBreak } from "../api_format.ts";
import { jsonOfBody, upstreamErrorOf } from "../openai/openai_error.ts";
import {
  anthropicErrorToOpenAi,
  anthropicStreamErrorToChat,
  openAiErrorToAnthropic,
} from "../translate/api_errors.ts";

/** The error a non-2xx Anthropic answer carries, in the classifier's words; its status for what the body leaves out. */
export function anthropicErrorOf(status: number, body: Uint8Array): UpstreamError | undefined {
  return upstreamErrorOf(anthropicErrorToOpenAi(status, jsonOfBody(body)).body);
}

/** The error an in-band `error` event's data carries, in the classifier's words. */
export function anthropicStreamErrorOf(data: unknown): UpstreamError {
  return upstreamErrorOf(anthropicStreamErrorToChat(data)) ?? {};
}

/** Sidecar's own error (anything else as a bare 500) as an Anthropic error answer. */
export function anthropicErrorResponse(err: unknown): Response {
  const known = knownError(err);
  const { status, body } = openAiErrorToAnthropic(known.status, known.toBody());
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...known.headers },
  });
}

/** A broken stream's last event: `event: error`, as Anthropic's own in-band errors are. */
export function anthropicStreamError(code: StreamBreak, message: string): Uint8Array {
  const type = code === "upstream_stream_stalled" ? "timeout_error" : "api_error";
  return encodeSseEvent("error", { type: "error", error: { type, message } });
}

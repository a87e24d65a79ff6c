/**
 * @module api_errors
 * Errors across the two families: an error body with its HTTP status, and a
 * stream's in-band error event. The status passes unchanged (it means the
 * same to both families' clients and SDKs); the error's type follows this
 * table, read by status one way and by Anthropic type the other, and by type
 * alone for an in-band error, which has no status.
 * https://docs.claude.com/en/api/errors
 *
 * | status | Anthropic `type` | OpenAI `type` (`code`) |
 * | --- | --- | --- |
 * | 400 | `invalid_request_error` | `invalid_request_error` |
 * | 400 | `invalid_request_error`, message `prompt is too long: …` | `invalid_request_error` (`context_length_exceeded`) |
 * | 401 | `authentication_error` | `authentication_error` (`invalid_api_key`) |
 * | 402 | `billing_error` | `insufficient_quota` (`insufficient_quota`) |
 * | 403 | `permission_error` | `permission_error` |
 * | 404 | `not_found_error` | `not_found_error` |
 * | 413 | `request_too_large` | `invalid_request_error` (`request_too_large`) |
 * | 429 | `rate_limit_error` | `rate_limit_error` (`rate_limit_exceeded`); OpenAI's `insufficient_quota` 429 too |
 * | 500, other 5xx | `api_error` | `server_error` |
 * | 504 | `timeout_error` | `timeout_error` |
 * | 529, 503 | `overloaded_error` | `server_error` (`overloaded`) |
 * | other 4xx | `invalid_request_error` | `invalid_request_error` |
 *
 * A context-length error keeps its meaning both ways: OpenAI's
 * `context_length_exceeded` (or a message naming the maximum context length)
 * becomes a message starting `prompt is too long: ` (Anthropic's own
 * wording, which its clients look for); Anthropic's becomes the code
 * Sidecar's failover reads. The OpenAI side of each row is what Sidecar's failure
 * classifier understands, so a translated error is classified like a native one.
 */
import type { UpstreamError } from "../../proxy/failure_classifier.ts";
import { upstreamErrorOf } from "../openai/openai_error.ts";
import type { AnthropicErrorBody, StreamEvent } from "./anthropic_shapes.ts";
import type { ChatErrorBody } from "./chat_shapes.ts";

/** An error answer: its HTTP status and its body. */
export interface ErrorAnswer<B> {
  status: number;
  body: B;
}

/** Each Anthropic type: its status, and the OpenAI type and code it becomes. */
const ANTHROPIC_TYPES = new Map<string, [status: number, type: string, code: string | null]>([
  ["invalid_request_error", [400, "invalid_request_error", null]],
  ["authentication_error", [401, "authentication_error", "invalid_api_key"]],
  ["billing_error", [402, "insufficient_quota", "insufficient_quota"]],
  ["permission_error", [403, "permission_error", null]],
  ["not_found_error", [404, "not_found_error", null]],
  ["request_too_large", [413, "invalid_request_error", "request_too_large"]],
  ["rate_limit_error", [429, "rate_limit_error", "rate_limit_exceeded"]],
  ["api_error", [500, "server_error", null]],
  ["timeout_error", [504, "timeout_error", null]],
  ["overloaded_error", [529, "server_error", "overloaded"]],
]);

/** The status an OpenAI error type or code stands for, for an in-band error. */
const CHAT_STATUS = new Map<string, number>([
  ["invalid_request_error", 400],
  ["context_length_exceeded", 400],
  ["authentication_error", 401],
  ["invalid_api_key", 401],
  ["permission_error", 403],
  ["not_found_error", 404],
  ["rate_limit_error", 429],
  ["rate_limit_exceeded", 429],
  ["insufficient_quota", 429],
  ["timeout_error", 504],
]);

const TOO_LONG = "prompt is too long";

/** An OpenAI-shaped error answer (an upstream's, or Sidecar's own) in Anthropic's shape. */
export function openAiErrorToAnthropic(
  status: number,
  body: unknown,
): ErrorAnswer<AnthropicErrorBody> {
  const error = upstreamErrorOf(body) ?? {};
  return { status, body: anthropicBody(anthropicTypeOf(status), error, status) };
}

/** An Anthropic error answer in OpenAI's shape. */
export function anthropicErrorToOpenAi(status: number, body: unknown): ErrorAnswer<ChatErrorBody> {
  const error = upstreamErrorOf(body) ?? {};
  return { status, body: chatBody(ANTHROPIC_TYPES.get(error.type ?? ""), error, status) };
}

/** A chat stream's in-band error (`data: {"error":{...}}`) as a Messages stream `error` event. */
export function chatStreamErrorToAnthropic(data: unknown): StreamEvent {
  const error = upstreamErrorOf(data) ?? {};
  const status = isContextLength(error)
    ? 400
    : CHAT_STATUS.get(error.code ?? "") ?? CHAT_STATUS.get(error.type ?? "") ?? 500;
  return { event: "error", data: anthropicBody(anthropicTypeOf(status), error, status) };
}

/** A Messages stream's `error` event data as a chat stream's in-band error. */
export function anthropicStreamErrorToChat(data: unknown): ChatErrorBody {
  const error = upstreamErrorOf(data) ?? {};
  const known = ANTHROPIC_TYPES.get(error.type ?? "");
  return chatBody(known, error, known?.[0] ?? 500);
}

function anthropicTypeOf(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

function anthropicBody(type: string, error: UpstreamError, status: number): AnthropicErrorBody {
  let message = error.message ?? `Upstream error (HTTP ${status})`;
  if (isContextLength(error) && !message.toLowerCase().startsWith(TOO_LONG)) {
    message = `${TOO_LONG}: ${message}`;
  }
  return { type: "error", error: { type, message } };
}

/** The OpenAI body of an Anthropic error of a `known` type, or else of its `status`. */
function chatBody(
  known: [status: number, type: string, code: string | null] | undefined,
  error: UpstreamError,
  status: number,
): ChatErrorBody {
  const message = error.message ?? `Upstream error (HTTP ${status})`;
  const [, type, code] = known ?? ANTHROPIC_TYPES.get(anthropicTypeOf(status)) ?? [];
  const tooLong = type === "invalid_request_error" && message.toLowerCase().includes(TOO_LONG);
  return {
    error: {
      message,
      type: type ?? "server_error",
      param: null,
      code: tooLong ? "context_length_exceeded" : code ?? null,
    },
  };
}

/** The failure classifier's reading of an OpenAI context-length error. */
function isContextLength(error: UpstreamError): boolean {
  return error.code === "context_length_exceeded" ||
    (error.message?.toLowerCase().includes("maximum context length") ?? false);
}

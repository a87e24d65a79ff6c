/**
 * @module translate_errors_test
 * The error table of module api_errors, row by row, both ways and in-band;
 * a TranslationError rendered for an Anthropic client; and the property the
 * table is built for: a translated Anthropic error is classified by Sidecar's
 * failure classifier like the native OpenAI one.
 */
import assert from "node:assert/strict";
import {
  anthropicErrorToOpenAi,
  anthropicStreamErrorToChat,
  chatStreamErrorToAnthropic,
  openAiErrorToAnthropic,
} from "../../src/api_formats/translate/api_errors.ts";
import { TranslationError } from "../../src/api_formats/translate/translation_error.ts";
import { AllBackendsUnavailableError } from "../../src/errors.ts";
import { classify } from "../../src/proxy/failure_classifier.ts";
import { upstreamErrorOf } from "../../src/api_formats/openai/openai_error.ts";

/** OpenAI's error body. */
function openAi(message: string, type: string, code: string | null = null): unknown {
  return { error: { message, type, param: null, code } };
}

/** Anthropic's error body. */
function anthropic(type: string, message: string): unknown {
  return { type: "error", error: { type, message } };
}

const TO_ANTHROPIC: [status: number, body: unknown, type: string, message: string][] = [
  [400, openAi("Bad field", "invalid_request_error"), "invalid_request_error", "Bad field"],
  [
    400,
    openAi(
      "This model's maximum context length is 128000 tokens.",
      "invalid_request_error",
      "context_length_exceeded",
    ),
    "invalid_request_error",
    "prompt is too long: This model's maximum context length is 128000 tokens.",
  ],
  [
    400,
    openAi("This model's maximum context length is 4096 tokens", "BadRequestError"),
    "invalid_request_error",
    "prompt is too long: This model's maximum context length is 4096 tokens",
  ],
  [
    401,
    openAi("Incorrect API key", "invalid_request_error", "invalid_api_key"),
    "authentication_error",
    "Incorrect API key",
  ],
  [402, openAi("Pay up", "billing_error"), "billing_error", "Pay up"],
  [403, openAi("Not allowed", "permission_error"), "permission_error", "Not allowed"],
  [
    404,
    openAi("No such model", "invalid_request_error", "model_not_found"),
    "not_found_error",
    "No such model",
  ],
  [
    413,
    openAi("Too big", "invalid_request_error", "request_too_large"),
    "request_too_large",
    "Too big",
  ],
  [429, openAi("Slow down", "requests", "rate_limit_exceeded"), "rate_limit_error", "Slow down"],
  [
    429,
    openAi("You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
    "rate_limit_error",
    "You exceeded your current quota",
  ],
  [500, openAi("Oops", "server_error"), "api_error", "Oops"],
  [502, undefined, "api_error", "Upstream error (HTTP 502)"],
  [
    503,
    openAi("The engine is currently overloaded", "server_error"),
    "overloaded_error",
    "The engine is currently overloaded",
  ],
  [504, openAi("Timed out", "timeout_error"), "timeout_error", "Timed out"],
  [529, { error: "overloaded" }, "overloaded_error", "overloaded"],
  [422, openAi("Unprocessable", "invalid_request_error"), "invalid_request_error", "Unprocessable"],
];

for (const [status, body, type, message] of TO_ANTHROPIC) {
  Deno.test(`openAiErrorToAnthropic(${status}): ${JSON.stringify(message)} is ${type}`, () => {
    assert.deepEqual(openAiErrorToAnthropic(status, body), {
      status,
      body: { type: "error", error: { type, message } },
    });
  });
}

const TO_OPENAI: [status: number, body: unknown, type: string, code: string | null][] = [
  [
    400,
    anthropic("invalid_request_error", "max_tokens: Field required"),
    "invalid_request_error",
    null,
  ],
  [
    400,
    anthropic("invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"),
    "invalid_request_error",
    "context_length_exceeded",
  ],
  [
    401,
    anthropic("authentication_error", "invalid x-api-key"),
    "authentication_error",
    "invalid_api_key",
  ],
  [
    402,
    anthropic("billing_error", "Your credit balance is too low"),
    "insufficient_quota",
    "insufficient_quota",
  ],
  [403, anthropic("permission_error", "Not allowed"), "permission_error", null],
  [404, anthropic("not_found_error", "model: claude-9"), "not_found_error", null],
  [
    413,
    anthropic("request_too_large", "Request exceeds the maximum size"),
    "invalid_request_error",
    "request_too_large",
  ],
  [
    429,
    anthropic("rate_limit_error", "Number of requests has exceeded your rate limit"),
    "rate_limit_error",
    "rate_limit_exceeded",
  ],
  [500, anthropic("api_error", "Internal server error"), "server_error", null],
  [504, anthropic("timeout_error", "Request timed out"), "timeout_error", null],
  [529, anthropic("overloaded_error", "Overloaded"), "server_error", "overloaded"],
  [503, { message: "upstream connect error" }, "server_error", "overloaded"],
  [418, anthropic("teapot_error", "short and stout"), "invalid_request_error", null],
];

for (const [status, body, type, code] of TO_OPENAI) {
  Deno.test(`anthropicErrorToOpenAi(${status}): ${type}${code ? ` (${code})` : ""}`, () => {
    const out = anthropicErrorToOpenAi(status, body);
    assert.equal(out.status, status);
    assert.deepEqual(out.body, {
      error: {
        message: upstreamErrorOf(body)?.message ?? `Upstream error (HTTP ${status})`,
        type,
        param: null,
        code,
      },
    });
  });
}

Deno.test("anthropicStreamErrorToChat(): the in-band error keeps its meaning", () => {
  assert.deepEqual(anthropicStreamErrorToChat(anthropic("overloaded_error", "Overloaded")), {
    error: { message: "Overloaded", type: "server_error", param: null, code: "overloaded" },
  });
  assert.deepEqual(anthropicStreamErrorToChat(anthropic("rate_limit_error", "Slow")), {
    error: { message: "Slow", type: "rate_limit_error", param: null, code: "rate_limit_exceeded" },
  });
  assert.deepEqual(anthropicStreamErrorToChat({ type: "error", error: { type: "new_error" } }), {
    error: { message: "Upstream error (HTTP 500)", type: "server_error", param: null, code: null },
  });
});

const IN_BAND: [label: string, chat: unknown, type: string][] = [
  ["a server error", openAi("boom", "server_error"), "api_error"],
  [
    "Sidecar's truncated stream",
    openAi("cut", "server_error", "upstream_stream_truncated"),
    "api_error",
  ],
  ["a rate limit (by code)", openAi("slow", "requests", "rate_limit_exceeded"), "rate_limit_error"],
  ["a quota error", openAi("quota", "insufficient_quota"), "rate_limit_error"],
  [
    "a context-length error",
    openAi("maximum context length is 8192", "invalid_request_error"),
    "invalid_request_error",
  ],
  ["a timeout", openAi("slow", "timeout_error"), "timeout_error"],
  ["a bare error string", { error: "broken" }, "api_error"],
];

for (const [label, chat, type] of IN_BAND) {
  Deno.test(`chatStreamErrorToAnthropic(): ${label} is an error event of ${type}`, () => {
    const ev = chatStreamErrorToAnthropic(chat);
    assert.equal(ev.event, "error");
    assert.equal(ev.data.type, "error");
    assert.equal((ev.data.error as { type: string }).type, type);
  });
}

Deno.test("A TranslationError reaches an Anthropic client as a 400 invalid_request_error naming its path", () => {
  const err = new TranslationError(
    "messages[2].content[0].type",
    'Block type "hologram" is not translated',
  );
  assert.deepEqual(openAiErrorToAnthropic(err.status, err.toBody()), {
    status: 400,
    body: {
      type: "error",
      error: {
        type: "invalid_request_error",
        message: 'Block type "hologram" is not translated at messages[2].content[0].type',
      },
    },
  });
});

Deno.test("Sidecar's own 429 reaches an Anthropic client as a rate_limit_error", () => {
  const err = new AllBackendsUnavailableError(3000, "cooling");
  const out = openAiErrorToAnthropic(err.status, err.toBody());
  assert.equal(out.status, 429);
  assert.equal(out.body.error.type, "rate_limit_error");
  assert.equal(out.body.error.message, err.message);
});

const CLASSIFIED: [status: number, body: unknown, reason: string][] = [
  [429, anthropic("rate_limit_error", "Slow down"), "rate_limited"],
  [
    400,
    anthropic("invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum"),
    "context_length",
  ],
  [529, anthropic("overloaded_error", "Overloaded"), "server_error"],
  [401, anthropic("authentication_error", "invalid x-api-key"), "auth"],
  [400, anthropic("invalid_request_error", "max_tokens: Field required"), "client_error"],
];

for (const [status, body, reason] of CLASSIFIED) {
  Deno.test(`A translated Anthropic ${status} is classified ${reason}`, () => {
    const { body: translated } = anthropicErrorToOpenAi(status, body);
    const error = upstreamErrorOf(translated);
    assert.equal(classify({ kind: "status", status, ...(error ? { error } : {}) }).reason, reason);
  });
}

Deno.test("A translated in-band Anthropic error is classified like the native one", () => {
  const of = (type: string) => {
    const error = upstreamErrorOf(anthropicStreamErrorToChat(anthropic(type, "x")));
    assert.ok(error);
    return classify({ kind: "stream_error", error }).reason;
  };
  assert.equal(of("rate_limit_error"), "rate_limited");
  assert.equal(of("billing_error"), "quota");
  assert.equal(of("overloaded_error"), "stream_error");
});

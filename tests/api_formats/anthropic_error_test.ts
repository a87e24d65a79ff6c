/**
 * @module anthropic_error_test
 * Anthropic's errors both ways (anthropic_error.ts): an `anthropic`
 * backend's answers as the failure classifier reads them (docs/failover.md
 * in Anthropic's words), and Sidecar's own errors as an Anthropic client
 * gets them (CONTRACT §7's statuses), row by row.
 */
import assert from "node:assert/strict";
import {
  anthropicErrorOf,
  anthropicErrorResponse,
  anthropicStreamError,
} from "../../src/api_formats/anthropic/anthropic_error.ts";
import {
  AllBackendsUnavailableError,
  AuthError,
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UpstreamFailedError,
} from "../../src/errors.ts";
import { classify } from "../../src/proxy/failure_classifier.ts";

const enc = new TextEncoder();
const body = (type: string, message: string) =>
  enc.encode(JSON.stringify({ type: "error", error: { type, message }, request_id: "req_1" }));

/** An anthropic backend's answer, and what the attempt loop does with it. */
const ANSWERS: [
  label: string,
  status: number,
  body: Uint8Array,
  reason: string,
  disposition: string,
][] = [
  [
    "529 overloaded_error is transient",
    529,
    body("overloaded_error", "Overloaded"),
    "server_error",
    "retry",
  ],
  ["500 api_error is transient", 500, body("api_error", "Internal"), "server_error", "retry"],
  [
    "429 rate_limit_error cools the pair",
    429,
    body("rate_limit_error", "Slow down"),
    "rate_limited",
    "next",
  ],
  [
    "402 billing_error is a spent quota",
    402,
    body("billing_error", "Add credits"),
    "quota",
    "next",
  ],
  [
    "401 authentication_error is a bad key",
    401,
    body("authentication_error", "invalid x-api-key"),
    "auth",
    "next",
  ],
  ["403 permission_error is a bad key", 403, body("permission_error", "No"), "auth", "next"],
  [
    "404 not_found_error lacks the model",
    404,
    body("not_found_error", "model: x"),
    "not_found",
    "next",
  ],
  [
    "400 prompt is too long is a context overflow",
    400,
    body("invalid_request_error", "prompt is too long: 200010 tokens > 200000 maximum"),
    "context_length",
    "other_model",
  ],
  [
    "any other 400 is the request's fault",
    400,
    body("invalid_request_error", "max_tokens: Field required"),
    "client_error",
    "return",
  ],
  [
    "413 request_too_large is the request's fault",
    413,
    body("request_too_large", "Too big"),
    "client_error",
    "return",
  ],
  [
    "a 502 HTML page from a proxy is transient",
    502,
    enc.encode("<html>Bad Gateway</html>"),
    "server_error",
    "retry",
  ],
  ["an empty 503 is transient", 503, new Uint8Array(), "server_error", "retry"],
];

for (const [label, status, bytes, reason, disposition] of ANSWERS) {
  Deno.test(`anthropicErrorOf(): ${label}`, () => {
    const outcome = classify({
      kind: "status",
      status,
      ...optional(anthropicErrorOf(status, bytes)),
    });
    assert.deepEqual([outcome.reason, outcome.disposition], [reason, disposition]);
  });
}

function optional<T>(error: T | undefined): { error?: T } {
  return error === undefined ? {} : { error };
}

/** Sidecar's errors as an Anthropic client gets them. */
const OWN: [error: Error, status: number, type: string][] = [
  [new BadRequestError("messages: Field required", "messages"), 400, "invalid_request_error"],
  [new AuthError("Invalid API key"), 401, "authentication_error"],
  [new ForbiddenError("No"), 403, "permission_error"],
  [
    new NotFoundError('No enabled backend serves model "x"', "model_not_found"),
    404,
    "not_found_error",
  ],
  [new PayloadTooLargeError(10), 413, "request_too_large"],
  [new AllBackendsUnavailableError(5000, "cooling"), 429, "rate_limit_error"],
  [new UpstreamFailedError(502, "Upstream failed"), 502, "api_error"],
  [new UpstreamFailedError(529, "Upstream failed"), 529, "overloaded_error"],
  [new UpstreamFailedError(504, "Upstream failed"), 504, "timeout_error"],
  [new Error("a bug"), 500, "api_error"],
];

for (const [error, status, type] of OWN) {
  Deno.test(`anthropicErrorResponse(): ${error.constructor.name} ${status} is ${type}`, async () => {
    const res = anthropicErrorResponse(error);
    assert.equal(res.status, status);
    assert.equal(res.headers.get("content-type"), "application/json");
    const json = await res.json();
    assert.equal(json.type, "error");
    assert.equal(json.error.type, type);
    // Unknown errors hide their detail.
    assert.equal(json.error.message, status === 500 ? "Internal server error" : error.message);
  });
}

Deno.test("anthropicErrorResponse(): the error's own headers go with it (Retry-After)", () => {
  const res = anthropicErrorResponse(new AllBackendsUnavailableError(5000, "cooling"));
  assert.equal(res.headers.get("retry-after"), "5");
});

Deno.test("anthropicStreamError(): a broken stream ends with an event: error, timeout_error for a stall", () => {
  const dec = new TextDecoder();
  assert.equal(
    dec.decode(anthropicStreamError("upstream_stream_truncated", "Cut")),
    'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Cut"}}\n\n',
  );
  assert.match(
    dec.decode(anthropicStreamError("upstream_stream_stalled", "Quiet")),
    /"timeout_error"/,
  );
});

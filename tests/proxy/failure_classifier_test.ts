/**
 * @module failure_classifier_test
 * The table of docs/failover.md, row by row: each upstream answer and what
 * Sidecar does about it.
 */
import assert from "node:assert/strict";
import {
  classify,
  type FailureClass,
  type UpstreamAnswer,
} from "../../src/proxy/failure_classifier.ts";

type Row = [label: string, answer: UpstreamAnswer, expected: FailureClass];

const success = { kind: "success" } as const;
const neutral = { kind: "neutral" } as const;
const failure = { kind: "failure" } as const;

const ROWS: Row[] = [
  ["2xx, or a stream whose first event is data: commit", { kind: "ok" }, {
    reason: "ok",
    disposition: "commit",
    health: success,
    scope: null,
  }],
  ["429: cool the (backend, model) pair, next candidate", {
    kind: "status",
    status: 429,
    error: { type: "rate_limit_exceeded" },
  }, {
    reason: "rate_limited",
    disposition: "next",
    health: { kind: "rate_limited" },
    scope: "pair",
  }],
  ["429 with Retry-After: the wait travels with the outcome", {
    kind: "status",
    status: 429,
    retryAfterMs: 7000,
  }, {
    reason: "rate_limited",
    disposition: "next",
    health: { kind: "rate_limited", retryAfterMs: 7000 },
    scope: "pair",
  }],
  ["429 insufficient_quota (type): cool the whole backend", {
    kind: "status",
    status: 429,
    error: { type: "insufficient_quota", message: "You exceeded your current quota" },
  }, { reason: "quota", disposition: "next", health: { kind: "quota" }, scope: "backend" }],
  ["402 payment required (Anthropic's billing_error): a spent quota, the whole backend", {
    kind: "status",
    status: 402,
    error: { type: "insufficient_quota", code: "insufficient_quota" },
  }, { reason: "quota", disposition: "next", health: { kind: "quota" }, scope: "backend" }],
  ["402 without an error body is a spent quota too", { kind: "status", status: 402 }, {
    reason: "quota",
    disposition: "next",
    health: { kind: "quota" },
    scope: "backend",
  }],
  ["429 insufficient_quota (code)", {
    kind: "status",
    status: 429,
    error: { code: "insufficient_quota" },
    retryAfterMs: 60_000,
  }, {
    reason: "quota",
    disposition: "next",
    health: { kind: "quota", retryAfterMs: 60_000 },
    scope: "backend",
  }],
  ["401: the key is bad, cool the backend", { kind: "status", status: 401 }, {
    reason: "auth",
    disposition: "next",
    health: { kind: "auth" },
    scope: "backend",
  }],
  ["403: the same as 401", { kind: "status", status: 403 }, {
    reason: "auth",
    disposition: "next",
    health: { kind: "auth" },
    scope: "backend",
  }],
  ["404: that backend lacks the model, no cooldown", { kind: "status", status: 404 }, {
    reason: "not_found",
    disposition: "next",
    health: neutral,
    scope: null,
  }],
  ...[408, 500, 502, 503, 504, 529, 501].map((status): Row => [
    `${status}: transient, retry inside the pool`,
    { kind: "status", status },
    { reason: "server_error", disposition: "retry", health: failure, scope: "backend" },
  ]),
  ["connection refused or reset: transient", { kind: "transport", failure: "connection" }, {
    reason: "connection_error",
    disposition: "retry",
    health: failure,
    scope: "backend",
  }],
  ["no headers within attempt_timeout_ms: never this backend again", {
    kind: "transport",
    failure: "headers_timeout",
  }, { reason: "timeout", disposition: "next", health: failure, scope: "backend" }],
  ["a stream with no first event in time: never this backend again", {
    kind: "transport",
    failure: "first_event_timeout",
  }, { reason: "first_chunk_timeout", disposition: "next", health: failure, scope: "backend" }],
  ["a stream that ends before any event: transient", {
    kind: "transport",
    failure: "empty_stream",
  }, { reason: "empty_stream", disposition: "retry", health: failure, scope: "backend" }],
  ["a stream cut after its first event: transient", {
    kind: "transport",
    failure: "stream_cut",
  }, { reason: "stream_cut", disposition: "retry", health: failure, scope: "backend" }],
  ["a stream that stalls after its first event: a timeout", {
    kind: "transport",
    failure: "stall",
  }, { reason: "stalled", disposition: "next", health: failure, scope: "backend" }],
  ["a stream's error event: transient", {
    kind: "stream_error",
    error: { message: "boom", type: "server_error" },
  }, { reason: "stream_error", disposition: "retry", health: failure, scope: "backend" }],
  ["a stream's rate-limit error event: like a 429", {
    kind: "stream_error",
    error: { code: "rate_limit_exceeded" },
    retryAfterMs: 2000,
  }, {
    reason: "rate_limited",
    disposition: "next",
    health: { kind: "rate_limited", retryAfterMs: 2000 },
    scope: "pair",
  }],
  ["a stream's insufficient_quota event: like a quota 429", {
    kind: "stream_error",
    error: { type: "insufficient_quota" },
  }, { reason: "quota", disposition: "next", health: { kind: "quota" }, scope: "backend" }],
  ["400 context_length_exceeded (code): only other upstream models", {
    kind: "status",
    status: 400,
    error: { code: "context_length_exceeded" },
  }, { reason: "context_length", disposition: "other_model", health: neutral, scope: null }],
  ["400 naming the maximum context length in its message", {
    kind: "status",
    status: 400,
    error: { message: "This model's maximum context length is 8192 tokens" },
  }, { reason: "context_length", disposition: "other_model", health: neutral, scope: null }],
  ["400 content_policy_violation: the request's fault, returned", {
    kind: "status",
    status: 400,
    error: { code: "content_policy_violation" },
  }, { reason: "client_error", disposition: "return", health: neutral, scope: null }],
  ...[400, 413, 422].map((status): Row => [
    `${status}: the request's fault, returned unchanged`,
    { kind: "status", status },
    { reason: "client_error", disposition: "return", health: neutral, scope: null },
  ]),
  ["a 3xx (redirects are not followed): returned", { kind: "status", status: 302 }, {
    reason: "client_error",
    disposition: "return",
    health: neutral,
    scope: null,
  }],
];

for (const [label, answer, expected] of ROWS) {
  Deno.test(`classify(): ${label}`, () => {
    assert.deepEqual(classify(answer), expected);
  });
}

Deno.test("classify() is pure: the same answer twice gives equal outcomes", () => {
  const answer: UpstreamAnswer = { kind: "status", status: 429, retryAfterMs: 5 };
  assert.deepEqual(classify(answer), classify(answer));
});

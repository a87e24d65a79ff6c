/**
 * @module errors_test
 * The typed domain errors and toErrorResponse(): every error Sidecar makes
 * has the contract's `{"error":{message,type,param,code}}` shape.
 */
import assert from "node:assert/strict";
import {
  AllBackendsUnavailableError,
  AuthError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  SidecarError,
  toErrorResponse,
  UpstreamFailedError,
} from "../../src/errors.ts";

async function body(res: Response) {
  const json = await res.json();
  assert.deepEqual(Object.keys(json), ["error"]);
  assert.deepEqual(Object.keys(json.error), ["message", "type", "param", "code"]);
  return json.error as { message: string; type: string; param: string | null; code: string | null };
}

Deno.test("each SidecarError subclass carries its status, type, code and param", () => {
  const cases: [SidecarError, number, string, string | null, string | null][] = [
    [new BadRequestError("Bad", "model"), 400, "invalid_request_error", null, "model"],
    [
      new BadRequestError("Bad", null, "context_length_exceeded"),
      400,
      "invalid_request_error",
      "context_length_exceeded",
      null,
    ],
    [new AuthError(), 401, "authentication_error", "invalid_api_key", null],
    [new ForbiddenError("No", "csrf"), 403, "permission_error", "csrf", null],
    [new NotFoundError("Gone"), 404, "not_found_error", "not_found", null],
    [new NotFoundError("Gone", "model_not_found"), 404, "not_found_error", "model_not_found", null],
    [new ConflictError("Taken", "id", "duplicate_id"), 409, "conflict_error", "duplicate_id", "id"],
    [new PayloadTooLargeError(1024), 413, "invalid_request_error", "request_too_large", null],
    [
      new AllBackendsUnavailableError(1500, "2 cooling"),
      429,
      "rate_limit_error",
      "all_backends_unavailable",
      null,
    ],
    [
      new UpstreamFailedError(502, "b1: connection refused"),
      502,
      "server_error",
      "upstream_failed",
      null,
    ],
    [new UpstreamFailedError(504, "b1: timeout"), 504, "timeout_error", "upstream_failed", null],
    [
      new UpstreamFailedError(503, "x", "upstream_unavailable"),
      503,
      "server_error",
      "upstream_unavailable",
      null,
    ],
  ];
  for (const [err, status, type, code, param] of cases) {
    assert.ok(err instanceof Error);
    assert.equal(err.status, status, err.name);
    assert.equal(err.type, type, err.name);
    assert.equal(err.code, code, err.name);
    assert.equal(err.param, param, err.name);
    assert.equal(err.name, err.constructor.name);
    assert.deepEqual(err.toBody(), { error: { message: err.message, type, param, code } });
  }
});

Deno.test("toErrorResponse() renders a SidecarError as JSON with its status", async () => {
  const res = toErrorResponse(new BadRequestError('Missing "model"', "model"));
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await body(res), {
    message: 'Missing "model"',
    type: "invalid_request_error",
    param: "model",
    code: null,
  });
});

Deno.test("toErrorResponse() hides an unknown error's message behind a 500", async () => {
  for (
    const thrown of [new Error("sk-secret-in-message at /etc/x"), "a string", undefined, {
      status: 418,
    }]
  ) {
    const res = toErrorResponse(thrown);
    assert.equal(res.status, 500);
    const err = await body(res);
    assert.deepEqual(err, {
      message: "Internal server error",
      type: "server_error",
      param: null,
      code: "internal_error",
    });
  }
});

Deno.test("AllBackendsUnavailableError sets Retry-After to whole seconds, at least 1", async () => {
  const cases: [number, string][] = [[1500, "2"], [1000, "1"], [1, "1"], [0, "1"], [60_000, "60"]];
  for (const [ms, header] of cases) {
    const err = new AllBackendsUnavailableError(ms, "cooling");
    assert.equal(err.retryAfterMs, ms);
    const res = toErrorResponse(err);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), header);
    assert.equal((await body(res)).code, "all_backends_unavailable");
  }
});

Deno.test("UpstreamFailedError keeps the upstream status", () => {
  const err = new UpstreamFailedError(503, "b1 answered 503");
  assert.equal(err.upstreamStatus, 503);
  assert.equal(toErrorResponse(err).status, 503);
});

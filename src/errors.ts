/**
 * @module errors
 * Typed domain errors, each carrying its data, and the one mapper that turns
 * them into the OpenAI-shaped error body every `/v1` and `/api` route returns;
 * and the process-level `StartupError`, which no route returns.
 */

/** The OpenAI error `type` values Sidecar emits. */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  | "rate_limit_error"
  /** A key's budget is spent (403; OpenAI's own word for a spent quota). */
  | "insufficient_quota"
  | "server_error"
  | "timeout_error";

/** The body of every error Sidecar itself makes. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

/** Base class: an HTTP status, an OpenAI error type and code, optional `param`. */
export class SidecarError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Extra response headers (for example `Retry-After`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The contract's JSON error shape. */
  toBody(): ErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}

/** 400: the request is malformed or a field is invalid. */
export class BadRequestError extends SidecarError {
  constructor(message: string, param: string | null = null, code: string | null = null) {
    super(400, "invalid_request_error", message, code, param);
  }
}

/** 401: missing or wrong credentials. */
export class AuthError extends SidecarError {
  constructor(message = "Invalid or missing API key") {
    super(401, "authentication_error", message, "invalid_api_key");
  }
}

/** 403: the request is authenticated but not allowed (CSRF, origin). */
export class ForbiddenError extends SidecarError {
  constructor(message: string, code: string | null = null) {
    super(403, "permission_error", message, code);
  }
}

/** 404: an unknown id or route. */
export class NotFoundError extends SidecarError {
  constructor(message: string, code: string | null = "not_found") {
    super(404, "not_found_error", message, code);
  }
}

/** 409: the change conflicts with stored state (duplicate id, non-empty pool). */
export class ConflictError extends SidecarError {
  constructor(message: string, param: string | null = null, code: string | null = "conflict") {
    super(409, "conflict_error", message, code, param);
  }
}

/** 409: the item is declared in the config file (docs/config.md); it is changed there. */
export class ManagedByConfigError extends ConflictError {
  constructor(what: string, readonly file: string, param: string | null = null) {
    super(`${what} is managed by ${file}: change it there`, param, "managed_by_config");
  }
}

/** 413: the body exceeds `max_body_bytes`. */
export class PayloadTooLargeError extends SidecarError {
  constructor(limit: number) {
    super(
      413,
      "invalid_request_error",
      `Request body exceeds max_body_bytes (${limit})`,
      "request_too_large",
    );
  }
}

/** 429: every candidate is cooling or out of tokens. */
export class AllBackendsUnavailableError extends SidecarError {
  constructor(readonly retryAfterMs: number, detail: string) {
    super(
      429,
      "rate_limit_error",
      `All backends for this model are cooling down or rate-limited (${detail}); retry after ${
        Math.ceil(retryAfterMs / 1000)
      }s`,
      "all_backends_unavailable",
      null,
      { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    );
  }
}

/** 429: this address failed to authenticate too often; only a correct secret gets through. */
export class AuthRateLimitedError extends SidecarError {
  constructor(readonly retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(
      429,
      "rate_limit_error",
      `Too many failed authentications from this address; retry after ${seconds}s`,
      "too_many_auth_failures",
      null,
      { "retry-after": String(seconds) },
    );
  }
}

/** 5xx: attempts or the deadline were spent on upstream failures. */
export class UpstreamFailedError extends SidecarError {
  constructor(readonly upstreamStatus: number, message: string, code = "upstream_failed") {
    super(upstreamStatus, upstreamStatus === 504 ? "timeout_error" : "server_error", message, code);
  }
}

/**
 * A start-up problem the operator must fix (data dir, database, master key,
 * listen address); printed without a stack trace. Not an HTTP error: no
 * route returns it.
 */
export class StartupError extends Error {
  override name = "StartupError";
}

/** 500: a fault in Sidecar itself, whose detail stays in the log. */
export class InternalError extends SidecarError {
  constructor() {
    super(500, "server_error", "Internal server error", "internal_error");
  }
}

/** `err` as Sidecar's own error: itself, or, for anything else thrown, an {@link InternalError}. */
export function knownError(err: unknown): SidecarError {
  return err instanceof SidecarError ? err : new InternalError();
}

/** Renders any thrown value as the contract's error body; unknown errors hide their detail. */
export function toErrorResponse(err: unknown): Response {
  const known = knownError(err);
  return new Response(JSON.stringify(known.toBody()), {
    status: known.status,
    headers: { "content-type": "application/json", ...known.headers },
  });
}

/**
 * @module upstream_connection_error
 * The one error Sidecar's HTTP/1.1 client rejects with when the wire fails:
 * refused, reset, closed early, or an answer it will not parse. A TypeError,
 * as `fetch` rejects with, so callers that treat network errors alike keep
 * doing so; `reason` says which.
 */

/** What went wrong on the wire. */
export type ConnectionFailure =
  /** Closed (or reset) before a full response head arrived. */
  | "closed_before_response"
  /** Closed (or reset) before the body's declared end. */
  | "closed_mid_body"
  /** A status line, header or chunk frame that is not HTTP/1.1. */
  | "malformed"
  /** A response head over the client's limit. */
  | "head_too_large"
  /** Could not connect, write the request, or read. */
  | "io";

/** A failed exchange with an upstream; never retried by the client itself. */
export class UpstreamConnectionError extends TypeError {
  override readonly name = "UpstreamConnectionError";
  constructor(readonly reason: ConnectionFailure, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

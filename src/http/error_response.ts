/**
 * @module error_response
 * The one place a thrown error becomes an HTTP answer: Sidecar's own errors
 * as the contract's JSON (or, on the `/v1` routes of another API, in that
 * API's shape); anything else as a bare 500 for the client, with a short,
 * bounded detail in the log for the operator (never a stack trace).
 */
import type { ClientSide } from "../api_formats/api_format.ts";
import { SidecarError, toErrorResponse } from "../errors.ts";
import type { Logger } from "../log.ts";
import { clip } from "../text_bounds.ts";

/** The response for `err`, thrown while serving `path` to a client of `client`'s API. */
export function errorResponse(
  log: Logger,
  err: unknown,
  path: string,
  client: Pick<ClientSide, "errorResponse"> = { errorResponse: toErrorResponse },
): Response {
  if (!(err instanceof SidecarError)) {
    log.error("unhandled error", {
      path: clip(path),
      error: err instanceof Error ? clip(err.name) : typeof err,
      detail: err instanceof Error ? clip(err.message) : undefined,
    });
  }
  return client.errorResponse(err);
}

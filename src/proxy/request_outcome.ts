/**
 * @module request_outcome
 * How a client request ended, as the proxy's accounting records it
 * (docs/accounting.md). The list is defined here, by the proxy that decides
 * it; the store builds its row schema from it.
 */

/** Every outcome a request record can carry. */
export const OUTCOMES = [
  "ok",
  "client_error",
  "upstream_error",
  "rate_limited",
  "truncated",
  "stalled",
  "timeout",
  "cancelled",
  "no_backend",
  "refused",
] as const;

/** How a client request ended, for accounting and the dashboard. */
export type Outcome = typeof OUTCOMES[number];

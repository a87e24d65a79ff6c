/**
 * @module client_address
 * The peer address of a request, as Deno's server gives it to Hono.
 */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

/** The peer address; `unknown` in-process (tests), where there is no socket. */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * @module signed_in
 * The middleware chain in front of every signed-in dashboard route.
 */
import type { AppDeps } from "../../app_deps.ts";
import { durableWrites } from "../durable_writes.ts";
import { csrfGuard } from "./csrf.ts";
import { formBodyLimit, securityHeaders } from "./security_headers.ts";
import { requireSession } from "./session.ts";

/**
 * Security headers, body cap, session required, CSRF checked (in that
 * order), and a change on disk before its answer leaves.
 */
export function signedIn(deps: AppDeps) {
  return [
    securityHeaders(),
    formBodyLimit(),
    requireSession(deps),
    csrfGuard(),
    durableWrites(deps.store),
  ] as const;
}

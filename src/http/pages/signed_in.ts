/**
 * @module signed_in
 * The middleware chain in front of every signed-in dashboard route.
 */
import type { AppDeps } from "../../app_deps.ts";
import { csrfGuard } from "./csrf.ts";
import { formBodyLimit, securityHeaders } from "./security_headers.ts";
import { requireSession } from "./session.ts";

/** Security headers, body cap, session required, CSRF checked (in that order). */
export function signedIn(deps: AppDeps) {
  return [securityHeaders(), formBodyLimit(), requireSession(deps), csrfGuard()] as const;
}

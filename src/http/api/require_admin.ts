/**
 * @module require_admin
 * Bearer-token guard for the admin JSON API. The token is checked first; only
 * a failure reaches the failed-authentication limiter, which answers 429
 * once the address has failed too often.
 */
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../../app_deps.ts";
import { bearerSecret } from "../../auth/key_ring.ts";
import { AuthError, AuthRateLimitedError } from "../../errors.ts";
import { clientAddress } from "../client_address.ts";

/** Refuses (401, or 429 while the address is limited) any request without the admin token. */
export function requireAdmin(deps: Pick<AppDeps, "keyRing" | "authLimiter" | "now">) {
  return createMiddleware(async (c, next) => {
    const secret = bearerSecret(c.req.raw.headers);
    if (secret && deps.keyRing.isAdmin(secret)) return await next();
    const wait = deps.authLimiter.fail(clientAddress(c), deps.now());
    if (wait > 0) throw new AuthRateLimitedError(wait);
    throw new AuthError("Admin API requires Authorization: Bearer <admin token>");
  });
}

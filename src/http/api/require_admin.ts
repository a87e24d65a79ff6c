/**
 * @module require_admin
 * Bearer-token guard for the admin JSON API.
 */
import { createMiddleware } from "hono/factory";
import type { KeyRing } from "../../auth/key_ring.ts";
import { bearerSecret } from "../../auth/key_ring.ts";
import { AuthError } from "../../errors.ts";

/** Refuses (401) any request without the admin token. */
export function requireAdmin(keyRing: KeyRing) {
  return createMiddleware(async (c, next) => {
    const secret = bearerSecret(c.req.raw.headers);
    if (!secret || !keyRing.isAdmin(secret)) {
      throw new AuthError("Admin API requires Authorization: Bearer <admin token>");
    }
    await next();
  });
}

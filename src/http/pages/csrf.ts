/**
 * @module csrf
 * Cross-site request forgery defence for the dashboard, in two layers: the
 * browser's own signals (`Sec-Fetch-Site`, `Origin`) must say same-origin,
 * and every state-changing request must carry the session's CSRF token, in
 * the `x-csrf-token` header (htmx, via `hx-headers`) or the `_csrf` field of
 * a plain form post.
 */
import { createMiddleware } from "hono/factory";
import { ForbiddenError } from "../../errors.ts";
import { timingSafeEqual } from "../../secrets/token_hash.ts";
import type { PageEnv } from "./page_env.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * False when the browser says the request comes from another site.
 * Clients that send neither header (curl, scripts) pass this check; the
 * token check still applies to them.
 */
export function isSameOrigin(headers: Headers, url: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const origin = headers.get("origin");
  if (origin === null) return true;
  if (origin === "null") return false;
  // Behind a TLS-terminating proxy the scheme differs, so compare hosts.
  const host = headers.get("x-forwarded-host") ?? headers.get("host") ?? new URL(url).host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Refuses (403) unsafe methods from another origin or without the session's token. */
export function csrfGuard() {
  return createMiddleware<PageEnv>(async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return await next();
    if (!isSameOrigin(c.req.raw.headers, c.req.url)) {
      throw new ForbiddenError("Cross-site request refused", "cross_site_request");
    }
    let sent = c.req.header("x-csrf-token");
    if (sent === undefined && isFormBody(c.req.header("content-type"))) {
      const field = (await c.req.parseBody())["_csrf"];
      if (typeof field === "string") sent = field;
    }
    if (!sent || !timingSafeEqual(sent, c.var.session.csrf_token)) {
      throw new ForbiddenError(
        "Missing or invalid CSRF token: reload the page and try again",
        "csrf_token_invalid",
      );
    }
    await next();
  });
}

function isFormBody(type: string | undefined): boolean {
  return /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type ?? "");
}

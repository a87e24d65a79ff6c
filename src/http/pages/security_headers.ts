/**
 * @module security_headers
 * Headers on every dashboard response: a strict Content-Security-Policy (no
 * inline script or style, nothing from other origins), no framing, no
 * caching of pages that show live data and a CSRF token.
 */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { SidecarError } from "../../errors.ts";

/** The dashboard's Content-Security-Policy. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Sets the security headers on the response. */
export function securityHeaders() {
  return createMiddleware(async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("content-security-policy", CSP);
    h.set("x-frame-options", "DENY");
    h.set("x-content-type-options", "nosniff");
    h.set("referrer-policy", "same-origin");
    h.set("cache-control", "no-store");
    // The same URL answers with a page or one of its regions.
    h.set("vary", "HX-Request, HX-Target, Cookie");
  });
}

/** Dashboard forms are small: refuse bodies over 256 KiB before parsing them. */
export function formBodyLimit() {
  return bodyLimit({
    maxSize: 256 * 1024,
    onError: () => {
      throw new SidecarError(413, "invalid_request_error", "Form too large", "request_too_large");
    },
  });
}

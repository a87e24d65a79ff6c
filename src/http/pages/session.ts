/**
 * @module session
 * Dashboard sessions: a random secret in an HttpOnly, SameSite=Strict cookie
 * (Secure over HTTPS); only its SHA-256 is stored, with the session's CSRF
 * token, a fixed 12-hour expiry, and which admin token it was made under:
 * a new admin token (a leaked one replaced) ends every session made with
 * the old one.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../../app_deps.ts";
import { generateSecret, sha256Hex, timingSafeEqual } from "../../secrets/token_hash.ts";
import type { SessionRecord } from "../../store/session_repo.ts";
import type { PageEnv } from "./page_env.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "sidecar_session";

/** How long a session lasts from sign-in. */
export const SESSION_TTL_MS = 12 * 3_600_000;

/** Starts a session and sets its cookie. */
export function startSession(deps: AppDeps, c: Context): SessionRecord {
  const secret = generateSecret("");
  const now = deps.now();
  const session: SessionRecord = {
    token_hash: sha256Hex(secret),
    csrf_token: generateSecret(""),
    admin_binding: adminBinding(deps.keyRing.adminHash),
    created_at: now,
    expires_at: now + SESSION_TTL_MS,
  };
  deps.store.sessions.expire(now);
  deps.store.sessions.insert(session);
  setCookie(c, SESSION_COOKIE, secret, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
    maxAge: SESSION_TTL_MS / 1000,
  });
  return session;
}

/** The request's live session, if any. */
export function findSession(deps: AppDeps, c: Context): SessionRecord | undefined {
  const secret = getCookie(c, SESSION_COOKIE);
  if (!secret || secret.length > 200) return undefined;
  const tokenHash = sha256Hex(secret);
  const session = deps.store.sessions.find(tokenHash, deps.now());
  if (!session) return undefined;
  if (!timingSafeEqual(session.admin_binding, adminBinding(deps.keyRing.adminHash))) {
    deps.store.sessions.remove(tokenHash);
    return undefined;
  }
  return session;
}

/**
 * What a session stores of the admin token it was made under: a hash of
 * the token's hash under its own label, so the sessions table never holds
 * the value the admin token is checked against.
 */
export function adminBinding(adminHash: string): string {
  return sha256Hex(`sidecar-session-binding:${adminHash}`);
}

/** Ends the request's session (if any) and clears the cookie. */
export function endSession(deps: AppDeps, c: Context): void {
  const secret = getCookie(c, SESSION_COOKIE);
  if (secret) deps.store.sessions.remove(sha256Hex(secret));
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c) });
}

/**
 * Requires a session; without one, pages redirect to `/login?next=…` and
 * htmx requests get `HX-Redirect` so the whole page goes there.
 */
export function requireSession(deps: AppDeps) {
  return createMiddleware<PageEnv>(async (c, next) => {
    const session = findSession(deps, c);
    if (session) {
      c.set("session", session);
      return await next();
    }
    const here = c.req.header("hx-current-url") ?? c.req.url;
    const login = loginUrl(here);
    if (c.req.header("hx-request")) return c.body(null, 401, { "hx-redirect": login });
    return c.redirect(login, c.req.method === "GET" ? 302 : 303);
  });
}

/** `/login`, remembering a local page to return to. */
export function loginUrl(from: string): string {
  let path = "/";
  try {
    const u = new URL(from, "http://local");
    path = u.pathname + u.search;
  } catch {
    // An unparsable URL: return to the overview.
  }
  return path === "/" ? "/login" : `/login?next=${encodeURIComponent(path)}`;
}

/** Origin `next` is resolved against; only its own paths may come out. */
const LOCAL_ORIGIN = "http://sidecar.invalid";

/**
 * A `next` target that stays on this site, or `/`. Browsers strip tabs and
 * newlines from a `Location` and read `\` as `/`, so `/\t/evil.example`
 * and `/\evil.example` would leave the site; a CR/LF would break the
 * header. So: no control characters or backslashes, resolved against a
 * dummy origin it must not leave, and a path starting with exactly one `/`.
 */
export function safeNext(next: string | undefined): string {
  // deno-lint-ignore no-control-regex -- control characters are what this refuses
  if (!next || !next.startsWith("/") || /[\x00-\x1f\x7f\\]/.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, LOCAL_ORIGIN);
  } catch {
    return "/";
  }
  const path = url.pathname + url.search;
  if (url.origin !== LOCAL_ORIGIN || !path.startsWith("/") || path.startsWith("//")) return "/";
  return path;
}

/** True when the client reached us over HTTPS (directly or via a TLS proxy). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

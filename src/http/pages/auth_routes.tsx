/**
 * @module auth_routes
 * `/login` and `/logout`. Sign-in compares the admin token through the key
 * ring (hash, constant time); failures are limited per client address.
 */
import { type Context, Hono } from "hono";
import { getConnInfo } from "hono/deno";
import type { AppDeps } from "../../app_deps.ts";
import { ForbiddenError } from "../../errors.ts";
import { LoginPage, LogoutPage } from "../../../views/login_page.tsx";
import { csrfGuard, isSameOrigin } from "./csrf.ts";
import { readForm } from "./form_input.ts";
import { LoginLimiter } from "./login_limiter.ts";
import type { PageEnv } from "./page_env.ts";
import { formBodyLimit, securityHeaders } from "./security_headers.ts";
import { endSession, findSession, requireSession, safeNext, startSession } from "./session.ts";

/** Builds the sign-in and sign-out routes; `limiter` is per app instance. */
export function authRoutes(deps: AppDeps, limiter = new LoginLimiter()): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  const headers = securityHeaders();

  r.get("/login", headers, (c) => {
    if (findSession(deps, c)) return c.redirect(safeNext(c.req.query("next")), 302);
    return c.html(<LoginPage next={safeNext(c.req.query("next"))} />);
  });

  r.post("/login", headers, formBodyLimit(), async (c) => {
    // Login CSRF: a cross-site form must not sign the browser in.
    if (!isSameOrigin(c.req.raw.headers, c.req.url)) {
      throw new ForbiddenError("Cross-site sign-in refused", "cross_site_request");
    }
    const client = clientAddress(c);
    const now = deps.now();
    const form = await readForm(c);
    const next = safeNext(form.next);
    const wait = limiter.retryAfterMs(client, now);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return c.html(
        <LoginPage next={next} error={`Too many failed sign-ins: try again in ${seconds} s`} />,
        429,
        { "retry-after": String(seconds) },
      );
    }
    const token = form.token ?? "";
    if (token === "" || !deps.keyRing.isAdmin(token)) {
      limiter.fail(client, now);
      deps.log.warn("dashboard sign-in failed", { client });
      return c.html(<LoginPage next={next} error="That is not the admin token" />, 401);
    }
    limiter.reset(client);
    startSession(deps, c);
    deps.log.info("dashboard sign-in", { client });
    return c.redirect(next, 303);
  });

  r.get("/logout", headers, (c) => {
    const session = findSession(deps, c);
    if (!session) return c.redirect("/login", 302);
    return c.html(<LogoutPage csrf={session.csrf_token} />);
  });

  r.post("/logout", headers, formBodyLimit(), requireSession(deps), csrfGuard(), (c) => {
    endSession(deps, c);
    if (c.req.header("hx-request")) return c.body(null, 204, { "hx-redirect": "/login" });
    return c.redirect("/login", 303);
  });

  return r;
}

/** The peer address; `unknown` in-process (tests) where there is no socket. */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

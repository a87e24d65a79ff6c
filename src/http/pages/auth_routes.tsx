/**
 * @module auth_routes
 * `/login` and `/logout`. Sign-in compares the admin token through the key
 * ring (hash, constant time) first; only failures reach the failed-auth
 * limiter shared with `/api` and `/v1`, so the right token always signs in.
 */
import { Hono } from "hono";
import type { AppDeps } from "../../app_deps.ts";
import { ForbiddenError } from "../../errors.ts";
import { LoginPage, LogoutPage } from "../../../views/login_page.tsx";
import { csrfGuard, isSameOrigin } from "./csrf.ts";
import { readForm } from "./form_input.ts";
import { clientAddress } from "../client_address.ts";
import type { PageEnv } from "./page_env.ts";
import { formBodyLimit, securityHeaders } from "./security_headers.ts";
import { endSession, findSession, requireSession, safeNext, startSession } from "./session.ts";

/** Builds the sign-in and sign-out routes. */
export function authRoutes(deps: AppDeps): Hono<PageEnv> {
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
    const form = await readForm(c);
    const next = safeNext(form.next);
    const token = form.token ?? "";
    if (token === "" || !deps.keyRing.isAdmin(token)) {
      const wait = deps.authLimiter.fail(client, deps.now());
      if (wait > 0) {
        // Limited: answered without a log line, so guessing cannot flood the log.
        const seconds = Math.max(1, Math.ceil(wait / 1000));
        return c.html(
          <LoginPage next={next} error={`Too many failed sign-ins: try again in ${seconds} s`} />,
          429,
          { "retry-after": String(seconds) },
        );
      }
      deps.log.warn("dashboard sign-in failed", { client });
      return c.html(<LoginPage next={next} error="That is not the admin token" />, 401);
    }
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

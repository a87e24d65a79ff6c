/**
 * @module pages_client
 * A signed-in dashboard client over `app.request`: keeps the session
 * cookie, knows the CSRF token, and can act like htmx (`HX-Request`,
 * `HX-Target`) or like a plain browser form post.
 */
import assert from "node:assert/strict";
import {
  ADMIN_TOKEN,
  FakeClock,
  startTestRuntime,
  type TestRuntime,
  type TestRuntimeOptions,
} from "../helpers/test_runtime.ts";

/** Options of one request. */
export interface PageRequest {
  /** Send as htmx would, asking for this region (element id). */
  target?: string;
  /** Send as htmx without a target (e.g. a button whose target has no id). */
  htmx?: boolean;
  headers?: Record<string, string>;
  /** Add the CSRF token as the `_csrf` form field. @default true for posts */
  csrf?: boolean;
}

/** Every dashboard page, as the navigation lists them. */
export const DASHBOARD_PAGES = [
  "/",
  "/backends",
  "/pools",
  "/keys",
  "/prices",
  "/usage",
  "/requests",
  "/cooldowns",
  "/settings",
] as const;

/** A signed-in client. */
export interface PageClient {
  cookie: string;
  csrf: string;
  get(path: string, opts?: PageRequest): Promise<Response>;
  post(path: string, form?: Record<string, string>, opts?: PageRequest): Promise<Response>;
}

/** Signs in with the admin token through `POST /login`. */
export async function signIn(rt: TestRuntime): Promise<PageClient> {
  const res = await rt.app.request("/login", {
    method: "POST",
    body: new URLSearchParams({ token: ADMIN_TOKEN }),
  });
  assert.equal(res.status, 303, await res.text());
  const cookie = sessionCookie(res);
  const home = await rt.app.request("/", { headers: { cookie } });
  const html = await home.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(csrf, "The page carries a CSRF token");
  const headers = (opts: PageRequest = {}) => ({
    cookie,
    ...(opts.target || opts.htmx ? { "hx-request": "true" } : {}),
    ...(opts.target ? { "hx-target": opts.target } : {}),
    ...opts.headers,
  });
  return {
    cookie,
    csrf,
    get: (path, opts) => Promise.resolve(rt.app.request(path, { headers: headers(opts) })),
    post: (path, form = {}, opts = {}) =>
      Promise.resolve(rt.app.request(path, {
        method: "POST",
        headers: headers(opts),
        body: new URLSearchParams({ ...(opts.csrf === false ? {} : { _csrf: csrf }), ...form }),
      })),
  };
}

/** A test runtime with a signed-in client; disposing of it closes the runtime. */
export async function signedIn(
  opts: TestRuntimeOptions = {},
): Promise<{ rt: TestRuntime; client: PageClient } & AsyncDisposable> {
  const rt = await startTestRuntime(opts);
  const client = await signIn(rt);
  return { rt, client, [Symbol.asyncDispose]: () => rt.close() };
}

/** The `<div class="field">` of a form page holding the input named `name`. */
export function fieldOf(html: string, name: string): string {
  const hit = html.split('<div class="field').slice(1).find((f) => f.includes(`name="${name}"`));
  assert.ok(hit, `field ${name} present`);
  return hit;
}

/**
 * A test runtime on a fake clock with backend `a` ("Backend A", models
 * `gpt-4o*`) and a signed-in client: the start of the live-state page tests.
 */
export async function signedInWithBackend(over: Record<string, unknown> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 10, 27, 10, 30, 0));
  const t = await signedIn({ now: clock.now });
  const res = await t.rt.admin("POST", "/api/backends", {
    id: "a",
    name: "Backend A",
    base_url: "http://127.0.0.1:9/v1",
    models: ["gpt-4o*"],
    ...over,
  });
  assert.equal(res.status, 201);
  return { ...t, clock };
}

/** `sidecar_session=…` from a response's Set-Cookie. */
export function sessionCookie(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  const m = /sidecar_session=([^;]+)/.exec(set);
  assert.ok(m, `Set-Cookie carries the session: ${set}`);
  return `sidecar_session=${m[1]}`;
}

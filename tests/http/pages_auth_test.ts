/**
 * @module pages_auth_test
 * Dashboard sign-in, sessions, sign-out, the failed-login limit and the
 * static assets, through `app.request`.
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../src/secrets/token_hash.ts";
import { ADMIN_TOKEN, FakeClock, startTestRuntime } from "../helpers/test_runtime.ts";
import { DASHBOARD_PAGES, sessionCookie, signIn } from "./pages_client.ts";

const login = (token: string, extra: Record<string, string> = {}, headers = {}) =>
  new Request("http://localhost/login", {
    method: "POST",
    headers,
    body: new URLSearchParams({ token, ...extra }),
  });

Deno.test("pages: every page redirects to /login without a session", async () => {
  await using rt = await startTestRuntime();
  for (const path of DASHBOARD_PAGES) {
    const res = await rt.app.request(path);
    assert.equal(res.status, 302, path);
    const want = path === "/" ? "/login" : `/login?next=${encodeURIComponent(path)}`;
    assert.equal(res.headers.get("location"), want);
  }
});

Deno.test("pages: an htmx request without a session gets 401 and HX-Redirect", async () => {
  await using rt = await startTestRuntime();
  const res = await rt.app.request("/", {
    headers: {
      "hx-request": "true",
      "hx-target": "status-table",
      "hx-current-url": "http://x/pools",
    },
  });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("hx-redirect"), "/login?next=%2Fpools");
});

Deno.test("pages: a state change without a session is redirected, not applied", async () => {
  await using rt = await startTestRuntime();
  const res = await rt.app.request("/pools", {
    method: "POST",
    body: new URLSearchParams({ name: "Sneaky" }),
  });
  assert.equal(res.status, 303);
  assert.equal(rt.deps.store.pools.get("sneaky"), undefined);
});

Deno.test("POST /login sets an HttpOnly SameSite=Strict session cookie and stores only its hash", async () => {
  await using rt = await startTestRuntime();
  const res = await rt.app.request(login(ADMIN_TOKEN, { next: "/usage" }));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/usage");
  const set = res.headers.get("set-cookie")!;
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  assert.match(set, /Max-Age=43200/);
  assert.match(set, /Path=\//);
  assert.doesNotMatch(set, /Secure/, "plain http: no Secure flag");
  const secret = sessionCookie(res).split("=")[1]!;
  const now = rt.deps.now();
  assert.ok(rt.deps.store.sessions.find(sha256Hex(secret), now), "found by hash");
  assert.equal(rt.deps.store.sessions.find(secret, now), undefined, "the secret is not stored");
  const page = await rt.app.request("/usage", { headers: { cookie: sessionCookie(res) } });
  assert.equal(page.status, 200);
});

Deno.test("POST /login over HTTPS marks the cookie Secure", async () => {
  await using rt = await startTestRuntime();
  const direct = await rt.app.request(
    new Request("https://sidecar.example/login", {
      method: "POST",
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
    }),
  );
  assert.match(direct.headers.get("set-cookie")!, /Secure/);
  const proxied = await rt.app.request(login(ADMIN_TOKEN, {}, { "x-forwarded-proto": "https" }));
  assert.match(proxied.headers.get("set-cookie")!, /Secure/);
});

Deno.test("POST /login refuses a wrong token with 401 and no cookie", async () => {
  await using rt = await startTestRuntime();
  const res = await rt.app.request(login("not-the-token"));
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("set-cookie"), null);
  assert.match(await res.text(), /That is not the admin token/);
});

Deno.test("POST /login: 10 failures a minute, then 429 with Retry-After; the right token still signs in", async () => {
  const clock = new FakeClock();
  await using rt = await startTestRuntime({ now: clock.now });
  for (let i = 0; i < 10; i++) {
    assert.equal((await rt.app.request(login(`wrong-${i}`))).status, 401);
    clock.advance(1000);
  }
  const limited = await rt.app.request(login("wrong-again"));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "50");
  assert.equal(limited.headers.get("set-cookie"), null);
  assert.match(await limited.text(), /Too many failed sign-ins: try again in 50 s/);
  assert.equal((await rt.app.request(login(ADMIN_TOKEN))).status, 303, "never locks the admin out");
  clock.advance(50_000);
  assert.equal((await rt.app.request(login("wrong"))).status, 401);
});

Deno.test("POST /login refuses a cross-site form", async () => {
  await using rt = await startTestRuntime();
  const res = await rt.app.request(login(ADMIN_TOKEN, {}, { "sec-fetch-site": "cross-site" }));
  assert.equal(res.status, 403);
  assert.equal(res.headers.get("set-cookie"), null);
  const origin = await rt.app.request(login(ADMIN_TOKEN, {}, { origin: "https://evil.example" }));
  assert.equal(origin.status, 403);
});

Deno.test("POST /login never redirects off-site", async () => {
  await using rt = await startTestRuntime();
  for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
    const res = await rt.app.request(login(ADMIN_TOKEN, { next }));
    assert.equal(res.headers.get("location"), "/", next);
  }
});

/** `next` values that must never leave the site, as they appear in a URL's query. */
const HOSTILE_NEXT = [
  "//evil.example/x",
  "/\\evil.example/x",
  "/%09/evil.example/x",
  "/%0d%0a/x",
  "https://evil.example/x",
  "javascript:alert(1)",
  "/%5Cevil.example",
  "/\t/evil.example/x",
  "%2F%2Fevil.example",
  "/%2F/evil.example",
  "///evil.example",
  "/%00x",
];

Deno.test("GET /login while signed in: a hostile next falls back to /", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  for (const next of HOSTILE_NEXT) {
    const res = await client.get(`/login?next=${next}`);
    assert.equal(res.status, 302, next);
    assert.equal(res.headers.get("location"), "/", next);
  }
});

Deno.test("POST /login: a hostile next falls back to /, a local one is kept", async () => {
  await using rt = await startTestRuntime();
  for (const next of HOSTILE_NEXT.map(decodeURIComponent)) {
    const res = await rt.app.request(login(ADMIN_TOKEN, { next }));
    assert.equal(res.status, 303, JSON.stringify(next));
    assert.equal(res.headers.get("location"), "/", JSON.stringify(next));
  }
  const local = await rt.app.request(login(ADMIN_TOKEN, { next: "/usage?range=7d#chart" }));
  assert.equal(local.headers.get("location"), "/usage?range=7d");
  const spaced = await rt.app.request(login(ADMIN_TOKEN, { next: "/requests?q=a b" }));
  assert.equal(spaced.headers.get("location"), "/requests?q=a%20b");
});

Deno.test("GET /login: the sign-in form carries only a safe next", async () => {
  await using rt = await startTestRuntime();
  const res = await rt.app.request("/login?next=/%09/evil.example/x");
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.doesNotMatch(html, /evil\.example/);
});

Deno.test("pages: a session expires after 12 hours", async () => {
  const clock = new FakeClock();
  await using rt = await startTestRuntime({ now: clock.now });
  const client = await signIn(rt);
  clock.advance(12 * 3_600_000 - 1000);
  assert.equal((await client.get("/")).status, 200);
  clock.advance(1000);
  const res = await client.get("/");
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "/login");
});

Deno.test("POST /logout ends the session and clears the cookie", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const refused = await client.post("/logout", {}, { csrf: false });
  assert.equal(refused.status, 403, "sign-out needs the CSRF token too");
  const res = await client.post("/logout");
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/login");
  assert.match(res.headers.get("set-cookie")!, /sidecar_session=;.*Max-Age=0/);
  assert.equal((await client.get("/")).status, 302, "the old cookie is dead");
});

Deno.test("GET /login while signed in goes to the overview", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const res = await client.get("/login");
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "/");
  const form = await rt.app.request("/login");
  assert.equal(form.status, 200);
  assert.match(await form.text(), /name="token" type="password"/);
});

Deno.test("pages: static assets are public, versioned and cached for a year", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const html = await (await client.get("/")).text();
  const urls = [...html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
  assert.deepEqual(
    [...new Set(urls.map((u) => u.split("?")[0]))].sort(),
    ["/static/app.css", "/static/app.js", "/static/favicon.svg", "/static/htmx.min.js"],
  );
  for (const url of new Set(urls)) {
    const res = await rt.app.request(url);
    assert.equal(res.status, 200, url);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const etag = res.headers.get("etag")!;
    await res.body?.cancel();
    const again = await rt.app.request(url, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  }
  const htmx = await (await rt.app.request(urls.find((u) => u.includes("htmx"))!)).text();
  assert.match(htmx, /htmx/);
  const stale = await rt.app.request("/static/app.css?v=old");
  assert.equal(stale.headers.get("cache-control"), "no-cache");
  await stale.body?.cancel();
  assert.equal((await rt.app.request("/static/nope.js")).status, 404);
});

Deno.test("pages: the JSON API and unknown paths keep their JSON errors", async () => {
  await using rt = await startTestRuntime();
  const api = await rt.app.request("/api/nope");
  assert.equal(api.status, 401);
  assert.equal((await api.json()).error.code, "invalid_api_key");
  const other = await rt.app.request("/no-such-page");
  assert.equal(other.status, 404);
  assert.equal((await other.json()).error.type, "not_found_error");
});

Deno.test("pages: a session made under another admin token is refused and deleted after a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-session-bind-" });
  try {
    let cookie: string;
    {
      await using rt = await startTestRuntime({ dataDir });
      cookie = (await signIn(rt)).cookie;
    }
    {
      // Same token again: the session carries on.
      await using rt = await startTestRuntime({ dataDir });
      assert.equal((await rt.app.request("/", { headers: { cookie } })).status, 200);
    }
    await using rt = await startTestRuntime({
      dataDir,
      settings: { adminToken: "sc-admin-the-new-token" },
    });
    const res = await rt.app.request("/backends", { headers: { cookie } });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), "/login?next=%2Fbackends");
    const rows = rt.deps.store.db.prepare("SELECT COUNT(*) AS n FROM sessions").get() as {
      n: number;
    };
    assert.equal(Number(rows.n), 0, "the stale session is deleted");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

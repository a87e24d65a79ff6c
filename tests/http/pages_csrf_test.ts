/**
 * @module pages_csrf_test
 * Every state-changing dashboard request needs the session's CSRF token and
 * a same-origin browser; refused requests change nothing.
 */
import assert from "node:assert/strict";
import { CSP } from "../../src/http/pages/security_headers.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";
import { signIn } from "./pages_client.ts";

const POOL = { name: "Night shift", priority: "10" };

Deno.test("pages: a post without the CSRF token is refused with 403 and stores nothing", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const res = await client.post("/pools", POOL, { csrf: false });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /Missing or invalid CSRF token/);
  assert.equal(rt.deps.store.pools.get("night-shift"), undefined);
});

Deno.test("pages: a wrong CSRF token is refused, in the field or the header", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const field = await client.post("/pools", { ...POOL, _csrf: "forged" }, { csrf: false });
  assert.equal(field.status, 403);
  const header = await client.post("/pools", POOL, {
    csrf: false,
    htmx: true,
    headers: { "x-csrf-token": "forged" },
  });
  assert.equal(header.status, 403);
  assert.equal(rt.deps.store.pools.get("night-shift"), undefined);
});

Deno.test("pages: the token is accepted as the x-csrf-token header (htmx hx-headers)", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const res = await client.post("/pools", POOL, {
    csrf: false,
    target: "pool-form",
    headers: { "x-csrf-token": client.csrf },
  });
  assert.equal(res.status, 200);
  assert.ok(rt.deps.store.pools.get("night-shift"));
});

Deno.test("pages: the page puts the token in hx-headers on <body> and in each form", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const html = await (await client.get("/backends")).text();
  assert.ok(
    html.includes(`hx-headers="{&quot;x-csrf-token&quot;:&quot;${client.csrf}&quot;}"`),
    "hx-headers on body",
  );
  const forms = html.match(/<form[^>]*method="post"/g)!.length;
  const fields = html.match(new RegExp(`name="_csrf" value="${client.csrf}"`, "g"))!.length;
  assert.equal(fields, forms, "every post form carries the token");
});

Deno.test("pages: a cross-site post is refused even with a valid token", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const attempts: Record<string, string>[] = [
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "same-site" },
    { origin: "https://evil.example" },
    { origin: "null" },
  ];
  for (const headers of attempts) {
    const res = await client.post("/pools", POOL, { headers });
    assert.equal(res.status, 403, JSON.stringify(headers));
  }
  assert.equal(rt.deps.store.pools.get("night-shift"), undefined);
});

Deno.test("pages: a same-origin browser post with the token goes through", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const res = await client.post("/pools", POOL, {
    headers: { "sec-fetch-site": "same-origin", origin: "http://localhost" },
  });
  assert.equal(res.status, 303);
  assert.ok(rt.deps.store.pools.get("night-shift"));
});

Deno.test("pages: an htmx CSRF refusal is a notice for the flash region", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  const res = await client.post("/backends/x/delete", {}, {
    csrf: false,
    target: "backends-table",
  });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get("hx-retarget"), "#flash");
  assert.equal(res.headers.get("hx-reswap"), "innerHTML");
  const body = await res.text();
  assert.match(body, /^<div class="notice error"/);
  assert.doesNotMatch(body, /<html/);
});

Deno.test("pages: responses carry a strict CSP and are not cached", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  for (const path of ["/", "/backends", "/settings", "/login"]) {
    const res = await client.get(path === "/login" ? "/logout" : path);
    assert.equal(res.headers.get("content-security-policy"), CSP, path);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("cache-control"), "no-store");
    await res.body?.cancel();
  }
  assert.doesNotMatch(CSP, /unsafe-inline|unsafe-eval/);
});

/**
 * @module layout_test
 * The page shell: assets from Sidecar itself, the CSRF header for htmx,
 * the navigation.
 */
import assert from "node:assert/strict";
import { Layout } from "../../views/layout.tsx";
import { LoginPage } from "../../views/login_page.tsx";

Deno.test("Layout loads only local, versioned assets and configures htmx for a strict CSP", () => {
  const html = String(<Layout title="Pools" section="pools" csrf="abc" version="1.2.3">x</Layout>);
  assert.match(html, /^<!DOCTYPE html><html lang="en">/);
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  for (const u of urls) assert.ok(u.startsWith("/"), `local: ${u}`);
  assert.match(html, /<script src="\/static\/htmx\.min\.js\?v=[0-9a-f]{8}" defer><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="\/static\/app\.css\?v=[0-9a-f]{8}">/);
  assert.match(html, /&quot;includeIndicatorStyles&quot;:false/);
  assert.match(html, /&quot;allowEval&quot;:false/);
  assert.doesNotMatch(html, /<script>|style=/, "no inline script or style");
  assert.match(html, /<title>Pools · Sidecar<\/title>/);
  assert.match(html, /<a href="\/pools" aria-current="page">Pools<\/a>/);
  assert.match(html, /Sidecar 1.2.3/);
});

Deno.test("Layout puts the CSRF token in hx-headers, escaped", () => {
  const html = String(<Layout title="t" section="overview" csrf={`a"b<c`} version="1">x</Layout>);
  assert.match(
    html,
    /<body hx-headers="\{&quot;x-csrf-token&quot;:&quot;a\\&quot;b&lt;c&quot;\}">/,
  );
});

Deno.test("LoginPage posts the token and keeps where to go next", () => {
  const html = String(<LoginPage next="/usage" error="That is not the admin token" />);
  assert.match(html, /<form method="post" action="\/login">/);
  assert.match(html, /name="next" value="\/usage"/);
  assert.match(html, /name="token" type="password"[^>]*required/);
  assert.match(html, /That is not the admin token/);
});

/**
 * @module pages_backends_test
 * `/backends` through `app.request`: full page and partials, create/edit
 * through the same validation as the API, the write-only key, escaping,
 * and the row actions.
 */
import assert from "node:assert/strict";
import { fieldOf, signedIn } from "./pages_client.ts";

const FORM = {
  name: "OpenAI main",
  base_url: "https://api.openai.example/v1",
  api_key: "sk-proj-secret-0123456789abcd",
  pool_id: "primary",
  models: "gpt-4o*, gpt-test\ntext-embedding-3-small\n",
  model_map: "gpt-test = gpt-4o-mini\n# a comment\n* -> fallback-model",
  weight: "2",
  rpm_limit: "500",
  tpm_limit: "",
  enabled: "on",
};

Deno.test("GET /backends: the full page holds the table and form regions", async () => {
  await using t = await signedIn();
  const res = await t.client.get("/backends");
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<section id="backends-table"/);
  assert.match(html, /<section id="backend-form"/);
  assert.match(html, /No backends yet/);
});

Deno.test("GET /backends with HX-Target renders only that region", async () => {
  await using t = await signedIn();
  for (const id of ["backends-table", "backend-form"]) {
    const html = await (await t.client.get("/backends", { target: id })).text();
    assert.ok(html.startsWith(`<section id="${id}"`), id);
    assert.doesNotMatch(html, /<html|<nav/);
  }
});

Deno.test("POST /backends creates through the admin layer; the key is stored, never shown", async () => {
  await using t = await signedIn();
  const res = await t.client.post("/backends", FORM, { target: "backend-form" });
  assert.equal(res.status, 200);
  const html = await res.text();
  const b = t.rt.deps.store.backends.get("openai-main")!;
  assert.deepEqual(b.models, ["gpt-4o*", "gpt-test", "text-embedding-3-small"]);
  assert.deepEqual(b.model_map, { "gpt-test": "gpt-4o-mini", "*": "fallback-model" });
  assert.equal(b.weight, 2);
  assert.equal(b.rpm_limit, 500);
  assert.equal(b.tpm_limit, null);
  assert.equal(b.enabled, true);
  assert.equal(t.rt.deps.registry.get("openai-main")?.api_key, FORM.api_key);
  // A fresh form, the table out of band, a notice out of band.
  assert.match(html, /^<section id="backend-form"/);
  assert.match(html, /<section id="backends-table" class="card" hx-swap-oob="true"/);
  assert.match(html, /<div id="flash" hx-swap-oob="innerHTML">/);
  assert.match(html, /<code class="key-hint">sk-…abcd<\/code>/);
  assert.ok(!html.includes(FORM.api_key), "the key never comes back");
  const page = await (await t.client.get("/backends")).text();
  assert.ok(!page.includes(FORM.api_key));
  assert.ok(!page.includes(t.rt.deps.store.backends.get("openai-main")!.api_key_enc));
});

Deno.test("POST /backends as a plain form post redirects back to the list", async () => {
  await using t = await signedIn();
  const res = await t.client.post("/backends", FORM);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/backends");
});

Deno.test("POST /backends: a validation error is shown at its field with the input kept", async () => {
  await using t = await signedIn();
  const res = await t.client.post("/backends", { ...FORM, base_url: "ftp://nope" }, {
    target: "backend-form",
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(
    fieldOf(html, "base_url"),
    /class="field-error"[^>]*>Must be an http\(s\) URL without credentials</,
  );
  assert.match(fieldOf(html, "base_url"), /aria-invalid="true"/);
  assert.match(fieldOf(html, "name"), /value="OpenAI main"/);
  assert.match(html, /gpt-4o\*, gpt-test/, "the models textarea is kept as typed");
  assert.match(html, /\* -&gt; fallback-model/, "the model map is kept as typed");
  assert.ok(!html.includes(FORM.api_key), "the key is not echoed back");
  assert.equal(t.rt.deps.store.backends.list().length, 0);
});

Deno.test("POST /backends: the same rules as the API name the failing field", async () => {
  await using t = await signedIn();
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ models: " , \n" }, "models", /List at least one model/],
    [{ model_map: "gpt-4o gpt-4o-mini" }, "model_map", /Line 1 must look like/],
    [{ model_map: "a = b\na = c" }, "model_map", /&quot;a&quot; is mapped twice/],
    [{ weight: "-1" }, "weight", /Too small|>=0/i],
    [{ rpm_limit: "lots" }, "rpm_limit", /expected number/],
    [{ pool_id: "nowhere" }, "pool_id", /No pool &quot;nowhere&quot;/],
    [{ name: "  " }, "name", /Must not be empty/],
    [{ id: "Bad Id!" }, "id", /Must be 1-64 chars/],
  ];
  for (const [change, field, message] of cases) {
    const res = await t.client.post("/backends", { ...FORM, ...change }, {
      target: "backend-form",
    });
    assert.equal(res.status, 422, field);
    assert.match(fieldOf(await res.text(), field), message, field);
  }
  assert.equal(t.rt.deps.store.backends.list().length, 0);
});

Deno.test("POST /backends: a duplicate id is shown at the id field", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", { ...FORM, id: "main" });
  const res = await t.client.post("/backends", { ...FORM, id: "main" }, { target: "backend-form" });
  assert.equal(res.status, 422);
  assert.match(fieldOf(await res.text(), "id"), /Backend &quot;main&quot; already exists/);
});

Deno.test("POST /backends without htmx shows errors in the full page", async () => {
  await using t = await signedIn();
  const res = await t.client.post("/backends", { ...FORM, base_url: "nope" });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(fieldOf(html, "base_url"), /field-error/);
});

Deno.test("GET /backends/:id/edit fills the form and never the key", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", FORM);
  const html = await (await t.client.get("/backends/openai-main/edit", { target: "backend-form" }))
    .text();
  assert.match(html, /^<section id="backend-form"/);
  assert.match(html, /Edit backend &quot;OpenAI main&quot;/);
  assert.match(fieldOf(html, "api_key"), /placeholder="unchanged \(sk-…abcd\)"/);
  assert.match(fieldOf(html, "api_key"), /value=""/);
  assert.match(html, /gpt-test = gpt-4o-mini\n\* = fallback-model/);
  assert.ok(!html.includes(FORM.api_key));
  const full = await t.client.get("/backends/openai-main/edit");
  assert.match(await full.text(), /^<!DOCTYPE html>/);
  assert.equal((await t.client.get("/backends/nope/edit")).status, 404);
});

Deno.test("POST /backends/:id: an empty key keeps the stored one; a new one replaces it", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", FORM);
  const sealed = t.rt.deps.store.backends.get("openai-main")!.api_key_enc;
  const { enabled: _unticked, ...rest } = FORM;
  const res = await t.client.post("/backends/openai-main", {
    ...rest,
    name: "OpenAI (edited)",
    api_key: "",
    weight: "3",
    rpm_limit: "",
  }, { target: "backend-form" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("hx-push-url"), "/backends");
  const b = t.rt.deps.store.backends.get("openai-main")!;
  assert.equal(b.name, "OpenAI (edited)");
  assert.equal(b.weight, 3);
  assert.equal(b.rpm_limit, null, "emptied limit means unlimited");
  assert.equal(b.enabled, false, "an unticked box disables");
  assert.equal(b.api_key_enc, sealed, "key untouched");
  assert.equal(t.rt.deps.registry.get("openai-main")?.api_key, FORM.api_key);
  await t.client.post("/backends/openai-main", { ...FORM, api_key: "sk-new-key-9999" });
  assert.equal(t.rt.deps.registry.get("openai-main")?.api_key, "sk-new-key-9999");
  assert.equal(t.rt.deps.store.backends.get("openai-main")!.api_key_hint, "sk-…9999");
});

Deno.test("POST /backends/:id: a refused edit keeps the edit form and its input", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", FORM);
  const res = await t.client.post("/backends/openai-main", { ...FORM, weight: "5000" }, {
    target: "backend-form",
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /Save changes/);
  assert.match(fieldOf(html, "weight"), /value="5000"/);
  assert.match(fieldOf(html, "weight"), /field-error/);
  assert.equal(t.rt.deps.store.backends.get("openai-main")!.weight, 2);
});

Deno.test("pages: a backend named <script> stays text everywhere", async () => {
  await using t = await signedIn();
  const evil = `<script>alert("x")</script>`;
  await t.client.post("/backends", { ...FORM, name: evil, models: `<img src=x onerror=alert(1)>` });
  for (const path of ["/backends", "/", "/pools", "/backends/script-alert-x-script/edit"]) {
    const html = await (await t.client.get(path)).text();
    assert.ok(!html.includes(evil), path);
    assert.ok(!html.includes("<img src=x"), path);
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), path);
  }
});

Deno.test("POST /backends/:id/enabled toggles and redraws the table", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", FORM);
  const res = await t.client.post("/backends/openai-main/enabled", { enabled: "false" }, {
    target: "backends-table",
  });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /^<section id="backends-table"/);
  assert.match(html, /<span class="badge disabled">disabled<\/span>/);
  assert.match(html, /Backend &quot;OpenAI main&quot; disabled/);
  assert.equal(t.rt.deps.store.backends.get("openai-main")!.enabled, false);
  await t.client.post("/backends/openai-main/enabled", { enabled: "true" });
  assert.equal(t.rt.deps.store.backends.get("openai-main")!.enabled, true);
});

Deno.test("POST /backends/:id/clear-cooldown redraws whichever table asked", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", FORM);
  const cool = () =>
    t.rt.deps.registry.report(
      "openai-main",
      { kind: "rate_limited", retryAfterMs: 30_000 },
      t.rt.deps.now(),
    );
  cool();
  const list = await (await t.client.get("/backends", { target: "backends-table" })).text();
  assert.match(list, /badge cooling/);
  assert.match(list, /Clear cooldown/);
  const fromList = await t.client.post("/backends/openai-main/clear-cooldown", {}, {
    target: "backends-table",
  });
  assert.match(await fromList.text(), /^<section id="backends-table"[\s\S]*badge active/);
  cool();
  const fromStatus = await t.client.post("/backends/openai-main/clear-cooldown", {}, {
    target: "status-table",
  });
  const html = await fromStatus.text();
  assert.match(html, /^<section id="status-table"/);
  assert.match(html, /Cooldown of &quot;OpenAI main&quot; cleared/);
  assert.equal(t.rt.deps.registry.status(t.rt.deps.now())[0]!.status, "active");
});

Deno.test("POST /backends/:id/delete removes it; an unknown id is a 404", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", FORM);
  const res = await t.client.post("/backends/openai-main/delete", {}, { target: "backends-table" });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /No backends yet/);
  assert.match(html, /Backend &quot;OpenAI main&quot; deleted/);
  assert.equal(t.rt.deps.store.backends.get("openai-main"), undefined);
  const again = await t.client.post("/backends/openai-main/delete", {}, {
    target: "backends-table",
  });
  assert.equal(again.status, 404);
  assert.match(await again.text(), /No backend &quot;openai-main&quot;/);
  const page = await t.client.post("/backends/openai-main/delete");
  assert.equal(page.status, 404);
  assert.match(await page.text(), /^<!DOCTYPE html>[\s\S]*Not found/);
});

Deno.test("pages: the delete button asks for confirmation", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", FORM);
  const html = await (await t.client.get("/backends")).text();
  assert.match(
    html,
    /hx-confirm="Delete backend &quot;OpenAI main&quot;\? Its request history is kept."/,
  );
});

Deno.test("POST /backends: resume is chosen in the form; a value outside the select is refused at its field", async () => {
  await using t = await signedIn();
  const bad = await t.client.post("/backends", { ...FORM, resume: "always" }, {
    target: "backend-form",
  });
  assert.equal(bad.status, 422);
  const html = await bad.text();
  assert.match(
    fieldOf(html, "resume"),
    /class="field-error"[^>]*>Must be &quot;off&quot;, &quot;prefill&quot; or &quot;continue_final_message&quot;</,
  );
  assert.match(fieldOf(html, "resume"), /aria-invalid="true"/);
  assert.match(fieldOf(html, "name"), /value="OpenAI main"/, "the rest is kept");
  assert.equal(t.rt.deps.store.backends.list().length, 0, "nothing stored");

  await t.client.post("/backends", { ...FORM, resume: "continue_final_message" });
  assert.equal(t.rt.deps.store.backends.get("openai-main")!.resume, "continue_final_message");
  const edit = await (await t.client.get("/backends/openai-main/edit", { target: "backend-form" }))
    .text();
  assert.match(fieldOf(edit, "resume"), /<option value="continue_final_message" selected>/);
  const refused = await t.client.post("/backends/openai-main", { ...FORM, resume: "sometimes" }, {
    target: "backend-form",
  });
  assert.equal(refused.status, 422);
  assert.match(fieldOf(await refused.text(), "resume"), /field-error/);
  assert.equal(t.rt.deps.store.backends.get("openai-main")!.resume, "continue_final_message");
});

Deno.test("GET /backends shows resume and not-resumable models; a dashboard edit clears them", async () => {
  await using t = await signedIn();
  await t.client.post("/backends", { ...FORM, resume: "prefill" });
  t.rt.deps.registry.markNotResumable("openai-main", "gpt-4o-mini", t.rt.deps.now());
  const list = await (await t.client.get("/backends", { target: "backends-table" })).text();
  assert.match(
    list,
    /resume: prefill — not resumable for <span class="mono">gpt-4o-mini<\/span> \(since \d\d:\d\d:\d\d\)/,
  );
  const res = await t.client.post("/backends/openai-main", { ...FORM, resume: "prefill" }, {
    target: "backend-form",
  });
  assert.equal(res.status, 200);
  const after = await res.text();
  assert.match(after, /resume: prefill<\/span>/);
  assert.doesNotMatch(after, /not resumable/);
  assert.deepEqual(t.rt.deps.registry.resumeMarks("openai-main"), []);
  assert.deepEqual(t.rt.deps.store.resumeMarks.loadAll(), []);
});

/**
 * @module pages_backend_api_test
 * The backend form's API select through `app.request`: chosen and stored,
 * an unknown value and a bad base URL refused beside their fields with the
 * input kept, the base URL cut to its root shown in the save notice, the
 * edit form and the table showing the stored api.
 */
import assert from "node:assert/strict";
import { fieldOf, signedIn } from "./pages_client.ts";

const FORM = {
  id: "claude",
  name: "Claude",
  api: "anthropic",
  base_url: "https://api.anthropic.com",
  api_key: "sk-ant-test-0000000000000000000000001234",
  pool_id: "primary",
  models: "claude-*",
  enabled: "on",
};

Deno.test("POST /backends: the API is chosen in the form and stored; edit and table show it", async () => {
  await using t = await signedIn();
  const blank = await (await t.client.get("/backends", { target: "backend-form" })).text();
  assert.match(fieldOf(blank, "api"), /<option value="openai" selected>/);
  assert.match(fieldOf(blank, "base_url"), /Sidecar appends \/v1\/messages/);

  const res = await t.client.post("/backends", FORM, { target: "backend-form" });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(t.rt.deps.store.backends.get("claude")!.api, "anthropic");
  assert.equal(t.rt.deps.registry.get("claude")!.api, "anthropic");
  assert.match(await res.text(), /data-api="anthropic">anthropic</, "the table out of band");

  const edit = await (await t.client.get("/backends/claude/edit", { target: "backend-form" }))
    .text();
  assert.match(fieldOf(edit, "api"), /<option value="anthropic" selected>/);
  const page = await (await t.client.get("/backends")).text();
  assert.match(page, /<tr data-backend="claude"[\s\S]*?data-api="anthropic">anthropic</);
});

Deno.test("POST /backends: an api outside the select is refused beside it, the input kept", async () => {
  await using t = await signedIn();
  const res = await t.client.post("/backends", { ...FORM, api: "gemini" }, {
    target: "backend-form",
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(
    fieldOf(html, "api"),
    /class="field-error"[^>]*>Must be &quot;openai&quot; or &quot;anthropic&quot;</,
  );
  assert.match(fieldOf(html, "api"), /aria-invalid="true"/);
  assert.match(fieldOf(html, "name"), /value="Claude"/);
  assert.equal(t.rt.deps.store.backends.list().length, 0, "nothing stored");
});

Deno.test("POST /backends: an openai URL naming an endpoint is refused beside base_url", async () => {
  await using t = await signedIn();
  const url = "https://api.openai.com/v1/chat/completions";
  const res = await t.client.post("/backends", { ...FORM, api: "openai", base_url: url }, {
    target: "backend-form",
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(
    fieldOf(html, "base_url"),
    /class="field-error"[^>]*>The base URL ends in the endpoint \/chat\/completions: give the API&#39;s base/,
  );
  assert.match(fieldOf(html, "base_url"), new RegExp(`value="${url}"`), "kept as typed");
  assert.match(fieldOf(html, "api"), /<option value="openai" selected>/, "the choice kept");
  assert.equal(t.rt.deps.store.backends.list().length, 0);
});

Deno.test("POST /backends: an anthropic URL with /v1/messages is saved as the root, the notice says so", async () => {
  await using t = await signedIn();
  const res = await t.client.post(
    "/backends",
    { ...FORM, base_url: "https://api.anthropic.com/v1/messages" },
    { target: "backend-form" },
  );
  assert.equal(res.status, 200);
  const html = await res.text();
  const flash = html.slice(html.indexOf('<div id="flash"'));
  assert.match(flash, /Backend &quot;Claude&quot; created as claude\./);
  assert.match(
    flash,
    /stored as &quot;https:\/\/api\.anthropic\.com&quot;: an anthropic backend&#39;s base URL is the host root/,
  );
  assert.equal(t.rt.deps.store.backends.get("claude")!.base_url, "https://api.anthropic.com");

  // Switching the API on edit checks the stored URL against it.
  const edited = await t.client.post(
    "/backends/claude",
    { ...FORM, api: "openai", base_url: "https://api.anthropic.com/v1/messages" },
    { target: "backend-form" },
  );
  assert.equal(edited.status, 422);
  assert.match(fieldOf(await edited.text(), "base_url"), /Messages endpoint/);
  assert.equal(t.rt.deps.store.backends.get("claude")!.api, "anthropic");
});

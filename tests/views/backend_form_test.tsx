/**
 * @module backend_form_test
 * The backend form: errors at their fields, the key write-only.
 */
import assert from "node:assert/strict";
import { newBackendValues } from "../../src/http/pages/backend_form.ts";
import type { Pool } from "../../src/store/rows.ts";
import { BackendForm } from "../../views/backend_form.tsx";

const POOLS: Pool[] = [
  { id: "primary", name: "Primary", priority: 0, managed: null, created_at: "", updated_at: "" },
  {
    id: "fallback",
    name: "Fallback",
    priority: 100,
    managed: null,
    created_at: "",
    updated_at: "",
  },
];

Deno.test("BackendForm (create) posts to /backends and swaps its own card", () => {
  const html = String(
    <BackendForm mode="create" values={newBackendValues()} pools={POOLS} csrf="tok" />,
  );
  assert.match(html, /^<section id="backend-form" class="card">/);
  assert.match(
    html,
    /<form method="post" action="\/backends" hx-post="\/backends" hx-target="#backend-form" hx-swap="outerHTML"/,
  );
  assert.match(html, /name="_csrf" value="tok"/);
  assert.match(html, /<option value="primary" selected>Primary \(priority 0\)<\/option>/);
  assert.match(html, /name="enabled" id="f-enabled" checked/);
  assert.match(html, /name="api_key" type="password" value=""/);
});

Deno.test("BackendForm shows each error beside its field, with aria wiring", () => {
  const html = String(
    <BackendForm
      mode="create"
      values={{ ...newBackendValues(), name: "Kept", base_url: "nope" }}
      errors={{ base_url: "Must be an http(s) URL", _form: "Something general" }}
      pools={POOLS}
      csrf="t"
    />,
  );
  assert.match(html, /<div class="notice error" role="alert"><div>Something general/);
  assert.match(
    html,
    /name="base_url" type="url" value="nope"[^>]*aria-invalid="true" aria-describedby="f-base_url-help f-base_url-error"/,
  );
  assert.match(
    html,
    /<span class="field-error" id="f-base_url-error">Must be an http\(s\) URL<\/span>/,
  );
  assert.match(html, /name="name" type="text" value="Kept"/);
  assert.equal(html.match(/field-error/g)?.length, 1);
});

Deno.test("BackendForm (edit) never holds the key, only its hint as a placeholder", () => {
  const html = String(
    <BackendForm
      mode="edit"
      values={{ ...newBackendValues("fallback"), id: "b1", name: "B1" }}
      pools={POOLS}
      csrf="t"
      keyHint="sk-…f3a9"
    />,
  );
  assert.match(html, /action="\/backends\/b1"/);
  assert.match(
    html,
    /name="api_key" type="password" value="" placeholder="unchanged \(sk-…f3a9\)"/,
  );
  assert.match(html, /Leave empty to keep the stored key/);
  assert.match(html, /<option value="fallback" selected>/);
  assert.doesNotMatch(html, /name="id"/, "the id is fixed once created");
  assert.match(html, /Cancel/);
});

Deno.test("BackendForm offers the three resume modes, each explained, the value selected", () => {
  const html = String(
    <BackendForm
      mode="create"
      values={{ ...newBackendValues(), resume: "prefill" }}
      pools={POOLS}
      csrf="t"
    />,
  );
  assert.match(html, /<select id="f-resume" name="resume"/);
  const options = [
    ...html.matchAll(
      /<option value="(off|prefill|continue_final_message)"( selected)? ?>([^<]*)</g,
    ),
  ];
  assert.deepEqual(options.map((m) => [m[1], m[2] === " selected"]), [
    ["off", false],
    ["prefill", true],
    ["continue_final_message", false],
  ]);
  for (const [, value, , label] of options) assert.ok(label!.startsWith(`${value}: `), label);
  assert.match(
    String(<BackendForm mode="create" values={newBackendValues()} pools={POOLS} csrf="t" />),
    /<option value="off" selected>/,
    "off by default",
  );
});

Deno.test("BackendForm shows a resume error beside the select", () => {
  const html = String(
    <BackendForm
      mode="create"
      values={{ ...newBackendValues(), resume: "always" }}
      errors={{ resume: 'Invalid "resume": Must be "off", "prefill" or "continue_final_message"' }}
      pools={POOLS}
      csrf="t"
    />,
  );
  assert.match(
    html,
    /<select id="f-resume" name="resume" aria-invalid="true" aria-describedby="f-resume-help f-resume-error">/,
  );
  assert.match(html, /<span class="field-error" id="f-resume-error">Invalid &quot;resume&quot;/);
  const start = html.indexOf('<select id="f-resume"');
  const select = html.slice(start, html.indexOf("</select>", start));
  assert.match(select, /<option value="off"/);
  assert.doesNotMatch(select, / selected/, "no mode claims an unknown value");
});

Deno.test("BackendForm offers the two APIs, openai by default, with the base URL rule as the hint", () => {
  const create = String(
    <BackendForm mode="create" values={newBackendValues()} pools={POOLS} csrf="t" />,
  );
  assert.match(create, /<select id="f-api" name="api"/);
  const options = [
    ...create.matchAll(/<option value="(openai|anthropic)"( selected)? ?>([^<]*)</g),
  ];
  assert.deepEqual(options.map((m) => [m[1], m[2] === " selected"]), [
    ["openai", true],
    ["anthropic", false],
  ]);
  assert.match(create, /placeholder="https:\/\/api\.openai\.com\/v1"/);
  const help = create.match(/<span class="help" id="f-base_url-help">([^<]*)</)?.[1] ?? "";
  assert.match(help, /openai: the API&#39;s base up to and including its version/);
  assert.match(
    help,
    /anthropic: the host root \(https:\/\/api\.anthropic\.com\); Sidecar appends \/v1\/messages/,
  );

  const claude = String(
    <BackendForm
      mode="edit"
      values={{ ...newBackendValues(), id: "claude", api: "anthropic" }}
      pools={POOLS}
      csrf="t"
    />,
  );
  assert.match(claude, /<option value="anthropic" selected>/);
  assert.match(claude, /placeholder="https:\/\/api\.anthropic\.com"/);
});

Deno.test("BackendForm shows an api error beside the select, no API claiming the value", () => {
  const html = String(
    <BackendForm
      mode="create"
      values={{ ...newBackendValues(), api: "gemini" }}
      errors={{ api: 'Must be "openai" or "anthropic"' }}
      pools={POOLS}
      csrf="t"
    />,
  );
  assert.match(
    html,
    /<select id="f-api" name="api" aria-invalid="true" aria-describedby="f-api-help f-api-error">/,
  );
  assert.match(html, /<span class="field-error" id="f-api-error">Must be &quot;openai&quot;/);
  const start = html.indexOf('<select id="f-api"');
  assert.doesNotMatch(html.slice(start, html.indexOf("</select>", start)), / selected/);
  assert.equal(html.match(/field-error/g)?.length, 1);
});

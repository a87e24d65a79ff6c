/**
 * @module backend_table_test
 * The backends table's resume line: the mode, and the models that refused
 * a continuation with the instant they did.
 */
import assert from "node:assert/strict";
import type { BackendView } from "../../src/admin/backends.ts";
import type { Pool } from "../../src/store/rows.ts";
import { BackendTable } from "../../views/backend_table.tsx";

const NOW = Date.UTC(2026, 10, 27, 10, 30, 0);
const POOLS: Pool[] = [{
  id: "primary",
  name: "Primary",
  priority: 0,
  managed: null,
  created_at: "",
  updated_at: "",
}];

function view(id: string, over: Partial<BackendView> = {}): BackendView {
  return {
    id,
    name: id,
    base_url: "http://x/v1",
    api_key_hint: "",
    pool_id: "primary",
    models: ["gpt-4o*"],
    model_map: {},
    weight: 1,
    rpm_limit: null,
    tpm_limit: null,
    enabled: true,
    resume: "off",
    api: "openai",
    managed: null,
    not_resumable_models: [],
    status: "active",
    paused: false,
    cooldown_until: null,
    consecutive_429: 0,
    created_at: "",
    updated_at: "",
    ...over,
  };
}

Deno.test("BackendTable shows each backend's resume mode and its not-resumable models", () => {
  const html = String(
    <BackendTable
      backends={[
        view("a"),
        view("b", { resume: "prefill", not_resumable_models: ["gpt-4o", "o1"] }),
      ]}
      pools={POOLS}
      csrf="t"
      now={NOW}
      resumeMarks={new Map([["b", [
        { backendId: "b", model: "gpt-4o", markedAt: Date.UTC(2026, 10, 27, 10, 5, 9) },
        { backendId: "b", model: "o1", markedAt: Date.UTC(2026, 10, 26, 23, 0, 0) },
      ]]])}
    />,
  );
  const rows = html.split("<tr data-backend=").slice(1);
  assert.match(rows[0]!, /<span class="sub resume">resume: off<\/span>/);
  assert.match(
    rows[1]!,
    /resume: prefill — not resumable for <span class="mono">gpt-4o<\/span> \(since 10:05:09\), <span class="mono">o1<\/span> \(since 2026-11-26 23:00:00\)/,
  );
});

Deno.test("BackendTable without marks shows the mode alone", () => {
  const html = String(
    <BackendTable
      backends={[view("a", { resume: "continue_final_message" })]}
      pools={POOLS}
      csrf="t"
      now={NOW}
    />,
  );
  assert.match(html, /resume: continue_final_message<\/span>/);
  assert.doesNotMatch(html, /not resumable/);
});

Deno.test("BackendTable: a paused backend reads paused — until cleared with Resume; others have Pause", () => {
  const html = String(
    <BackendTable
      backends={[
        view("a", { status: "cooling", paused: true }),
        view("b", { managed: "file" }),
      ]}
      pools={POOLS}
      csrf="t"
      now={NOW}
      managedBy="/etc/sidecar.yaml"
    />,
  );
  const [a, b] = html.split("<tr data-backend=").slice(1);
  assert.match(a!, /<span class="sub paused">paused — until cleared<\/span>/);
  assert.doesNotMatch(a!, /countdown|probing|× 429/);
  assert.match(a!, /hx-post="\/backends\/a\/clear-cooldown" hx-target="#backends-table"/);
  assert.match(a!, />Resume<\/button>/);
  assert.doesNotMatch(a!, />Pause<|Clear cooldown/);
  // Live state is not config: a file backend is paused like any other.
  assert.match(b!, /Managed by \/etc\/sidecar.yaml/);
  assert.match(b!, /hx-post="\/backends\/b\/pause"[^>]*hx-confirm="Pause backend &quot;b&quot;\?/);
});

Deno.test("BackendTable shows the API each backend speaks", () => {
  const html = String(
    <BackendTable
      backends={[
        view("a"),
        view("claude", { api: "anthropic", base_url: "https://api.anthropic.com" }),
      ]}
      pools={POOLS}
      csrf="t"
      now={NOW}
    />,
  );
  assert.match(html, /<th>Pool<\/th><th>API<\/th>/);
  const rows = html.split("<tr data-backend=").slice(1);
  assert.match(rows[0]!, /<td class="nowrap mono" data-api="openai">openai<\/td>/);
  assert.match(rows[1]!, /<td class="nowrap mono" data-api="anthropic">anthropic<\/td>/);
  assert.match(rows[1]!, /claude · https:\/\/api\.anthropic\.com/);
});

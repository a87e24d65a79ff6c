/**
 * @module status_table_test
 * The overview's live status region.
 */
import assert from "node:assert/strict";
import type { StatusView } from "../../views/view_models.ts";
import { StatusTable } from "../../views/status_table.tsx";

const row = (over: Partial<StatusView> = {}): StatusView => ({
  id: "openai-main",
  name: "OpenAI main",
  pool_id: "primary",
  pool_name: "Primary",
  status: "active",
  paused: false,
  remaining_ms: null,
  cooldown_until: null,
  consecutive_429: 0,
  failures: 0,
  rpm_limit: 500,
  rpm_tokens_left: 412,
  in_flight: 2,
  models_cooling: [],
  ...over,
});

Deno.test("StatusTable polls itself every 3 s and replaces itself", () => {
  const html = String(<StatusTable rows={[row()]} csrf="t" />);
  assert.match(
    html,
    /^<section id="status-table" class="card" hx-get="\/" hx-trigger="every 3s" hx-target="this" hx-swap="outerHTML">/,
  );
  assert.match(html, /412 \/ 500/);
  assert.match(html, /<td class="num">2<\/td><td>/, "in flight");
  assert.doesNotMatch(html, /Clear cooldown/);
});

Deno.test("StatusTable: a cooling row carries the remaining ms for the countdown and a clear button", () => {
  const html = String(
    <StatusTable
      rows={[row({
        status: "cooling",
        remaining_ms: 27_400,
        cooldown_until: "2026-11-27T10:00:27.400Z",
        consecutive_429: 3,
      })]}
      csrf="tok"
    />,
  );
  assert.match(html, /<tr data-backend="openai-main" class="is-cooling">/);
  assert.match(
    html,
    /<span class="countdown" data-remaining-ms="27400" title="Until 2026-11-27 10:00:27 UTC">28s<\/span>/,
  );
  assert.match(html, /<td class="num">3<\/td>/);
  assert.match(html, /hx-post="\/backends\/openai-main\/clear-cooldown" hx-target="#status-table"/);
  assert.match(html, /name="_csrf" value="tok"/);
  assert.match(html, /1 cooling/);
});

Deno.test("StatusTable: probing, disabled and unlimited read plainly", () => {
  const html = String(
    <StatusTable
      rows={[
        row({ id: "p", status: "cooling", remaining_ms: null }),
        row({ id: "d", status: "disabled", rpm_limit: null, rpm_tokens_left: null }),
      ]}
      csrf="t"
    />,
  );
  assert.match(html, /<span class="sub">probing<\/span>/);
  assert.match(html, /<span class="badge disabled">disabled<\/span>/);
  assert.match(html, /unlimited/);
});

Deno.test("StatusTable: an empty state points to the Backends page; names are escaped", () => {
  assert.match(
    String(<StatusTable rows={[]} csrf="t" />),
    /No backends yet[\s\S]*href="\/backends"/,
  );
  const html = String(<StatusTable rows={[row({ name: "<b>x</b>" })]} csrf="t" />);
  assert.match(html, /&lt;b&gt;x&lt;\/b&gt;/);
  assert.ok(!html.includes("<b>x</b>"));
});

Deno.test("StatusTable: a model cooling on its own is listed under an active backend with its countdown", () => {
  const html = String(
    <StatusTable
      rows={[row({
        consecutive_429: 2,
        models_cooling: [
          {
            model: "gpt-4o",
            remaining_ms: 12_000,
            cooldown_until: "2026-11-27T10:00:12.000Z",
            consecutive_429: 2,
          },
          { model: "gpt-4o-mini", remaining_ms: null, cooldown_until: null, consecutive_429: 1 },
        ],
      })]}
      csrf="t"
    />,
  );
  assert.match(html, /<span class="badge active">active<\/span>/);
  assert.match(
    html,
    /<li class="sub nowrap" data-model="gpt-4o"><code>gpt-4o<\/code> cooling <span class="countdown" data-remaining-ms="12000"[^>]*>12 ?s<\/span> \(429 ×2\)<\/li>/,
  );
  assert.match(html, /data-model="gpt-4o-mini">.*probing.*\(429 ×1\)/);
  // Clearing there clears both scopes: the button shows for a model cooldown too.
  assert.match(html, /action="\/backends\/openai-main\/clear-cooldown"/);
});

Deno.test("StatusTable: a paused row reads paused — until cleared and offers Resume, not Pause", () => {
  const html = String(
    <StatusTable rows={[row({ status: "cooling", paused: true })]} csrf="t" />,
  );
  assert.match(html, /<span class="sub paused">paused — until cleared<\/span>/);
  assert.doesNotMatch(html, /probing|countdown/);
  assert.match(html, /action="\/backends\/openai-main\/clear-cooldown"[\s\S]*>Resume<\/button>/);
  assert.doesNotMatch(html, />Pause<|Clear cooldown/);
});

Deno.test("StatusTable: Pause asks first; a disabled backend has none", () => {
  const html = String(
    <StatusTable rows={[row(), row({ id: "off", status: "disabled" })]} csrf="t" />,
  );
  const [active, disabled] = html.split("<tr data-backend=").slice(1);
  assert.match(
    active!,
    /hx-post="\/backends\/openai-main\/pause" hx-target="#status-table" hx-swap="outerHTML" hx-confirm="Pause backend &quot;OpenAI main&quot;\?/,
  );
  assert.match(active!, /name="return_to" value="\/"/, "a plain post comes back here");
  assert.doesNotMatch(disabled!, />Pause</);
});

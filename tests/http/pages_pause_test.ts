/**
 * @module pages_pause_test
 * Pause on the dashboard (docs/cooldowns.md, "Pause"): the Pause action on
 * the backends list and the overview's status table (asking first), a paused
 * backend shown "paused — until cleared" with a Resume that is a
 * clear-cooldown, the plain-post redirects, a file-managed backend paused
 * too, and the cooldowns page showing a running pause without an end.
 */
import assert from "node:assert/strict";
import { ConfigFileLoader } from "../../src/config_file/config_file_loader.ts";
import { signedInWithBackend } from "./pages_client.ts";

const setup = () => signedInWithBackend();

/** The `<tr>` of backend `id` in `html`. */
function rowOf(html: string, id: string): string {
  const m = new RegExp(`<tr data-backend="${id}"[\\s\\S]*?</tr>`).exec(html);
  assert.ok(m, `row ${id} present`);
  return m[0];
}

const CONFIRM =
  /hx-confirm="Pause backend &quot;Backend A&quot;\? It takes no requests until you resume it."/;

Deno.test("dashboard: Pause on the backends list redraws it paused, and Resume clears it", async () => {
  await using t = await setup();
  const before = rowOf(await (await t.client.get("/backends")).text(), "a");
  assert.match(before, /hx-post="\/backends\/a\/pause" hx-target="#backends-table"/);
  assert.match(before, CONFIRM);
  assert.doesNotMatch(before, /Resume|Clear cooldown/);

  const res = await t.client.post("/backends/a/pause", {}, { target: "backends-table" });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /^<section id="backends-table"/);
  assert.match(html, /Backend &quot;Backend A&quot; paused until resumed/);
  const paused = rowOf(html, "a");
  assert.match(paused, /<span class="badge cooling">cooling<\/span>/);
  assert.match(paused, /<span class="sub paused">paused — until cleared<\/span>/);
  assert.doesNotMatch(paused, /countdown|probing/, "no countdown for a pause");
  assert.match(paused, /action="\/backends\/a\/clear-cooldown"[\s\S]*>Resume<\/button>/);
  assert.doesNotMatch(paused, />Pause<|Clear cooldown/);
  assert.equal(t.rt.deps.registry.status(t.clock.ms)[0]!.paused, true);

  const resumed = await t.client.post("/backends/a/clear-cooldown", {}, {
    target: "backends-table",
  });
  const after = await resumed.text();
  assert.match(after, /Backend &quot;Backend A&quot; resumed/);
  assert.match(rowOf(after, "a"), /<span class="badge active">active<\/span>/);
  assert.match(rowOf(after, "a"), />Pause<\/button>/);
  assert.equal(t.rt.deps.registry.status(t.clock.ms)[0]!.paused, false);
});

Deno.test("dashboard: Pause and Resume from the overview's status table redraw that table", async () => {
  await using t = await setup();
  const overview = rowOf(await (await t.client.get("/", { target: "status-table" })).text(), "a");
  assert.match(overview, /hx-post="\/backends\/a\/pause" hx-target="#status-table"/);
  assert.match(overview, CONFIRM);

  const html = await (await t.client.post("/backends/a/pause", {}, { target: "status-table" }))
    .text();
  assert.match(html, /^<section id="status-table"/);
  assert.match(html, /<span class="badge cooling">1 cooling<\/span>/);
  assert.match(rowOf(html, "a"), /paused — until cleared/);
  assert.doesNotMatch(rowOf(html, "a"), /probing|countdown/);
  assert.match(rowOf(html, "a"), /hx-post="\/backends\/a\/clear-cooldown"[\s\S]*>Resume</);
  // The poll keeps showing it.
  const polled = await (await t.client.get("/", { target: "status-table" })).text();
  assert.match(rowOf(polled, "a"), /paused — until cleared/);

  const resumed = await (await t.client.post("/backends/a/clear-cooldown", {}, {
    target: "status-table",
  })).text();
  assert.match(resumed, /^<section id="status-table"/);
  assert.match(rowOf(resumed, "a"), /badge active/);
});

Deno.test("dashboard: Pause and Resume without JavaScript post, then redirect to the page they came from", async () => {
  await using t = await setup();
  const fromList = await t.client.post("/backends/a/pause");
  assert.equal(fromList.status, 303);
  assert.equal(fromList.headers.get("location"), "/backends");
  assert.match(
    rowOf(await (await t.client.get("/backends")).text(), "a"),
    /paused — until cleared/,
  );
  // The overview's buttons carry where to come back to.
  const page = await (await t.client.get("/")).text();
  assert.match(rowOf(page, "a"), /<input type="hidden" name="return_to" value="\/">/);
  const fromOverview = await t.client.post("/backends/a/clear-cooldown", { return_to: "/" });
  assert.equal(fromOverview.status, 303);
  assert.equal(fromOverview.headers.get("location"), "/");
  assert.equal(t.rt.deps.registry.status(t.clock.ms)[0]!.status, "active");
  // Anything else goes to the list: the field chooses between two pages, never a URL.
  const odd = await t.client.post("/backends/a/pause", { return_to: "https://evil.example/" });
  assert.equal(odd.headers.get("location"), "/backends");
  assert.equal((await t.client.post("/backends/nope/pause")).status, 404);
  assert.equal((await t.client.post("/backends/a/pause", {}, { csrf: false })).status, 403);
});

Deno.test("dashboard: a disabled backend offers no Pause; a paused one is paused on the API too", async () => {
  await using t = await setup();
  await t.client.post("/backends/a/enabled", { enabled: "false" });
  const row = rowOf(await (await t.client.get("/backends")).text(), "a");
  assert.doesNotMatch(row, />Pause</);
  await t.client.post("/backends/a/enabled", { enabled: "true" });
  await t.client.post("/backends/a/pause");
  const view = await (await t.rt.admin("GET", "/api/backends/a")).json();
  assert.equal(view.data.paused, true);
});

Deno.test("dashboard: a file-managed backend can be paused and resumed (live state, not config)", async () => {
  await using t = await setup();
  const path = `${t.rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(
    path,
    `backends:\n  - { id: filed, name: Filed, base_url: "http://127.0.0.1:9/v1", models: ["*"] }\n`,
  );
  assert.deepEqual(await new ConfigFileLoader(t.rt.deps, path).load("test"), { applied: true });
  const row = rowOf(await (await t.client.get("/backends")).text(), "filed");
  assert.match(row, /Managed by [^<]*sidecar\.yaml/);
  assert.match(row, /action="\/backends\/filed\/pause"/);
  const html = await (await t.client.post("/backends/filed/pause", {}, {
    target: "backends-table",
  })).text();
  assert.match(rowOf(html, "filed"), /paused — until cleared/);
  assert.match(rowOf(html, "filed"), />Resume</);
  await t.client.post("/backends/filed/clear-cooldown");
  assert.equal(
    t.rt.deps.registry.status(t.clock.ms).find((s) => s.backend_id === "filed")?.paused,
    false,
  );
});

Deno.test("dashboard: the cooldowns page shows a running pause as until cleared, then its real end", async () => {
  await using t = await setup();
  await t.client.post("/backends/a/pause");
  t.rt.deps.store.writes.flush();
  const running = await (await t.client.get("/cooldowns")).text();
  assert.match(running, /paused by an operator/);
  assert.match(
    running,
    /title="Until cleared"><span class="badge cooling">paused<\/span> <span class="sub paused">until cleared<\/span>/,
  );
  assert.doesNotMatch(running, /275760|data-remaining-ms/);
  t.clock.advance(90_000);
  await t.client.post("/backends/a/clear-cooldown");
  t.rt.deps.store.writes.flush();
  const ended = await (await t.client.get("/cooldowns")).text();
  assert.doesNotMatch(ended, /until cleared|275760/);
  assert.match(
    ended,
    /<td title="2026-11-27 10:31:30 UTC">10:31:30<span class="sub">ended just now/,
  );
  assert.match(ended, /<td class="num">90 s<\/td>/, "the pause's real length");
});

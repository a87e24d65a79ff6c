/**
 * @module pages_managed_test
 * The dashboard and the config file (docs/config.md, "Managed items" and
 * "Reloading"): items the file declares are read-only on the backends,
 * pools and keys pages ("Managed by <file>" in place of their edit and
 * delete buttons, their form opened read-only), the settings the file sets
 * are disabled, a write the page would refuse anyway is a 409 naming the
 * file, and a refused reload puts a banner on every page until a good load.
 */
import assert from "node:assert/strict";
import { ConfigFileLoader } from "../../src/config_file/config_file_loader.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";
import { DASHBOARD_PAGES, type PageClient, signIn } from "./pages_client.ts";

const SHA = "ab".repeat(32);

const FILE = `settings: { pool_retries: 0 }
pools:
  - { id: team, name: Team pool, priority: 5 }
backends:
  - { id: filed, name: Filed backend, base_url: "http://127.0.0.1:9/v1", models: ["*"], pool_id: team }
keys:
  - { id: filed-key, name: filed-client, sha256: "${SHA}" }
`;

async function setup() {
  const rt = await startTestRuntime();
  const path = `${rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(path, FILE);
  const loader = new ConfigFileLoader(rt.deps, path, { env: () => undefined });
  assert.deepEqual(await loader.load("test"), { applied: true });
  const client = await signIn(rt);
  // A dashboard item of each kind beside the file's.
  for (
    const [route, body] of [
      ["/api/pools", { id: "mine", name: "My pool", priority: 20 }],
      ["/api/backends", {
        id: "dash",
        name: "Dash",
        base_url: "http://127.0.0.1:9/v1",
        models: ["x"],
      }],
      ["/api/keys", { name: "dash-client" }],
    ] as const
  ) assert.equal((await rt.admin("POST", route, body)).status, 201, route);
  return { rt, client, loader, path, [Symbol.asyncDispose]: () => rt.close() };
}

/** The table row whose `attr` is `id`. */
function rowOf(html: string, attr: string, id: string): string {
  const m = new RegExp(`<tr ${attr}="${id}"[\\s\\S]*?</tr>`).exec(html);
  assert.ok(m, `row ${attr}=${id} present`);
  return m[0];
}

const text = async (client: PageClient, path: string, target?: string) =>
  await (await client.get(path, target ? { target } : {})).text();

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

Deno.test("backends page: a file backend is read-only, named by the file; a dashboard one is not", async () => {
  await using t = await setup();
  const managedBy = new RegExp(
    `<span class="managed-note">Managed by ${escaped(t.loader.path)}</span>`,
  );
  const html = await text(t.client, "/backends");
  const filed = rowOf(html, "data-backend", "filed");
  assert.match(filed, managedBy);
  assert.match(filed, /href="\/backends\/filed\/edit"[^>]*>View<\/a>/);
  assert.doesNotMatch(filed, /\/backends\/filed\/(delete|enabled)|>Edit<|>Delete<|>Disable</);
  const dash = rowOf(html, "data-backend", "dash");
  assert.doesNotMatch(dash, /Managed by/);
  assert.match(dash, /action="\/backends\/dash\/delete"/);
  assert.match(dash, />Edit<\/a>/);

  // Its form opens read-only with the note, as a region and as a page.
  for (const target of ["backend-form", undefined]) {
    const form = await text(t.client, "/backends/filed/edit", target);
    assert.match(
      form,
      new RegExp(`Managed by ${escaped(t.loader.path)}: change it there\\.`),
      String(target),
    );
    assert.match(form, /<fieldset class="plain" disabled>/, String(target));
    assert.doesNotMatch(form, /Save changes/, String(target));
  }
  const open = await text(t.client, "/backends/dash/edit", "backend-form");
  assert.doesNotMatch(open, /disabled>|Managed by/);
  assert.match(open, /Save changes/);
});

Deno.test("backends page: a post to a file backend is refused with 409 naming the file, nothing changed", async () => {
  await using t = await setup();
  const before = t.rt.deps.store.backends.get("filed");
  for (
    const [path, form] of [
      ["/backends/filed", {
        name: "Changed",
        base_url: "http://127.0.0.1:9/v1",
        models: "*",
        pool_id: "team",
      }],
      ["/backends/filed/enabled", { enabled: "false" }],
      ["/backends/filed/delete", {}],
    ] as const
  ) {
    const htmx = await t.client.post(path, form, { target: "backends-table" });
    assert.equal(htmx.status, path === "/backends/filed" ? 422 : 409, path);
    assert.match(await htmx.text(), /is managed by .*sidecar\.yaml: change it there/, path);
    const plain = await t.client.post(path, form);
    assert.ok(plain.status === 409 || plain.status === 422, `${path}: ${plain.status}`);
  }
  assert.deepEqual(t.rt.deps.store.backends.get("filed"), before);
});

Deno.test("pools page: a file pool is read-only, named by the file", async () => {
  await using t = await setup();
  const html = await text(t.client, "/pools");
  const team = rowOf(html, "data-pool", "team");
  assert.match(team, new RegExp(`Managed by ${escaped(t.loader.path)}`));
  assert.match(team, /href="\/pools\/team\/edit"[^>]*>View<\/a>/);
  assert.doesNotMatch(team, /\/pools\/team\/delete|>Edit<|>Delete</);
  const mine = rowOf(html, "data-pool", "mine");
  assert.doesNotMatch(mine, /Managed by/);
  assert.match(mine, /action="\/pools\/mine\/delete"/);
  const form = await text(t.client, "/pools/team/edit", "pool-form");
  assert.match(form, new RegExp(`Managed by ${escaped(t.loader.path)}: change it there\\.`));
  assert.match(form, /<fieldset class="plain" disabled>/);
  assert.doesNotMatch(form, /Save changes/);
  const refused = await t.client.post("/pools/team/delete", {}, { target: "pools-table" });
  assert.equal(refused.status, 409);
  assert.ok(t.rt.deps.store.pools.get("team"));
});

Deno.test("keys page: a file key has no Revoke, named by the file", async () => {
  await using t = await setup();
  const html = await text(t.client, "/keys");
  const filed = rowOf(html, "data-key", "filed-key");
  assert.match(filed, new RegExp(`Managed by ${escaped(t.loader.path)}`));
  assert.doesNotMatch(filed, /Revoke|\/delete/);
  const dashId = t.rt.deps.store.keys.list().find((k) => k.name === "dash-client")!.id;
  assert.match(rowOf(html, "data-key", dashId), />Revoke<\/button>/);
  const refused = await t.client.post("/keys/filed-key/delete", {}, { target: "keys-table" });
  assert.equal(refused.status, 409);
  assert.ok(t.rt.deps.store.keys.list().some((k) => k.id === "filed-key"));
});

Deno.test("settings page: a field the file sets is disabled with the note; the others are not", async () => {
  await using t = await setup();
  const html = await text(t.client, "/settings");
  const field = (name: string) => {
    const hit = html.split('<div class="field').find((f) => f.includes(`name="${name}"`));
    assert.ok(hit, name);
    return hit;
  };
  assert.match(field("pool_retries"), /disabled/);
  assert.match(field("pool_retries"), new RegExp(`Managed by ${escaped(t.loader.path)}\\.`));
  assert.doesNotMatch(field("max_attempts"), /disabled|Managed by/);
});

Deno.test("a refused reload shows a banner with the errors on every page until a good load", async () => {
  await using t = await setup();
  const PAGES = DASHBOARD_PAGES;
  for (const p of PAGES) assert.doesNotMatch(await text(t.client, p), /config-error/, p);

  await Deno.writeTextFile(t.path, FILE.replace('"http://127.0.0.1:9/v1"', '"nope"'));
  const r = await t.loader.load("test");
  assert.ok(r && !r.applied);
  const banner = new RegExp(
    `<div class="notice error config-error" role="alert"><strong>Config file ${
      escaped(t.loader.path)
    } was refused; the running config is kept\\.</strong><pre>backends\\[0\\]\\.base_url: [^<]+</pre></div>`,
  );
  for (const p of PAGES) assert.match(await text(t.client, p), banner, p);
  // Also on an error page inside the dashboard.
  const missing = await t.client.get("/backends/nope/edit");
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), banner, "404 page");
  // Regions swapped by htmx do not repeat it (it stays where the page put it).
  assert.doesNotMatch(await text(t.client, "/backends", "backends-table"), /config-error/);
  // The running config is kept: the file backend is still there, still managed.
  assert.match(rowOf(await text(t.client, "/backends"), "data-backend", "filed"), /Managed by/);

  await Deno.writeTextFile(t.path, FILE);
  assert.deepEqual(await t.loader.load("test"), { applied: true });
  for (const p of PAGES) assert.doesNotMatch(await text(t.client, p), /config-error/, p);
});

Deno.test("a banner's errors are text: markup in the file's error stays escaped", async () => {
  await using t = await setup();
  await Deno.writeTextFile(t.path, `pools:\n  - { id: "<img src=x onerror=alert(1)>" }\n`);
  await t.loader.load("test");
  const html = await text(t.client, "/");
  assert.match(html, /config-error/);
  assert.ok(!html.includes("<img src=x"));
});

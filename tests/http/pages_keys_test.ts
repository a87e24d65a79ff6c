/**
 * @module pages_keys_test
 * `/keys` through `app.request`: create and edit with every policy field
 * through the API's own validation (a refused field shown beside it, the
 * input kept, nothing stored), the secret shown once on create and rotate,
 * disable and enable, revoke, spend against budget in each row, and a key
 * the config file declares, read-only.
 */
import assert from "node:assert/strict";
import { ConfigFileLoader } from "../../src/config_file/config_file_loader.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { FakeClock, type TestRuntime } from "../helpers/test_runtime.ts";
import { fieldOf, type PageClient, signedIn } from "./pages_client.ts";
import { eventually } from "../helpers/until.ts";

/** 2026-11-27T10:30:00Z, a Friday. */
const NOW = Date.UTC(2026, 10, 27, 10, 30, 0);

/** Every policy field, as a person fills the form in. */
const FORM = {
  name: "billing-service",
  models: "gpt-4o*\nclaude-*, text-embedding-3-small",
  rpm_limit: "600",
  tpm_limit: "100_000",
  max_concurrent: "8",
  budget_usd: "50",
  budget_period: "month",
  expires_at: "2027-01-01T00:00",
  enabled: "on",
  metadata: '{"team": "billing", "__proto__": {"x": 1}}',
};

async function setup(): Promise<
  { rt: TestRuntime; client: PageClient; clock: FakeClock } & AsyncDisposable
> {
  const clock = new FakeClock(NOW);
  return { ...(await signedIn({ now: clock.now })), clock };
}

/** The `<div class="field">` holding the input named `name`. */

/** The table row of key `id`. */
function rowOf(html: string, id: string): string {
  const m = new RegExp(`<tr data-key="${id}"[\\s\\S]*?</tr>`).exec(html);
  assert.ok(m, `row ${id} present`);
  return m[0];
}

const secretIn = (html: string) =>
  /id="new-key" type="text" readonly value="([^"]+)"/.exec(html)?.[1];

async function modelsStatus(rt: TestRuntime, key: string): Promise<number> {
  const res = await rt.app.request("/v1/models", { headers: { authorization: `Bearer ${key}` } });
  await res.body?.cancel();
  return res.status;
}

/** Creates a key through the form and returns its id and secret. */
async function createThroughForm(t: { rt: TestRuntime; client: PageClient }, form = FORM) {
  const res = await t.client.post("/keys", form, { target: "key-form" });
  const html = await res.text();
  assert.equal(res.status, 200, html);
  const key = secretIn(html);
  assert.ok(key?.startsWith("sk-sc-"), html);
  const id = t.rt.deps.store.keys.list().find((k) => k.name === form.name)!.id;
  return { id, key: key!, html, res };
}

Deno.test("GET /keys: the secret, table and form regions; the form has every policy field", async () => {
  await using t = await setup();
  const html = await (await t.client.get("/keys")).text();
  assert.match(html, /<div id="key-secret"\s*><\/div>/, "no secret to show");
  assert.match(html, /<section id="keys-table"/);
  assert.match(html, /<section id="key-form"/);
  for (
    const field of [
      "name",
      "models",
      "rpm_limit",
      "tpm_limit",
      "max_concurrent",
      "budget_usd",
      "budget_period",
      "expires_at",
      "metadata",
      "enabled",
    ]
  ) assert.ok(fieldOf(html, field), field);
  assert.match(fieldOf(html, "enabled"), /checked/, "a new key is enabled unless unticked");
  assert.match(fieldOf(html, "expires_at"), /type="datetime-local"/);
  assert.match(fieldOf(html, "budget_period"), /<option value="" selected>no budget period/);
  for (const region of ["keys-table", "key-form"]) {
    const part = await (await t.client.get("/keys", { target: region })).text();
    assert.ok(part.startsWith(`<section id="${region}"`), region);
  }
});

Deno.test("POST /keys stores every field as the API would, and shows the secret once", async () => {
  await using t = await setup();
  const { id, key, html, res } = await createThroughForm(t);
  const view = await (await t.rt.admin("GET", `/api/keys/${id}`)).json() as {
    data: Record<string, unknown>;
  };
  const expected = {
    name: "billing-service",
    models: ["gpt-4o*", "claude-*", "text-embedding-3-small"],
    rpm_limit: 600,
    tpm_limit: 100_000,
    max_concurrent: 8,
    budget_usd: 50,
    budget_period: "month",
    expires_at: "2027-01-01T00:00:00Z",
    enabled: true,
  };
  for (const [field, value] of Object.entries(expected)) {
    assert.deepEqual(view.data[field], value, field);
  }
  // As sent, own __proto__ key included.
  const metadata = JSON.parse('{"team": "billing", "__proto__": {"x": 1}}');
  assert.deepEqual(Object.entries(view.data.metadata as object), Object.entries(metadata));
  // The secret: in its region (scrolled to), a fresh form, the table out of band.
  assert.match(html, /^<section id="key-form"/);
  assert.match(html, /<div id="key-secret" hx-swap-oob="true">/);
  assert.match(
    html,
    /Key &quot;billing-service&quot; created\. Copy it now: it is shown only this once/,
  );
  assert.match(html, /data-copy="#new-key">Copy</);
  assert.match(html, /<section id="keys-table" class="card" hx-swap-oob="true"/);
  assert.equal(res.headers.get("hx-reswap"), "outerHTML show:#key-secret:top");
  assert.equal(await modelsStatus(t.rt, key), 200);
  // Never again: not on the page, not in the API.
  const page = await (await t.client.get("/keys")).text();
  assert.ok(!page.includes(key), "the page does not show it again");
  assert.ok(page.includes(`sk-…${key.slice(-4)}`), "only its hint");
  assert.ok(!(await (await t.rt.admin("GET", "/api/keys")).text()).includes(key));
});

Deno.test("POST /keys as a plain form post answers the page with the secret (no redirect)", async () => {
  await using t = await setup();
  const res = await t.client.post("/keys", { ...FORM, name: "plain" });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(secretIn(html)?.startsWith("sk-sc-"));
});

Deno.test("POST /keys: a refused field is shown beside it with the API's message, the input kept, nothing stored", async () => {
  await using t = await setup();
  // [form change, field, the same value as JSON to the API]
  const cases: [Record<string, string>, string, Record<string, unknown>][] = [
    [{ name: " " }, "name", { name: " " }],
    [{ models: "gpt-4o\n \n" + "x".repeat(300) }, "models", {
      models: ["gpt-4o", "x".repeat(300)],
    }],
    [{ rpm_limit: "0" }, "rpm_limit", { rpm_limit: 0 }],
    [{ tpm_limit: "1.5" }, "tpm_limit", { tpm_limit: 1.5 }],
    [{ max_concurrent: "lots" }, "max_concurrent", { max_concurrent: "lots" }],
    [{ budget_usd: "-1" }, "budget_usd", { budget_usd: -1 }],
    [{ budget_period: "" }, "budget_period", { budget_usd: 50, budget_period: null }],
    [{ budget_period: "yearly" }, "budget_period", { budget_usd: 50, budget_period: "yearly" }],
    [{ expires_at: "2026-11-01T00:00" }, "expires_at", { expires_at: "2026-11-01T00:00Z" }],
    [{ expires_at: "next week" }, "expires_at", { expires_at: "next week" }],
    [{ metadata: "[1, 2]" }, "metadata", { metadata: [1, 2] }],
    [{ metadata: JSON.stringify({ blob: "x".repeat(5000) }) }, "metadata", {
      metadata: { blob: "x".repeat(5000) },
    }],
  ];
  for (const [change, field, json] of cases) {
    const res = await t.client.post("/keys", { ...FORM, ...change }, { target: "key-form" });
    assert.equal(res.status, 422, field);
    const html = await res.text();
    const api = await t.rt.admin("POST", "/api/keys", {
      name: "k",
      budget_usd: 50,
      budget_period: "month",
      ...json,
    });
    assert.equal(api.status, 400, field);
    const { error } = await api.json() as { error: { message: string; param: string } };
    assert.equal(error.param.split(".")[0], field, `the API names ${field}`);
    const message = error.message.replace(/^Invalid "[^"]*": /, "");
    const shown = new RegExp(`id="f-${field}-error">([^<]*)<`).exec(fieldOf(html, field))?.[1];
    assert.equal(
      shown?.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">").replaceAll("&amp;", "&"),
      message,
      `${field}: the API's message, beside the field`,
    );
    assert.match(fieldOf(html, field), /aria-invalid="true"/, field);
    assert.ok(!html.includes("new-key"), "no secret");
  }
  assert.deepEqual(t.rt.deps.store.keys.list(), [], "nothing stored");
});

Deno.test("POST /keys: metadata that is not JSON is refused at its field, the rest kept as typed", async () => {
  await using t = await setup();
  const res = await t.client.post("/keys", { ...FORM, metadata: "{team: billing" }, {
    target: "key-form",
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(fieldOf(html, "metadata"), /id="f-metadata-error">Must be JSON, like/);
  assert.match(fieldOf(html, "metadata"), />\{team: billing<\/textarea>/);
  assert.match(fieldOf(html, "models"), />gpt-4o\*\nclaude-\*, text-embedding-3-small<\/textarea>/);
  assert.match(fieldOf(html, "rpm_limit"), /value="600"/);
  assert.match(fieldOf(html, "budget_period"), /<option value="month" selected>/);
  assert.match(fieldOf(html, "expires_at"), /value="2027-01-01T00:00"/);
  assert.deepEqual(t.rt.deps.store.keys.list(), []);
});

Deno.test("POST /keys: empty fields are no limit and every model; an unticked box a disabled key", async () => {
  await using t = await setup();
  const bare = {
    name: "bare",
    models: " \n , ",
    rpm_limit: "",
    tpm_limit: "",
    max_concurrent: "",
    budget_usd: "",
    budget_period: "",
    expires_at: "",
    metadata: "  ",
  };
  const { id } = await createThroughForm(t, bare as typeof FORM);
  const k = t.rt.deps.store.keys.get(id)!;
  assert.deepEqual(
    [k.models, k.rpm_limit, k.tpm_limit, k.max_concurrent, k.budget_usd, k.budget_period],
    [null, null, null, null, null, null],
  );
  assert.equal(k.expires_at, null);
  assert.deepEqual(k.metadata, {});
  assert.equal(k.enabled, false, "the box was not ticked");
});

Deno.test("GET /keys/:id/edit shows the stored policy; POST /keys/:id saves it through updateKey", async () => {
  await using t = await setup();
  const { id } = await createThroughForm(t);
  const form = await (await t.client.get(`/keys/${id}/edit`, { target: "key-form" })).text();
  assert.match(form, /^<section id="key-form"/);
  assert.match(form, /Edit client key &quot;billing-service&quot;/);
  assert.match(form, new RegExp(`action="/keys/${id}"`));
  assert.match(fieldOf(form, "models"), />gpt-4o\*\nclaude-\*\ntext-embedding-3-small<\/textarea>/);
  assert.match(fieldOf(form, "tpm_limit"), /value="100000"/);
  assert.match(fieldOf(form, "budget_period"), /<option value="month" selected>/);
  assert.match(fieldOf(form, "expires_at"), /value="2027-01-01T00:00"/);
  assert.match(fieldOf(form, "metadata"), /&quot;team&quot;: &quot;billing&quot;/);
  assert.match(form, /Save changes/);

  const res = await t.client.post(`/keys/${id}`, {
    ...FORM,
    name: "billing-v2",
    models: "",
    rpm_limit: "",
    budget_usd: "5",
    budget_period: "day",
    metadata: "",
  }, { target: "key-form" });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /^<section id="key-form"/);
  assert.match(html, /Add a client key/, "a fresh create form");
  assert.match(html, /Key &quot;billing-v2&quot; saved/);
  assert.equal(res.headers.get("hx-push-url"), "/keys");
  const k = t.rt.deps.store.keys.get(id)!;
  assert.equal(k.name, "billing-v2");
  assert.equal(k.models, null);
  assert.equal(k.rpm_limit, null);
  assert.equal(k.tpm_limit, 100_000, "kept");
  assert.deepEqual([k.budget_usd, k.budget_period], [5, "day"]);
  assert.deepEqual(k.metadata, {});
  assert.equal(t.rt.deps.keyRing.client(id)?.policy.budget_period, "day", "applied at once");
  const plain = await t.client.post(`/keys/${id}`, { ...FORM, name: "billing-v3" });
  assert.equal(plain.status, 303);
  assert.equal(plain.headers.get("location"), "/keys");
});

Deno.test("POST /keys/:id: an expiry left as shown is kept, even once it has passed", async () => {
  await using t = await setup();
  const { id } = await createThroughForm(t, { ...FORM, expires_at: "2026-11-27T11:00" });
  t.clock.advance(2 * 3_600_000); // the key has expired
  const shown = await (await t.client.get(`/keys/${id}/edit`, { target: "key-form" })).text();
  const expires = /name="expires_at" type="datetime-local" value="([^"]*)"/.exec(shown)?.[1];
  assert.equal(expires, "2026-11-27T11:00");
  const saved = await t.client.post(`/keys/${id}`, {
    ...FORM,
    name: "renamed",
    expires_at: expires!,
  }, {
    target: "key-form",
  });
  assert.equal(saved.status, 200, await saved.text());
  assert.equal(t.rt.deps.store.keys.get(id)!.name, "renamed");
  assert.equal(t.rt.deps.store.keys.get(id)!.expires_at, "2026-11-27T11:00:00Z");
  // A changed expiry is checked: a past one is refused at its field.
  const refused = await t.client.post(`/keys/${id}`, { ...FORM, expires_at: "2026-11-27T11:30" }, {
    target: "key-form",
  });
  assert.equal(refused.status, 422);
  assert.match(fieldOf(await refused.text(), "expires_at"), /must be in the future/);
  const cleared = await t.client.post(`/keys/${id}`, { ...FORM, expires_at: "" }, {
    target: "key-form",
  });
  assert.equal(cleared.status, 200);
  assert.equal(t.rt.deps.store.keys.get(id)!.expires_at, null);
});

Deno.test("POST /keys/:id: a refused field is shown beside it and nothing changes", async () => {
  await using t = await setup();
  const { id } = await createThroughForm(t);
  const before = t.rt.deps.store.keys.get(id);
  const res = await t.client.post(`/keys/${id}`, { ...FORM, name: "changed", budget_period: "" }, {
    target: "key-form",
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.match(html, /Edit client key/);
  assert.match(
    fieldOf(html, "budget_period"),
    /Required with budget_usd: day, week, month or total/,
  );
  assert.match(fieldOf(html, "name"), /value="changed"/, "the input kept");
  assert.deepEqual(t.rt.deps.store.keys.get(id), before);
});

Deno.test("POST /keys/:id/rotate: asks first; the new secret shown once, the old one refused at once", async () => {
  await using t = await setup();
  const { id, key: old } = await createThroughForm(t);
  const list = await (await t.client.get("/keys")).text();
  assert.match(
    rowOf(list, id),
    /hx-post="\/keys\/key_[0-9a-f]+\/rotate" hx-target="#key-secret" hx-swap="outerHTML" hx-confirm="Rotate key &quot;billing-service&quot;\? Its current secret stops working at once/,
  );
  const res = await t.client.post(`/keys/${id}/rotate`, {}, { target: "key-secret" });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /^<div id="key-secret"\s*>/);
  assert.match(
    html,
    /rotated: its old secret is refused from now on\. Copy it now: it is shown only this once/,
  );
  assert.equal(res.headers.get("hx-reswap"), "outerHTML show:#key-secret:top");
  const fresh = secretIn(html)!;
  assert.ok(fresh.startsWith("sk-sc-") && fresh !== old);
  assert.match(
    rowOf(html, id),
    new RegExp(`sk-…${fresh.slice(-4)}`),
    "the table, with the new hint",
  );
  assert.equal(await modelsStatus(t.rt, old), 401);
  assert.equal(await modelsStatus(t.rt, fresh), 200);
  assert.equal(t.rt.deps.store.keys.get(id)!.rpm_limit, 600, "the policy stays");
  const after = await (await t.client.get("/keys")).text();
  assert.ok(!after.includes(fresh), "shown once");
  // Without JavaScript: the page with the secret.
  const plain = await t.client.post(`/keys/${id}/rotate`);
  assert.equal(plain.status, 200);
  const again = secretIn(await plain.text());
  assert.ok(again && again !== fresh);
  assert.equal(await modelsStatus(t.rt, fresh), 401);
});

Deno.test("POST /keys/:id/enabled disables and enables a key at once", async () => {
  await using t = await setup();
  const { id, key } = await createThroughForm(t);
  const off = await t.client.post(`/keys/${id}/enabled`, { enabled: "false" }, {
    target: "keys-table",
  });
  const html = await off.text();
  assert.match(html, /^<section id="keys-table"/);
  assert.match(html, /Key &quot;billing-service&quot; disabled/);
  const row = rowOf(html, id);
  assert.match(row, /<span class="badge disabled">disabled<\/span>/);
  assert.match(row, /<input type="hidden" name="enabled" value="true">/);
  assert.match(row, />Enable<\/button>/);
  assert.equal(await modelsStatus(t.rt, key), 401);
  const on = await t.client.post(`/keys/${id}/enabled`, { enabled: "true" });
  assert.equal(on.status, 303, "a plain post goes back to the list");
  assert.match(rowOf(await (await t.client.get("/keys")).text(), id), /badge active">enabled/);
  assert.equal(await modelsStatus(t.rt, key), 200);
});

Deno.test("POST /keys/:id/delete revokes the key at once", async () => {
  await using t = await setup();
  const { id, key } = await createThroughForm(t);
  const res = await t.client.post(`/keys/${id}/delete`, {}, { target: "keys-table" });
  assert.match(await res.text(), /No client keys yet/);
  assert.equal(await modelsStatus(t.rt, key), 401);
  const missing = await t.client.post(`/keys/${id}/delete`, {}, { target: "keys-table" });
  assert.equal(missing.status, 404);
});

Deno.test("the keys table: models, limits, spend against budget with its period, last use and state", async () => {
  await using t = await setup();
  const { id, key } = await createThroughForm(t);
  const { id: bare } = await createThroughForm(t, { name: "bare", enabled: "on" } as typeof FORM);
  let html = await (await t.client.get("/keys")).text();
  const row = rowOf(html, id);
  assert.match(row, new RegExp(`<a href="/keys/${id}"><strong>billing-service</strong></a>`));
  assert.match(row, /<span class="chip">gpt-4o\*<\/span><span class="chip">claude-\*<\/span>/);
  assert.match(
    row,
    /<span class="sub">600 rpm<\/span><span class="sub">100k tpm<\/span><span class="sub">8 at once<\/span>/,
  );
  assert.match(row, /data-spend="0" data-reserved="0" data-budget="50"/);
  assert.match(row, /\$0 of \$50\.00/);
  assert.match(row, /this month, since 2026-11-01/);
  assert.match(row, /<span class="sub">never<\/span>/, "not used yet");
  assert.match(
    row,
    /badge active">enabled<\/span><span class="sub nowrap"[^>]*>expires 2027-01-01 00:00/,
  );
  const plain = rowOf(html, bare);
  assert.match(plain, /all models/);
  assert.match(plain, /no limits/);
  assert.match(plain, /no budget/);

  assert.equal(await modelsStatus(t.rt, key), 200);
  t.clock.advance(90_000);
  html = await (await t.client.get("/keys")).text();
  assert.match(rowOf(html, id), /title="2026-11-27 10:30:00 UTC">1 min ago</);

  // The week starts on Monday; an expired key says so.
  await t.rt.admin("PATCH", `/api/keys/${bare}`, {
    budget_usd: 2.5,
    budget_period: "week",
    expires_at: "2026-11-27T11:00:00Z",
  });
  t.clock.advance(3_600_000);
  html = await (await t.client.get("/keys")).text();
  assert.match(rowOf(html, bare), /\$0 of \$2\.50.*this week, since Monday 2026-11-23/s);
  assert.match(
    rowOf(html, bare),
    /badge error">expired<\/span><span class="sub nowrap"[^>]*>since 2026-11-27 11:00/,
  );
});

Deno.test("the spend bar shows what the key spent through the proxy, against its budget", async () => {
  await using t = await setup();
  const mock = await startMockUpstream({
    default: { kind: "ok", usage: { prompt_tokens: 1000, completion_tokens: 2000 } },
  });
  try {
    assert.equal(
      (await t.rt.admin("POST", "/api/backends", {
        id: "a",
        name: "A",
        base_url: mock.url,
        models: ["gpt-test"],
      })).status,
      201,
    );
    // $1,000 per million tokens: 3,000 tokens cost $3.
    const prices = { prices: [{ model: "gpt-test", input_per_mtok: 1000, output_per_mtok: 1000 }] };
    assert.equal((await t.rt.admin("PUT", "/api/prices", prices)).status, 200);
    const { id, key } = await createThroughForm(t, {
      ...FORM,
      models: "gpt-test",
      budget_usd: "10",
    });
    const res = await t.rt.app.request("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-test",
        max_tokens: 2000,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    assert.equal(res.status, 200, await res.text());
    const row = await eventually("the spend settled", async () => {
      const html = rowOf(await (await t.client.get("/keys")).text(), id);
      return /data-spend="3"/.test(html) ? html : undefined;
    });
    assert.match(row, /data-spend="3" data-reserved="0" data-budget="10"/);
    assert.match(row, /30%<svg/);
    assert.match(row, /<rect class="fill" width="27" height="8" rx="4">/);
    assert.match(row, /\$3\.00 of \$10\.00/);
    assert.match(row, /this month, since 2026-11-01/);
    assert.match(row, /just now/, "last used");
  } finally {
    await mock.close();
  }
});

const SHA = "ab".repeat(32);

Deno.test("a key the config file declares is read-only: Managed by the file, View instead of Edit", async () => {
  await using t = await setup();
  const path = `${t.rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(
    path,
    `keys:\n  - { id: filed-key, name: filed-client, sha256: "${SHA}", rpm_limit: 60, budget_usd: 10, budget_period: day }\n`,
  );
  const loader = new ConfigFileLoader(t.rt.deps, path, { env: () => undefined });
  assert.deepEqual(await loader.load("test"), { applied: true });
  const html = await (await t.client.get("/keys")).text();
  const row = rowOf(html, "filed-key");
  assert.match(row, new RegExp(`Managed by ${path.replaceAll("/", "\\/")}`));
  assert.match(row, /href="\/keys\/filed-key\/edit"[^>]*>View<\/a>/);
  assert.doesNotMatch(row, /rotate|enabled"|delete|>Edit</);
  assert.match(row, /60 rpm/);
  assert.match(row, /today \(UTC\), since 2026-11-27/);
  const form = await (await t.client.get("/keys/filed-key/edit", { target: "key-form" })).text();
  assert.match(form, /<fieldset class="plain" disabled>/);
  assert.match(form, /: change it there\./);
  assert.doesNotMatch(form, /Save changes/);
  for (const action of ["rotate", "enabled", "delete"]) {
    const res = await t.client.post(`/keys/filed-key/${action}`, { enabled: "false" }, {
      target: "keys-table",
    });
    assert.equal(res.status, 409, action);
    assert.doesNotMatch(await res.text(), /new-key/);
  }
  const edit = await t.client.post("/keys/filed-key", { ...FORM }, { target: "key-form" });
  assert.equal(edit.status, 422);
  assert.match(await edit.text(), /is managed by .*sidecar\.yaml: change it there/);
  assert.equal(t.rt.deps.store.keys.get("filed-key")!.name, "filed-client");
});

Deno.test("the keys page's posts need the CSRF token; every post form carries it", async () => {
  await using t = await setup();
  const { id, key } = await createThroughForm(t);
  const before = t.rt.deps.store.keys.get(id);
  for (
    const [path, form] of [
      ["/keys", { ...FORM, name: "forged" }],
      [`/keys/${id}`, { ...FORM, name: "forged" }],
      [`/keys/${id}/rotate`, {}],
      [`/keys/${id}/enabled`, { enabled: "false" }],
      [`/keys/${id}/delete`, {}],
    ] as const
  ) {
    const res = await t.client.post(path, form, { csrf: false, target: "keys-table" });
    assert.equal(res.status, 403, path);
    await res.body?.cancel();
  }
  assert.deepEqual(t.rt.deps.store.keys.list().map((k) => k.id), [id]);
  assert.deepEqual(t.rt.deps.store.keys.get(id), before);
  assert.equal(await modelsStatus(t.rt, key), 200);
  const html = await (await t.client.get("/keys")).text();
  const forms = html.match(/<form[^>]*method="post"/g)!.length;
  const fields = html.match(new RegExp(`name="_csrf" value="${t.client.csrf}"`, "g"))!.length;
  assert.equal(fields, forms);
});

/**
 * @module admin_keys_test
 * The client-key routes of the admin API (docs/keys.md) in-process over a
 * real SQLite file: every policy field on POST and PATCH, the read-only
 * fields, rotation, revocation, and each bad input refused with `param`
 * naming the field and nothing stored.
 */
import assert from "node:assert/strict";
import { secretHint } from "../../src/secrets/token_hash.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;
type KeyView = Obj & { id: string; key_hint: string };

/** Asserts the status and returns `data` of a `{"data": ...}` body. */
async function data<T = KeyView>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return (JSON.parse(text) as { data: T }).data;
}

/** Asserts the contract's error shape with `status`, `param` (and `code`); returns the error. */
async function failure(
  res: Response | Promise<Response>,
  status: number,
  param: string | null,
  code?: string | null,
): Promise<Obj> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  const { error } = JSON.parse(text) as { error: Obj };
  assert.deepEqual(Object.keys(error).sort(), ["code", "message", "param", "type"], text);
  assert.equal(error.param, param, text);
  if (code !== undefined) assert.equal(error.code, code, text);
  return error;
}

async function runtime(): Promise<{ rt: TestRuntime; clock: FakeClock }> {
  const clock = new FakeClock();
  const rt = await startTestRuntime({ now: clock.now });
  return { rt, clock };
}

/** Every key as the API and the database hold it, to prove a refused change stored nothing. */
async function snapshot(rt: TestRuntime) {
  return { api: await data(rt.admin("GET", "/api/keys")), rows: rt.deps.store.keys.list() };
}

const POLICY = {
  models: ["gpt-4o*", "text-embedding-3-small"],
  rpm_limit: 60,
  tpm_limit: 100_000,
  max_concurrent: 4,
  budget_usd: 50,
  budget_period: "month",
  expires_at: "2027-01-01T00:00:00Z",
  enabled: true,
  metadata: { team: "billing", cost_center: 42 },
};

const FIELDS = [
  "budget_period",
  "budget_usd",
  "created_at",
  "enabled",
  "expires_at",
  "id",
  "key_hint",
  "last_used_at",
  "managed",
  "max_concurrent",
  "metadata",
  "models",
  "name",
  "period_start",
  "reserved_usd",
  "rpm_limit",
  "spend_usd",
  "tpm_limit",
];

Deno.test("POST /api/keys returns the key once with no limits; GET never shows it; the key authenticates", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const created = await data<KeyView & { key: string }>(
    rt.admin("POST", "/api/keys", { name: "ci" }),
    201,
  );
  assert.deepEqual(Object.keys(created).sort(), [...FIELDS, "key"].sort());
  assert.match(created.key, /^sk-sc-[A-Za-z0-9_-]{43}$/);
  assert.match(created.id, /^key_[0-9a-f]{12}$/);
  assert.equal(created.key_hint, secretHint(created.key));
  const { key: _key, ...view } = created;
  assert.deepEqual(view, {
    id: created.id,
    name: "ci",
    key_hint: created.key_hint,
    managed: null,
    created_at: "2026-11-27T10:00:00Z",
    last_used_at: null,
    models: null,
    rpm_limit: null,
    tpm_limit: null,
    max_concurrent: null,
    budget_usd: null,
    budget_period: null,
    expires_at: null,
    enabled: true,
    metadata: {},
    spend_usd: 0,
    reserved_usd: 0,
    period_start: null,
  });

  const listText = await (await rt.admin("GET", "/api/keys")).text();
  assert.ok(!listText.includes(created.key));
  assert.ok(!listText.includes("key_hash"));
  assert.deepEqual(JSON.parse(listText), { data: [view] });
  assert.deepEqual(await data(rt.admin("GET", `/api/keys/${created.id}`)), view);

  const principal = rt.deps.keyRing.identify(created.key);
  assert.equal(principal?.kind === "client" && principal.key.id, created.id);
  const stored = rt.deps.store.keys.get(created.id)!;
  assert.notEqual(stored.key_hash, created.key);
  assert.match(stored.key_hash, /^[0-9a-f]{64}$/);

  const other = await data<{ key: string }>(rt.admin("POST", "/api/keys", { name: "ci" }), 201);
  assert.notEqual(other.key, created.key);
});

Deno.test("POST /api/keys takes every policy field; GET shows it; it is in SQLite and in the key ring", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const created = await data(
    rt.admin("POST", "/api/keys", {
      name: "billing",
      ...POLICY,
      expires_at: "2027-01-01T01:00:00+01:00",
    }),
    201,
  );
  // The expiry is stored in UTC; the month's budget period began on the 1st.
  assert.deepEqual(
    { ...created, id: undefined, key: undefined, key_hint: undefined },
    {
      ...POLICY,
      id: undefined,
      key: undefined,
      key_hint: undefined,
      name: "billing",
      managed: null,
      created_at: "2026-11-27T10:00:00Z",
      last_used_at: null,
      spend_usd: 0,
      reserved_usd: 0,
      period_start: "2026-11-01T00:00:00Z",
    },
  );
  const { key: _k, ...view } = created;
  assert.deepEqual(await data(rt.admin("GET", `/api/keys/${created.id}`)), view);
  const row = rt.deps.store.keys.get(created.id)!;
  assert.deepEqual(row.models, POLICY.models);
  assert.deepEqual(row.metadata, POLICY.metadata);
  assert.equal(row.budget_period, "month");
  const live = rt.deps.keyRing.client(created.id)!;
  assert.equal(live.policy.max_concurrent, 4);
  assert.equal(live.expiresAt, Date.UTC(2027, 0, 1));
  assert.equal(live.rpm?.available(rt.deps.now()), 60);
  assert.equal(live.tpm?.available(rt.deps.now()), 100_000);
});

Deno.test("POST /api/keys: period_start follows the budget period, total from the key's creation", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const cases: [string, string][] = [
    ["day", "2026-11-27T00:00:00Z"],
    ["week", "2026-11-23T00:00:00Z"],
    ["month", "2026-11-01T00:00:00Z"],
    ["total", "2026-11-27T10:00:00Z"],
  ];
  for (const [budget_period, start] of cases) {
    const k = await data(
      rt.admin("POST", "/api/keys", { name: budget_period, budget_usd: 1, budget_period }),
      201,
    );
    assert.equal(k.period_start, start, budget_period);
    assert.equal(k.spend_usd, 0);
  }
});

Deno.test("PATCH /api/keys/:id changes each field it is given, keeps the others, and applies at once", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  const created = await data<KeyView & { key: string }>(
    rt.admin("POST", "/api/keys", { name: "app", ...POLICY }),
    201,
  );
  const path = `/api/keys/${created.id}`;
  const { key: _k, ...before } = created;
  const changes: Obj[] = [
    { name: "renamed" },
    { models: ["claude-*"] },
    { models: null },
    { rpm_limit: 1 },
    { rpm_limit: null },
    { tpm_limit: 5 },
    { max_concurrent: 1 },
    { max_concurrent: null },
    { budget_usd: 0 },
    { budget_period: "day", budget_usd: 10 },
    { budget_period: "total" },
    { expires_at: "2026-11-28T00:00:00.500Z" },
    { expires_at: null },
    { enabled: false },
    { metadata: { env: "prod" } },
    { metadata: {} },
  ];
  let expected: Obj = before;
  for (const change of changes) {
    expected = { ...expected, ...change };
    if ("budget_period" in change || "budget_usd" in change) {
      expected.period_start = expected.budget_period === "day"
        ? "2026-11-27T00:00:00Z"
        : expected.budget_period === "total"
        ? "2026-11-27T10:00:00Z"
        : "2026-11-01T00:00:00Z";
    }
    assert.deepEqual(await data(rt.admin("PATCH", path, change)), expected, JSON.stringify(change));
  }
  assert.deepEqual(
    await data(rt.admin("PATCH", path, {})),
    expected,
    "an empty patch changes nothing",
  );
  assert.deepEqual(await data(rt.admin("GET", path)), expected);
  const live = rt.deps.keyRing.client(created.id)!;
  assert.equal(live.policy.enabled, false);
  assert.equal(live.policy.rpm_limit, null);
  assert.equal(live.tpm?.available(clock.now()), 5);
  // The secret is untouched by an edit.
  const principal = rt.deps.keyRing.identify(created.key);
  assert.equal(principal?.kind === "client" && principal.key.id, created.id);
});

Deno.test("PATCH: the merged policy is checked whole (a budget needs a period, whichever changed)", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const k = await data(rt.admin("POST", "/api/keys", { name: "app", budget_period: "week" }), 201);
  const path = `/api/keys/${k.id}`;
  // The period is already there: a budget alone is enough.
  assert.equal((await data(rt.admin("PATCH", path, { budget_usd: 5 }))).budget_usd, 5);
  const before = await snapshot(rt);
  await failure(rt.admin("PATCH", path, { budget_period: null }), 400, "budget_period");
  assert.deepEqual(await snapshot(rt), before);
  // Removing both is fine.
  const cleared = await data(rt.admin("PATCH", path, { budget_usd: null, budget_period: null }));
  assert.equal(cleared.period_start, null);
});

Deno.test("POST and PATCH /api/keys refuse each bad field with 400 naming it, storing nothing", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  const existing = await data(rt.admin("POST", "/api/keys", { name: "existing" }), 201);
  const before = await snapshot(rt);
  const past = new Date(clock.now() - 1000).toISOString();
  const bad: [Obj, string][] = [
    [{ rpm_limit: -1 }, "rpm_limit"],
    [{ rpm_limit: 0 }, "rpm_limit"],
    [{ rpm_limit: 1.5 }, "rpm_limit"],
    [{ rpm_limit: "60" }, "rpm_limit"],
    [{ rpm_limit: 10_000_001 }, "rpm_limit"],
    [{ tpm_limit: -5 }, "tpm_limit"],
    [{ tpm_limit: 1e11 }, "tpm_limit"],
    [{ max_concurrent: 0 }, "max_concurrent"],
    [{ max_concurrent: 100_001 }, "max_concurrent"],
    [{ budget_usd: -0.01, budget_period: "day" }, "budget_usd"],
    [{ budget_usd: 1e10, budget_period: "day" }, "budget_usd"],
    [{ budget_usd: "5", budget_period: "day" }, "budget_usd"],
    [{ budget_period: "year" }, "budget_period"],
    [{ budget_period: 30 }, "budget_period"],
    [{ expires_at: past }, "expires_at"],
    [{ expires_at: new Date(clock.now()).toISOString() }, "expires_at"],
    [{ expires_at: "tomorrow" }, "expires_at"],
    [{ expires_at: "2027-01-01" }, "expires_at"],
    [{ expires_at: "2027-01-01T00:00:00" }, "expires_at"],
    [{ expires_at: "2027-02-30T00:00:00Z" }, "expires_at"],
    [{ expires_at: 1798761600000 }, "expires_at"],
    [{ models: "gpt-4o" }, "models"],
    [{ models: [] }, "models"],
    [{ models: [""] }, "models.0"],
    [{ models: ["gpt-4o", "  "] }, "models.1"],
    [{ models: [7] }, "models.0"],
    [{ models: ["x".repeat(257)] }, "models.0"],
    [{ metadata: { note: "x".repeat(4096) } }, "metadata"],
    [{ metadata: ["a"] }, "metadata"],
    [{ metadata: "tag" }, "metadata"],
    [{ metadata: null }, "metadata"],
    [{ enabled: "yes" }, "enabled"],
    [{ enabled: null }, "enabled"],
    [{ key: "sk-sc-chosen-by-caller" }, "key"],
    [{ key_hash: "0".repeat(64) }, "key_hash"],
    [{ spend_usd: 0 }, "spend_usd"],
    [{ last_used_at: null }, "last_used_at"],
    [{ period_start: null }, "period_start"],
    [{ id: "mine" }, "id"],
  ];
  for (const [fields, param] of bad) {
    const what = JSON.stringify(fields);
    await failure(rt.admin("POST", "/api/keys", { name: "k", ...fields }), 400, param);
    await failure(rt.admin("PATCH", `/api/keys/${existing.id}`, fields), 400, param);
    assert.deepEqual(await snapshot(rt), before, what);
  }
  // A budget without its period, and the name, on create.
  await failure(rt.admin("POST", "/api/keys", { name: "k", budget_usd: 5 }), 400, "budget_period");
  for (const body of [{}, { name: "" }, { name: 5 }]) {
    await failure(rt.admin("POST", "/api/keys", body), 400, "name");
  }
  await failure(rt.admin("PATCH", `/api/keys/${existing.id}`, { name: "" }), 400, "name");
  await failure(rt.admin("POST", "/api/keys", JSON.stringify([])), 400, null);
  assert.deepEqual(await snapshot(rt), before);
});

Deno.test("GET and PATCH /api/keys/:id of an unknown id are 404", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  await failure(rt.admin("GET", "/api/keys/key_nope"), 404, null, "not_found");
  await failure(rt.admin("PATCH", "/api/keys/key_nope", { name: "x" }), 404, null, "not_found");
  await failure(rt.admin("POST", "/api/keys/key_nope/rotate"), 404, null, "not_found");
});

Deno.test("POST /api/keys/:id/rotate: a new secret once, the same id and policy, the old secret refused at once", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const created = await data<KeyView & { key: string }>(
    rt.admin("POST", "/api/keys", { name: "app", ...POLICY }),
    201,
  );
  const live = rt.deps.keyRing.client(created.id)!;
  live.slots.acquire();
  assert.ok(live.rpm!.tryTake(rt.deps.now(), 10));

  const rotated = await data<KeyView & { key: string }>(
    rt.admin("POST", `/api/keys/${created.id}/rotate`),
  );
  assert.match(rotated.key, /^sk-sc-[A-Za-z0-9_-]{43}$/);
  assert.notEqual(rotated.key, created.key);
  assert.equal(rotated.key_hint, secretHint(rotated.key));
  const { key: _old, key_hint: _oh, ...policyBefore } = created;
  const { key: _new, key_hint: _nh, ...policyAfter } = rotated;
  assert.deepEqual(policyAfter, policyBefore, "policy, spend and dates stay");

  assert.equal(rt.deps.keyRing.identify(created.key), undefined, "the old secret still works");
  const principal = rt.deps.keyRing.identify(rotated.key);
  assert.equal(principal?.kind === "client" && principal.key, live, "the same live key");
  assert.equal(live.slots.count, 1);
  assert.equal(live.rpm!.available(rt.deps.now()), 50);
  const old = await rt.app.request("/v1/models", {
    headers: { authorization: `Bearer ${created.key}` },
  });
  await failure(old, 401, null, "invalid_api_key");
  const fresh = await rt.app.request("/v1/models", {
    headers: { authorization: `Bearer ${rotated.key}` },
  });
  assert.equal(fresh.status, 200, await fresh.text());
  // Shown once: never in a list or a read.
  const list = await (await rt.admin("GET", "/api/keys")).text();
  assert.ok(!list.includes(rotated.key));
  assert.ok(
    !(await (await rt.admin("GET", `/api/keys/${created.id}`)).text()).includes(rotated.key),
  );
});

Deno.test("DELETE /api/keys/:id revokes the key at once; an unknown id is a 404", async () => {
  const { rt } = await runtime();
  await using _ = rt;
  const created = await data<{ key: string; id: string }>(
    rt.admin("POST", "/api/keys", { name: "ci" }),
    201,
  );
  const r = await rt.admin("DELETE", `/api/keys/${created.id}`);
  assert.equal(r.status, 204);
  assert.equal(rt.deps.keyRing.identify(created.key), undefined);
  assert.deepEqual(await data(rt.admin("GET", "/api/keys")), []);
  await failure(rt.admin("DELETE", `/api/keys/${created.id}`), 404, null, "not_found");
});

Deno.test("last_used_at: null until used, then the use's second, written behind once a minute", async () => {
  const { rt, clock } = await runtime();
  await using _ = rt;
  const created = await data<KeyView & { key: string }>(
    rt.admin("POST", "/api/keys", { name: "app" }),
    201,
  );
  const use = async () => {
    const r = await rt.app.request("/v1/models", {
      headers: { authorization: `Bearer ${created.key}` },
    });
    assert.equal(r.status, 200, await r.text());
  };
  const lastUsed = async () =>
    (await data(rt.admin("GET", `/api/keys/${created.id}`))).last_used_at;
  const stored = () => {
    rt.deps.store.flush();
    return rt.deps.store.keys.get(created.id)!.last_used_at;
  };
  assert.equal(await lastUsed(), null);
  clock.advance(5_000);
  await use();
  assert.equal(await lastUsed(), "2026-11-27T10:00:05Z");
  assert.equal(stored(), "2026-11-27T10:00:05Z");
  // 30 s later: the API says so at once, the disk not yet.
  clock.advance(30_000);
  await use();
  assert.equal(await lastUsed(), "2026-11-27T10:00:35Z");
  assert.equal(stored(), "2026-11-27T10:00:05Z");
  clock.advance(30_000);
  await use();
  assert.equal(stored(), "2026-11-27T10:01:05Z");
  // An edit (a reload of the key ring) keeps what memory knew.
  clock.advance(10_000);
  await use();
  await data(rt.admin("PATCH", `/api/keys/${created.id}`, { name: "renamed" }));
  assert.equal(await lastUsed(), "2026-11-27T10:01:15Z");
});

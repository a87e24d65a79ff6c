/**
 * @module file_keys_test
 * Client keys declared in the config file (docs/keys.md, docs/config.md)
 * carry the same policy as the API's: validated with their path, applied
 * to the live key (its state kept across a reload), read-only to the API,
 * governing admission, and written back by export.
 */
import assert from "node:assert/strict";
import { ConfigFileLoader } from "../../src/config_file/config_file_loader.ts";
import { formatIssues } from "../../src/config_file/config_issue.ts";
import { exportConfig } from "../../src/config_file/export_config.ts";
import { parseConfigText } from "../../src/config_file/parse_config_file.ts";
import { sha256Hex } from "../../src/secrets/token_hash.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { FakeClock, startTestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;
const SECRET = "sk-sc-file-key-for-the-tests-0000000000000000";
const HASH = sha256Hex(SECRET);
const STORED = {
  pools: [{ id: "primary", managed: null }, { id: "fallback", managed: null }],
  backends: [],
  keys: [],
};

function file(upstream: string, key: string): string {
  return `backends:
  - { id: b1, base_url: "${upstream}", models: ["gpt-a", "gpt-b"] }
keys:
  - ${key}
`;
}

const POLICY_KEY = `{ id: billing, name: billing-service, sha256: "${HASH}",
      models: ["gpt-a"], rpm_limit: 2, tpm_limit: 1000, max_concurrent: 3,
      budget_usd: 50, budget_period: month, expires_at: "2027-01-01T00:00:00Z",
      metadata: { team: billing } }`;

Deno.test("a config-file key's policy is refused field by field, with its path", () => {
  const cases: [string, string][] = [
    ["rpm_limit: -1", "keys[0].rpm_limit"],
    ["tpm_limit: 0", "keys[0].tpm_limit"],
    ["max_concurrent: 1000000", "keys[0].max_concurrent"],
    ["budget_usd: 5", "keys[0].budget_period"],
    ["budget_usd: -5, budget_period: day", "keys[0].budget_usd"],
    ["budget_period: year", "keys[0].budget_period"],
    ["expires_at: tomorrow", "keys[0].expires_at"],
    ["models: gpt-a", "keys[0].models"],
    ['models: [""]', "keys[0].models[0]"],
    ["metadata: [a]", "keys[0].metadata"],
    [`metadata: { note: "${"x".repeat(4100)}" }`, "keys[0].metadata"],
    ["enabled: maybe", "keys[0].enabled"],
    ["spend_usd: 0", "keys[0].spend_usd"],
  ];
  for (const [fields, path] of cases) {
    const text = `keys: [{ id: k, name: n, sha256: "${HASH}", ${fields} }]`;
    const r = parseConfigText(text, () => undefined, STORED);
    assert.ok(!r.ok, `accepted: ${fields}`);
    const out = formatIssues(r.issues);
    assert.ok(out.startsWith(`${path}:`), `${fields}: ${out}`);
  }
  // An expiry in the past is valid in a file (the key is refused as expired): a file must not
  // turn invalid with time.
  const past = parseConfigText(
    `keys: [{ id: k, name: n, sha256: "${HASH}", expires_at: "2020-01-01T00:00:00Z" }]`,
    () => undefined,
    STORED,
  );
  assert.ok(past.ok);
});

Deno.test("a config-file key carries its policy: shown, governing admission, read-only, kept live across a reload", async () => {
  const clock = new FakeClock();
  await using rt = await startTestRuntime({ now: clock.now, sleep: clock.sleep });
  const upstream = await startMockUpstream();
  try {
    const path = `${rt.dataDir}/sidecar.yaml`;
    await Deno.writeTextFile(path, file(upstream.url, POLICY_KEY));
    const loader = new ConfigFileLoader(rt.deps, path, { env: () => undefined });
    assert.deepEqual(await loader.load("test"), { applied: true });

    const view = (await (await rt.admin("GET", "/api/keys/billing")).json()).data as Obj;
    assert.deepEqual(
      { ...view, created_at: undefined },
      {
        id: "billing",
        name: "billing-service",
        key_hint: "",
        managed: "file",
        created_at: undefined,
        last_used_at: null,
        models: ["gpt-a"],
        rpm_limit: 2,
        tpm_limit: 1000,
        max_concurrent: 3,
        budget_usd: 50,
        budget_period: "month",
        spend_usd: 0,
        reserved_usd: 0,
        period_start: "2026-11-01T00:00:00Z",
        expires_at: "2027-01-01T00:00:00Z",
        enabled: true,
        metadata: { team: "billing" },
      },
    );
    for (
      const [method, route, body] of [
        ["PATCH", "/api/keys/billing", { rpm_limit: 10 }],
        ["POST", "/api/keys/billing/rotate", undefined],
        ["DELETE", "/api/keys/billing", undefined],
      ] as const
    ) {
      const r = await rt.admin(method, route, body);
      assert.equal(r.status, 409, `${method} ${route}`);
      assert.equal((await r.json()).error.code, "managed_by_config");
    }

    const post = (model: string) =>
      rt.app.request("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      });
    let r = await post("gpt-b");
    assert.equal(r.status, 403);
    assert.equal((await r.json()).error.code, "model_not_allowed");
    r = await post("gpt-a");
    assert.equal(r.status, 200, await r.text());
    const models = await rt.app.request("/v1/models", {
      headers: { authorization: `Bearer ${SECRET}` },
    });
    assert.deepEqual((await models.json()).data.map((m: Obj) => m.id), ["gpt-a"]);
    assert.equal(upstream.requests.length, 1, "the refused request reached the upstream");

    // A reload that changes the policy applies it at once, and keeps the key's spent tokens.
    const live = rt.deps.keyRing.client("billing")!;
    assert.equal(live.rpm!.available(clock.now()), 1);
    await Deno.writeTextFile(
      path,
      file(upstream.url, POLICY_KEY.replace('models: ["gpt-a"]', "models: null")),
    );
    assert.deepEqual(await loader.load("test"), { applied: true });
    assert.equal(rt.deps.keyRing.client("billing"), live);
    assert.equal(live.policy.models, null);
    r = await post("gpt-b");
    assert.equal(r.status, 200, await r.text());
    r = await post("gpt-b");
    assert.equal(r.status, 429, "the rpm bucket was refilled by the reload");
    assert.equal((await r.json()).error.code, "key_rate_limited");

    // Disabled in the file: refused at once.
    await Deno.writeTextFile(
      path,
      file(upstream.url, POLICY_KEY.replace("metadata:", "enabled: false, metadata:")),
    );
    assert.deepEqual(await loader.load("test"), { applied: true });
    clock.advance(60_000);
    r = await post("gpt-a");
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.code, "key_disabled");
  } finally {
    await upstream.close();
  }
});

Deno.test("config export writes each key's policy fields that are set, and the file reads back the same", async () => {
  const clock = new FakeClock();
  await using rt = await startTestRuntime({ now: clock.now });
  const made = await (await rt.admin("POST", "/api/keys", {
    name: "governed",
    models: ["gpt-4o*"],
    rpm_limit: 60,
    budget_usd: 5,
    budget_period: "week",
    expires_at: "2027-06-01T00:00:00Z",
    enabled: false,
    metadata: { owner: "ops" },
  })).json();
  await rt.admin("POST", "/api/keys", { name: "plain" });
  const stored = {
    config: rt.deps.registry.config,
    pools: rt.deps.store.pools.list(),
    backends: [],
    keys: rt.deps.store.keys.list(),
    prices: [],
  };
  const text = exportConfig(stored);
  const parsed = parseConfigText(text, () => undefined, STORED);
  assert.ok(parsed.ok, parsed.ok ? "" : formatIssues(parsed.issues));
  const governed = parsed.config.keys.find((k) => k.name === "governed");
  const plain = parsed.config.keys.find((k) => k.name === "plain");
  assert.deepEqual(
    { ...governed },
    {
      id: made.data.id,
      name: "governed",
      sha256: rt.deps.store.keys.get(made.data.id)!.key_hash,
      models: ["gpt-4o*"],
      rpm_limit: 60,
      tpm_limit: null,
      max_concurrent: null,
      budget_usd: 5,
      budget_period: "week",
      expires_at: "2027-06-01T00:00:00Z",
      enabled: false,
      metadata: { owner: "ops" },
    },
  );
  // A key with no policy is written as before: id, name and hash only.
  const plainLine = text.split("\n").filter((l) => l.includes("name: plain"));
  assert.equal(plainLine.length, 1);
  assert.equal(plain!.rpm_limit, null);
  assert.ok(!/rpm_limit: null|metadata: \{\}/.test(text), text);
});

/**
 * @module pages_keys_form_test
 * The key form's text turned into the body `createKey` / `updateKey`
 * validate, and a stored key turned back into form values.
 */
import assert from "node:assert/strict";
import type { ClientKeyView } from "../../src/admin/client_keys.ts";
import { keyBody, keyValues, newKeyValues } from "../../src/http/pages/key_form.ts";
import { DEFAULT_POLICY } from "../../src/keys/key_policy.ts";
import { SidecarError } from "../../src/errors.ts";

const KEY: ClientKeyView = {
  ...DEFAULT_POLICY,
  id: "key_1",
  name: "app",
  key_hint: "sk-…abcd",
  managed: null,
  created_at: "2026-10-02T08:00:00Z",
  last_used_at: null,
  spend_usd: 0,
  reserved_usd: 0,
  period_start: null,
};

Deno.test("keyBody: models split, numbers read, blanks are null, the period as posted", () => {
  const body = keyBody({
    name: "app",
    models: "gpt-4o*\n\n claude-* , gpt-4o*",
    rpm_limit: "1,000",
    tpm_limit: "",
    max_concurrent: "4",
    budget_usd: "12.5",
    budget_period: "week",
    enabled: "on",
    metadata: "",
    expires_at: "",
  });
  assert.deepEqual(body, {
    name: "app",
    models: ["gpt-4o*", "claude-*"],
    rpm_limit: 1000,
    tpm_limit: null,
    max_concurrent: 4,
    budget_usd: 12.5,
    budget_period: "week",
    enabled: true,
    metadata: {},
    expires_at: null,
  });
  const bare = keyBody({ name: "x", models: " , ", budget_period: "", rpm_limit: "ten" });
  assert.equal(bare.models, null, "no models: every model");
  assert.equal(bare.budget_period, null);
  assert.equal(bare.rpm_limit, "ten", "passed on for the schema to refuse at its field");
  assert.equal(bare.enabled, false, "an unticked box");
});

Deno.test("keyBody: a datetime-local expiry is UTC; one with a zone is passed as typed", () => {
  assert.equal(keyBody({ expires_at: "2027-01-01T09:30" }).expires_at, "2027-01-01T09:30Z");
  assert.equal(keyBody({ expires_at: "2027-01-01T09:30:15" }).expires_at, "2027-01-01T09:30:15Z");
  assert.equal(
    keyBody({ expires_at: "2027-01-01T09:30+02:00" }).expires_at,
    "2027-01-01T09:30+02:00",
  );
  assert.equal(keyBody({ expires_at: "soon" }).expires_at, "soon");
});

Deno.test("keyBody on edit leaves out an expiry left as the form showed it", () => {
  const shown = { ...newKeyValues(), expires_at: "2026-11-27T11:00" };
  assert.equal("expires_at" in keyBody({ expires_at: "2026-11-27T11:00" }, shown), false);
  assert.equal(keyBody({ expires_at: "2026-12-01T00:00" }, shown).expires_at, "2026-12-01T00:00Z");
  assert.equal(keyBody({ expires_at: "" }, shown).expires_at, null);
});

Deno.test("keyBody: metadata is parsed as JSON; text that is not JSON is refused at metadata", () => {
  assert.deepEqual(keyBody({ metadata: '{"team": "a", "n": 1}' }).metadata, { team: "a", n: 1 });
  assert.deepEqual(keyBody({ metadata: "[1]" }).metadata, [1], "the schema says it is no object");
  assert.throws(
    () => keyBody({ metadata: "{team: a}" }),
    (e: unknown) => e instanceof SidecarError && e.status === 400 && e.param === "metadata",
  );
});

Deno.test("keyValues shows a stored key as the form does, and reads back as the same body", () => {
  const k: ClientKeyView = {
    ...KEY,
    models: ["gpt-4o*", "claude-*"],
    rpm_limit: 600,
    budget_usd: 50,
    budget_period: "month",
    expires_at: "2027-01-01T09:30:00Z",
    metadata: { team: "billing" },
  };
  const v = keyValues(k);
  assert.deepEqual(v, {
    id: "key_1",
    name: "app",
    models: "gpt-4o*\nclaude-*",
    rpm_limit: "600",
    tpm_limit: "",
    max_concurrent: "",
    budget_usd: "50",
    budget_period: "month",
    expires_at: "2027-01-01T09:30",
    enabled: true,
    metadata: '{\n  "team": "billing"\n}',
  });
  const form = { ...v, enabled: "on" };
  const body = keyBody(form, v);
  assert.deepEqual(body, {
    name: "app",
    models: ["gpt-4o*", "claude-*"],
    rpm_limit: 600,
    tpm_limit: null,
    max_concurrent: null,
    budget_usd: 50,
    budget_period: "month",
    enabled: true,
    metadata: { team: "billing" },
  });
  assert.equal(keyValues(KEY).metadata, "", "no metadata: an empty field");
});

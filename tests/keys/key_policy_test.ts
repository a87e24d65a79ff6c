/**
 * @module key_policy_test
 * The policy's own rules: ISO times with every field range-checked, stored
 * in UTC; a budget needs its period; metadata kept as sent (an own
 * `__proto__` key included) and bounded.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import {
  DEFAULT_POLICY,
  isoTime,
  parseIsoTime,
  POLICY_CREATE,
  policyIssue,
  refinePolicy,
} from "../../src/keys/key_policy.ts";

const Create = z.strictObject(POLICY_CREATE).superRefine(refinePolicy);

Deno.test("parseIsoTime() takes ISO-8601 times with a zone and refuses the rest", () => {
  const good: [string, string][] = [
    ["2027-01-01T00:00:00Z", "2027-01-01T00:00:00.000Z"],
    ["2027-01-01T00:00Z", "2027-01-01T00:00:00.000Z"],
    ["2027-01-01T02:00:00+02:00", "2027-01-01T00:00:00.000Z"],
    ["2026-12-31T19:00:00.250-05:00", "2027-01-01T00:00:00.250Z"],
    ["2028-02-29T12:00:00Z", "2028-02-29T12:00:00.000Z"],
  ];
  for (const [text, utc] of good) {
    assert.equal(new Date(parseIsoTime(text)).toISOString(), utc, text);
  }
  const bad = [
    "2027-01-01",
    "2027-01-01T00:00:00",
    "2027-02-30T00:00:00Z",
    "2027-02-29T00:00:00Z",
    "2027-13-01T00:00:00Z",
    "2027-01-01T24:00:00Z",
    "2027-01-01T00:60:00Z",
    "2027-01-01T00:00:00+25:00",
    "tomorrow",
    "1798761600000",
    "",
  ];
  for (const text of bad) assert.ok(Number.isNaN(parseIsoTime(text)), text);
});

Deno.test("isoTime() stores to the second, to the millisecond only when there is one", () => {
  assert.equal(isoTime(Date.UTC(2027, 0, 1)), "2027-01-01T00:00:00Z");
  assert.equal(isoTime(Date.UTC(2027, 0, 1, 0, 0, 0, 250)), "2027-01-01T00:00:00.250Z");
});

Deno.test("the policy fields default to no limit and an empty metadata object", () => {
  assert.deepEqual(Create.parse({}), DEFAULT_POLICY);
  assert.equal(
    Create.parse({ expires_at: "2027-01-01T01:00:00+01:00" }).expires_at,
    "2027-01-01T00:00:00Z",
  );
});

Deno.test("policyIssue(): a budget needs its period; a period alone is allowed", () => {
  assert.equal(policyIssue({ ...DEFAULT_POLICY, budget_usd: 5 })?.param, "budget_period");
  assert.equal(policyIssue({ ...DEFAULT_POLICY, budget_usd: 5, budget_period: "day" }), undefined);
  assert.equal(policyIssue({ ...DEFAULT_POLICY, budget_period: "day" }), undefined);
  const r = Create.safeParse({ budget_usd: 5 });
  assert.equal(r.success, false);
  assert.deepEqual(r.error!.issues[0]!.path, ["budget_period"]);
});

Deno.test("metadata is kept as sent, an own __proto__ key included, up to 4 KiB of JSON", () => {
  const sent = JSON.parse('{"__proto__":{"team":"x"},"cost_center":"42"}');
  const parsed = Create.parse({ metadata: sent }).metadata;
  assert.equal(JSON.stringify(parsed), '{"__proto__":{"team":"x"},"cost_center":"42"}');
  // {"a":"…"} is 8 bytes around the value: 4088 of value is exactly 4096.
  assert.equal(Create.safeParse({ metadata: { a: "x".repeat(4088) } }).success, true);
  assert.equal(Create.safeParse({ metadata: { a: "x".repeat(4089) } }).success, false);
  // Counted in UTF-8 bytes, not characters.
  assert.equal(Create.safeParse({ metadata: { a: "é".repeat(2045) } }).success, false);
  for (const v of [null, [], "tag", 1]) {
    assert.equal(Create.safeParse({ metadata: v }).success, false, JSON.stringify(v));
  }
});

/**
 * @module Tests of the governed-key part of the benchmark's report: req/s
 * of `sidecar_governed` against `sidecar` in the same run (≥ 95% at every
 * loaded level), the key's audit as a check (spend equal to the records'
 * cost, nothing reserved, every request recorded and priced, a model outside
 * the allowlist refused), and where they show, on results built by hand.
 */
import assert from "node:assert/strict";
import type { KeyAudit } from "../../bench/key_audit.ts";
import { renderTables } from "../../bench/report.ts";
import {
  auditCheck,
  governedChecks,
  governedSummary,
  governedTable,
  requestsSent,
} from "../../bench/report_governed.ts";
import type { LoadRun, TargetResult } from "../../bench/results.ts";
import { run, target } from "./run_fixture.ts";

const FREE = target("sidecar", { 1: [2000, 0.5], 32: [10000, 3], 50: [10000, 5] });

function governed(
  figures: Record<number, [number, number]>,
  audit?: Partial<KeyAudit>,
): TargetResult {
  return {
    ...target("sidecar_governed", figures),
    label: "Sidecar, 1 backend, governed key",
    ...(audit && { keyAudit: { ...AUDIT, ...audit } }),
  };
}

const AUDIT: KeyAudit = {
  keyId: "key_0123456789ab",
  policy: {
    models: ["bench", "bench-*"],
    rpmLimit: 10_000_000,
    budgetUsd: 1_000_000,
    budgetPeriod: "month",
  },
  spendUsd: 0.028,
  reservedUsd: 0,
  requests: 1000,
  errors: 0,
  costUsd: 0.028,
  unpricedRequests: 0,
  refusal: { model: "not-on-the-allowlist", status: 403, code: "model_not_allowed" },
};

Deno.test("governedChecks() holds at 95% of the ungoverned req/s at each loaded level and fails below", () => {
  // At one connection 50%: req/s there is the latency's inverse, not a throughput check.
  const g = governed({ 1: [1000, 0.6], 32: [9500, 3.1], 50: [9490, 5.2] });
  const checks = governedChecks(run([FREE, g]))!;
  assert.deepEqual(
    checks.map((c) => [c.what, c.met]),
    [["throughput, 32 conns", true], ["throughput, 50 conns", false]],
  );
  assert.equal(checks[0]!.measured, "95% (9,500 vs 10,000 req/s)");
  assert.equal(checks[0]!.goal, "≥ 95% of the ungoverned key");
});

Deno.test("auditCheck() passes a key whose budget settled the records' cost for every request", () => {
  const check = auditCheck(AUDIT, 1000);
  assert.equal(check.met, true, check.measured);
  assert.match(check.measured, /^\$0\.028000 spent, \$0\.028000 in 1,000 records \(1,000 answered/);
  assert.match(check.measured, /`not-on-the-allowlist`: 403 model_not_allowed$/);
});

Deno.test("auditCheck() fails each way admission or the budget could have been bypassed, naming it", () => {
  const cases: [Partial<KeyAudit>, number, RegExp][] = [
    [{ spendUsd: 0, costUsd: 0 }, 1000, /nothing spent/],
    [{ costUsd: 0.03 }, 1000, /spend is not the records' cost/],
    [{ costUsd: null }, 1000, /spend is not the records' cost/],
    [{ reservedUsd: 0.001 }, 1000, /\$0\.001000 still reserved/],
    [{}, 1200, /200 requests unrecorded/],
    [{ unpricedRequests: 3 }, 1000, /3 unpriced/],
    [{ refusal: { model: "x", status: 200, code: null } }, 1000, /outside the allowlist was not/],
    [{ refusal: { model: "x", status: 403, code: "budget_exceeded" } }, 1000, /was not refused/],
  ];
  for (const [change, sent, problem] of cases) {
    const check = auditCheck({ ...AUDIT, ...change }, sent);
    assert.equal(check.met, false, JSON.stringify(change));
    assert.match(check.measured, problem);
  }
  // Sums in another order differ in the last digits: not a problem.
  assert.equal(auditCheck({ ...AUDIT, costUsd: 0.028 + 1e-9 }, 1000).met, true);
});

Deno.test("requestsSent() counts the checked requests and the measured runs, not the warm-ups", () => {
  const g = governed({ 32: [9500, 3] });
  g.smoke = { requests: 50, ok: 50, failed: 0, failures: [], p50Ms: 1, p99Ms: 2 };
  g.load!["32"]!.runs = [{ requests: 3000 }, { requests: 2500 }] as LoadRun[];
  assert.equal(requestsSent(g), 5550);
});

Deno.test("the report and the console show the governed checks with the key's policy, pass or fail", () => {
  const g = governed({ 1: [1900, 0.55], 32: [9000, 3.2], 50: [9800, 5.1] }, {});
  const r = run([FREE, g]);
  const md = renderTables(r);
  assert.match(
    md,
    /\*\*Sidecar, 1 backend, governed key, against Sidecar, 1 backend in the same run\*\*/,
  );
  assert.match(
    md,
    /`models` \["bench","bench-\*"\], `rpm_limit` 10,000,000, `budget_usd` 1,000,000 a month/,
  );
  assert.match(
    md,
    /\| throughput, 32 conns \| ≥ 95% of the ungoverned key \| 90% .* \| \*\*no\*\* \|/,
  );
  assert.match(md, /\| throughput, 50 conns \| .* \| 98% .* \| yes \|/);
  assert.match(md, /\| admission and budget at work \| .* \| yes \|/);
  const lines = governedSummary(r);
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^governed key: throughput, 32 conns: 90% .*: FAIL$/);
  assert.match(lines[2]!, /^governed key: admission and budget at work: .*: pass$/);
});

Deno.test("governedTable() is pending without its pair or when the governed Sidecar did not start", () => {
  assert.deepEqual(governedTable(run([FREE])), [], "no governed key in the run: no section");
  const g = governed({ 32: [9500, 3] });
  assert.match(governedTable(run([g])).join("\n"), /Pending: needs sidecar measured/);
  const failed: TargetResult = {
    id: "sidecar_governed",
    label: "Sidecar, 1 backend, governed key",
    available: false,
    reason: "POST /api/keys answered 400: bad\nmore",
  };
  const text = governedTable(run([FREE, failed])).join("\n");
  assert.match(text, /Pending: sidecar_governed not available in this run \(POST \/api\/keys/);
  assert.ok(!text.includes("more"));
  assert.deepEqual(governedSummary(run([FREE, failed])), []);
});

/**
 * @module Tests of the Anthropic part of the benchmark's report: Messages
 * to an anthropic backend against chat completions to an openai one in the
 * same run (req/s within 10% at every loaded level), the p50 translation adds
 * at one connection (≤ 0.1 ms), and where they show, on results built by hand.
 */
import assert from "node:assert/strict";
import { renderTables } from "../../bench/report.ts";
import { anthropicChecks, anthropicSummary, anthropicTable } from "../../bench/report_anthropic.ts";
import type { TargetResult } from "../../bench/results.ts";
import { run, target } from "./run_fixture.ts";

const OPENAI = target("sidecar", { 1: [2000, 0.5], 32: [10000, 3], 50: [10000, 5] });

function labelled(id: string, label: string, figures: Record<number, [number, number]>) {
  return { ...target(id, figures), label };
}

const messages = (figures: Record<number, [number, number]>) =>
  labelled("sidecar_messages", "Sidecar, Messages to an anthropic backend", figures);
const translated = (figures: Record<number, [number, number]>) =>
  labelled("sidecar_translated", "Sidecar, chat completions to an anthropic backend", figures);

Deno.test("anthropicChecks(): Messages req/s holds at 90% of chat completions' and fails below", () => {
  // At one connection 50%: not a throughput check.
  const m = messages({ 1: [1000, 0.6], 32: [9000, 3.3], 50: [8990, 5.5] });
  const checks = anthropicChecks(run([OPENAI, m]));
  assert.deepEqual(
    checks.map((c) => [c.what, c.met]),
    [["Messages throughput, 32 conns", true], ["Messages throughput, 50 conns", false]],
  );
  assert.equal(checks[0]!.measured, "90% (9,000 vs 10,000 req/s)");
  assert.equal(checks[0]!.goal, "≥ 90% of chat completions to an openai backend");
});

Deno.test("anthropicChecks(): translation may add 0.1 ms at the median at one connection, not more", () => {
  const ok = anthropicChecks(run([OPENAI, translated({ 1: [1900, 0.6], 32: [5000, 6] })]));
  assert.deepEqual(ok.map((c) => [c.what, c.met]), [["p50 added by translation, 1 conn", true]]);
  assert.match(ok[0]!.measured, /^\+0\.100 ms \(0\.600 vs 0\.500 ms\)$/);
  const slow = anthropicChecks(run([OPENAI, translated({ 1: [1900, 0.61] })]));
  assert.equal(slow[0]!.met, false);
});

Deno.test("the report and the console show both Anthropic configurations' checks, pass or fail", () => {
  const r = run([
    OPENAI,
    messages({ 1: [1950, 0.52], 32: [9600, 3.1], 50: [8000, 6] }),
    translated({ 1: [1900, 0.58], 32: [9000, 3.3], 50: [9000, 5.5] }),
  ]);
  const md = renderTables(r);
  assert.match(md, /\*\*Anthropic backends, against Sidecar, 1 backend in the same run\*\*/);
  assert.match(md, /\| Messages throughput, 32 conns \| .* \| 96% .* \| yes \|/);
  assert.match(md, /\| Messages throughput, 50 conns \| .* \| 80% .* \| \*\*no\*\* \|/);
  assert.match(
    md,
    /\| p50 added by translation, 1 conn \| ≤ 0.1 ms over .* \| \+0\.080 ms .* \| yes \|/,
  );
  const lines = anthropicSummary(r);
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^anthropic: Messages throughput, 50 conns: 80% .*: FAIL$/);
  assert.match(lines[2]!, /^anthropic: p50 added by translation, 1 conn: .*: pass$/);
});

Deno.test("anthropicTable() says which configuration is pending and why; none in the run, no section", () => {
  assert.deepEqual(anthropicTable(run([OPENAI])), []);
  const failed: TargetResult = {
    id: "sidecar_translated",
    label: "Sidecar, chat completions to an anthropic backend",
    available: false,
    reason: "POST /api/backends answered 400: api\nmore",
  };
  const text = anthropicTable(
    run([OPENAI, messages({ 32: [9600, 3.1] }), failed]),
  ).join("\n");
  assert.match(
    text,
    /Sidecar, chat completions to an anthropic backend: pending: sidecar_translated not available in this run \(POST \/api\/backends answered 400: api\)\./,
  );
  assert.match(text, /\| Messages throughput, 32 conns \|/);
  assert.ok(!text.includes("more"));
  const alone = anthropicTable(run([messages({ 32: [9600, 3.1] })])).join("\n");
  assert.match(alone, /pending: needs sidecar measured in the same run/);
  assert.deepEqual(anthropicSummary(run([messages({ 32: [9600, 3.1] })])), []);
});

/**
 * @module report_tail_test
 * The tail section of RESULTS.md: Sidecar's p99 against the passthrough's
 * checked on both sides of each target (≤ 1.25× at one connection, ≤ 1.5× at
 * 32), p99.9 and per-request columns, and the histogram built from the
 * one-connection runs of both.
 */
import assert from "node:assert/strict";
import type { Distribution } from "../../bench/latency_dist.ts";
import { checksTable } from "../../bench/report_checks.ts";
import {
  oneConnectionDistribution,
  p99Ratio,
  tailHistogram,
  tailTables,
} from "../../bench/report_tail.ts";
import type { LoadRun, TargetResult } from "../../bench/results.ts";
import { run, target } from "./run_fixture.ts";

/** A target whose p99 at 1 and 32 connections is given, with p99.9 and per-request figures. */
function withTail(id: string, label: string, p99: Record<number, number>): TargetResult {
  const t = target(id, { 1: [3000, 0.2], 32: [6000, 2], 50: [6000, 3] });
  t.label = label;
  for (const [c, ms] of Object.entries(p99)) {
    const m = t.load![c]!.median;
    m.p99Ms = ms;
    m.p999Ms = ms * 2;
    m.requestP99Ms = ms / 4;
    m.requestP999Ms = ms;
  }
  return t;
}

function rowOf(lines: string[], what: string): string {
  const row = lines.find((l) => l.startsWith(`| ${what} |`));
  assert.ok(row, `no row "${what}" in:\n${lines.join("\n")}`);
  return row;
}

Deno.test("the p99 targets are met at the bound and missed just above it", () => {
  const at = run([
    withTail("passthrough", "bare Deno fetch passthrough", { 1: 2, 32: 10 }),
    withTail("sidecar", "Sidecar, 1 backend", { 1: 2.5, 32: 15 }),
  ]);
  assert.equal(p99Ratio(at, "sidecar", 1), 1.25);
  const met = checksTable(at);
  assert.match(
    rowOf(met, "p99 vs bare Deno, 1 conn"),
    /≤ 1.25× \| 1.25× \(2.500 vs 2.000 ms\) \| yes \|$/,
  );
  assert.match(
    rowOf(met, "p99 vs bare Deno, 32 conns"),
    /≤ 1.5× \| 1.50× \(15\.0 vs 10\.0 ms\) \| yes \|$/,
  );

  const over = run([
    withTail("passthrough", "bare Deno fetch passthrough", { 1: 2, 32: 10 }),
    withTail("sidecar", "Sidecar, 1 backend", { 1: 2.52, 32: 15.2 }),
  ]);
  const missed = checksTable(over);
  assert.match(rowOf(missed, "p99 vs bare Deno, 1 conn"), /\| \*\*no\*\* \|$/);
  assert.match(rowOf(missed, "p99 vs bare Deno, 32 conns"), /\| \*\*no\*\* \|$/);
});

Deno.test("the tail tables give p99.9, the ratio and the per-request percentiles per connection count", () => {
  const r = run([
    withTail("passthrough", "bare Deno fetch passthrough", { 1: 2, 32: 10 }),
    withTail("sidecar", "Sidecar, 1 backend", { 1: 3, 32: 12 }),
  ]);
  const lines = tailTables(r);
  assert.ok(lines.includes("#### 1 connection") && lines.includes("#### 32 connections"));
  assert.ok(!lines.includes("#### 50 connections"));
  const at1 = lines.slice(lines.indexOf("#### 1 connection"));
  assert.equal(
    rowOf(at1, "Sidecar, 1 backend"),
    "| Sidecar, 1 backend | 0.200 | 3.000 | 6.000 | 1.50× | 0.750 | 3.000 |",
  );
  assert.match(rowOf(at1, "bare Deno fetch passthrough"), /\| 1\.00× \|/);
});

Deno.test("the histogram is drawn from every one-connection run of Sidecar and the passthrough", () => {
  const sc = withTail("sidecar", "Sidecar, 1 backend", { 1: 3 });
  const pass = withTail("passthrough", "bare Deno fetch passthrough", { 1: 2 });
  const runOf = (d: Distribution) => ({ distribution: d } as unknown as LoadRun);
  sc.load!["1"]!.runs = [runOf([[200, 99], [9_000, 1]]), runOf([[210, 100]])];
  pass.load!["1"]!.runs = [runOf([[150, 100]])];
  const r = run([pass, sc]);
  assert.deepEqual(oneConnectionDistribution(r, "sidecar"), [[200, 99], [210, 100], [9_000, 1]]);
  const svg = tailHistogram(r);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal(svg.match(/<path /g)?.length, 2);
  assert.match(svg, /Sidecar, 1 backend: 200 requests, p50 210 µs, p99 210 µs, p99\.9 9 ms/);
  assert.match(svg, /bare Deno fetch passthrough: 100 requests/);
});

Deno.test("the histogram says so when the run kept no per-request latencies", () => {
  const svg = tailHistogram(run([withTail("sidecar", "Sidecar, 1 backend", { 1: 3 })]));
  assert.match(svg, /No per-request latencies in this run/);
});

/**
 * @module Checks of one configuration against another measured in the same
 * run (so a ratio is the difference between them, not the machine's drift
 * between runs), and how they show: a RESULTS.md table and console lines.
 * Throughput is checked at every connection count above one; at one
 * connection req/s is the inverse of the latency, which an added-p50 check
 * judges with its own target.
 */

import { fmtInt, fmtMs, fmtPct, fmtSigned, level } from "./report_format.ts";
import type { TargetResult } from "./results.ts";

/** One check: what, its goal, what was measured, whether the goal was met. */
export interface SameRunCheck {
  what: string;
  goal: string;
  measured: string;
  met: boolean;
}

/** `b`'s req/s as a share of `a`'s, at least `minPct`, at every level above one connection. */
export function throughputChecks(
  a: TargetResult,
  b: TargetResult,
  minPct: number,
  o: { what: string; versus: string },
): SameRunCheck[] {
  const levels = Object.keys(b.load ?? {}).map(Number).sort((x, y) => x - y);
  return levels.filter((c) => c > 1).flatMap((c) => {
    const ma = level(a, c)?.median;
    const mb = level(b, c)?.median;
    if (!ma || !mb) return [];
    const pct = (100 * mb.rps) / ma.rps;
    return [{
      what: `${o.what}, ${c} conns`,
      goal: `≥ ${minPct}% of ${o.versus}`,
      measured: `${fmtPct(pct)} (${fmtInt(mb.rps)} vs ${fmtInt(ma.rps)} req/s)`,
      met: pct >= minPct,
    }];
  });
}

/** `b`'s p50 over `a`'s at one connection, at most `maxMs`; undefined when either lacks it. */
export function addedP50Check(
  a: TargetResult,
  b: TargetResult,
  maxMs: number,
  o: { what: string; versus: string },
): SameRunCheck | undefined {
  const ma = level(a, 1)?.median;
  const mb = level(b, 1)?.median;
  if (!ma || !mb) return undefined;
  const added = mb.p50Ms - ma.p50Ms;
  return {
    what: `${o.what}, 1 conn`,
    goal: `≤ ${maxMs} ms over ${o.versus}`,
    measured: `${fmtSigned(added)} ms (${fmtMs(mb.p50Ms)} vs ${fmtMs(ma.p50Ms)} ms)`,
    met: added <= maxMs,
  };
}

/** The checks as a RESULTS.md table. */
export function checkTable(checks: SameRunCheck[]): string[] {
  return [
    "| target | goal | measured | met |",
    "| --- | --- | --- | :---: |",
    ...checks.map((c) => `| ${c.what} | ${c.goal} | ${c.measured} | ${c.met ? "yes" : "**no**"} |`),
    "",
  ];
}

/** The checks as console lines, each with pass or FAIL. */
export function checkLines(prefix: string, checks: SameRunCheck[]): string[] {
  return checks.map((c) =>
    `${prefix}: ${c.what}: ${c.measured}, goal ${c.goal}: ${c.met ? "pass" : "FAIL"}`
  );
}

/** Why a pair has no figures: `t` did not run or start, or its reference `ref` did not. */
export function pendingReason(t: TargetResult | undefined, id: string, ref: string): string {
  if (!t) return `${id} not in this run`;
  if (!t.available) return `${id} not available in this run (${(t.reason ?? "").split("\n")[0]})`;
  return `needs ${ref} measured in the same run`;
}

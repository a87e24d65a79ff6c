/** @module Number formatting and lookups shared by the RESULTS.md tables. */

import type { LoadLevel, RunResults, TargetResult } from "./results.ts";

/** A whole number with thousands separators, or a dash. */
export function fmtInt(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? "–" : Math.round(n).toLocaleString("en-US");
}

/** Milliseconds: three decimals below 10, one above; a dash for none. */
export function fmtMs(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  return Math.abs(n) < 10 ? n.toFixed(3) : n.toFixed(1);
}

/** Milliseconds with an explicit sign. */
export function fmtSigned(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  return `${n >= 0 ? "+" : "−"}${fmtMs(Math.abs(n))}`;
}

/** A percentage, or a dash. */
export function fmtPct(n: number | undefined, digits = 0): string {
  return n === undefined || !Number.isFinite(n) ? "–" : `${n.toFixed(digits)}%`;
}

/** The configuration `id` of a run, when it was measured. */
export function byId(r: RunResults, id: string): TargetResult | undefined {
  return r.targets.find((t) => t.id === id && t.available);
}

/** A configuration's load figures at `c` connections. */
export function level(t: TargetResult | undefined, c: number): LoadLevel | undefined {
  return t?.load?.[String(c)];
}

/** A table row saying why a configuration has no figures. */
export function unavailableRow(t: TargetResult, columns: number): string {
  const why = (t.reason ?? "not measured").split("\n")[0]!.replaceAll(
    "|",
    "\\|",
  ).slice(0, 160);
  return `| ${t.label} | not available: ${why} |${" |".repeat(columns - 2)}`;
}

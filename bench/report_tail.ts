/**
 * @module The tail of RESULTS.md: p99 and p99.9 per configuration at one
 * and 32 connections (wrk's, and per request: latency_dist.ts), Sidecar's
 * p99 against the bare passthrough's with the targets, and the
 * histogram of Sidecar against the passthrough at one connection.
 */

import { type Distribution, mergeDistributions } from "./latency_dist.ts";
import { byId, fmtMs, level, unavailableRow } from "./report_format.ts";
import type { RunResults } from "./results.ts";
import { tailHistogramSvg } from "./tail_histogram.ts";

/** Connection counts the tail is reported at. */
export const TAIL_LEVELS = [1, 32];

/** Sidecar's p99 over the passthrough's at most, by connection count. */
export const P99_RATIO_TARGETS: Record<number, number> = { 1: 1.25, 32: 1.5 };

/** The histogram's file, beside RESULTS.md (bench/results/ keeps a copy per run). */
export const HISTOGRAM_FILE = "tail_histogram.svg";

/** `id`'s p99 over the passthrough's at `c` connections, when both were measured. */
export function p99Ratio(r: RunResults, id: string, c: number): number | undefined {
  const a = level(byId(r, id), c)?.median.p99Ms;
  const b = level(byId(r, "passthrough"), c)?.median.p99Ms;
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

function fmtRatio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "–" : `${x.toFixed(2)}×`;
}

/** One table per connection count: wrk's percentiles, the ratio to the passthrough, per-request ones. */
export function tailTables(r: RunResults): string[] {
  const out = [
    "wrk's own percentiles correct for coordinated omission: a request slower than the run's mean " +
    "interval adds a synthetic sample for each interval it held the connection up (wrk's " +
    "`stats_correct`), so they weigh a stall by its length, as a client sending at a steady rate " +
    "would meet it. The per-request columns undo that correction exactly (`bench/latency_dist.ts`): " +
    "they are the latencies of the requests themselves. The targets are checked on wrk's p99, the " +
    "figure the issue quotes. Medians of the runs.",
    "",
  ];
  for (const c of TAIL_LEVELS.filter((c) => r.settings.connections.includes(c))) {
    out.push(
      `#### ${c} connection${c === 1 ? "" : "s"}`,
      "",
      "| configuration | p50 ms | p99 ms | p99.9 ms | p99 / bare Deno's | per request: p99 ms | per request: p99.9 ms |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const t of r.targets) {
      const l = level(t, c);
      if (!t.available || !l) {
        out.push(unavailableRow(t, 7));
        continue;
      }
      const m = l.median;
      out.push(
        `| ${t.label} | ${fmtMs(m.p50Ms)} | ${fmtMs(m.p99Ms)} | ${fmtMs(m.p999Ms)} | ${
          fmtRatio(p99Ratio(r, t.id, c))
        } | ${fmtMs(m.requestP99Ms)} | ${fmtMs(m.requestP999Ms)} |`,
      );
    }
    out.push("");
  }
  return out;
}

/** The per-request histogram of `id` at one connection, all runs together. */
export function oneConnectionDistribution(r: RunResults, id: string): Distribution {
  const runs = level(byId(r, id), 1)?.runs ?? [];
  return mergeDistributions(runs.flatMap((x) => x.distribution ? [x.distribution] : []));
}

/** The SVG of Sidecar against the passthrough at one connection. */
export function tailHistogram(r: RunResults): string {
  const s = r.settings;
  const series = [
    { id: "sidecar", color: "#c0392b" },
    { id: "passthrough", color: "#2471a3" },
  ].flatMap(({ id, color }) => {
    const t = byId(r, id);
    return t ? [{ label: t.label, color, distribution: oneConnectionDistribution(r, id) }] : [];
  });
  return tailHistogramSvg(series, {
    title: `Latency of each request at one connection (${s.runs} runs of ${s.durationS} s, ` +
      `${r.startedAt.slice(0, 16).replace("T", " ")} UTC)`,
  });
}

/** The section's lines: the tables and the picture. */
export function tailSection(r: RunResults): string[] {
  return [
    ...tailTables(r),
    `![Latency of each request at one connection, Sidecar against the bare Deno passthrough](${HISTOGRAM_FILE})`,
    "",
    `_${HISTOGRAM_FILE}: each request's latency at one connection (all runs), log-spaced buckets, ` +
    "the share of requests in each on a log scale, so the slowest 1% and 0.1% show; dashed lines " +
    "mark each configuration's p50, p99 and p99.9 over these requests._",
  ];
}

/**
 * @module chart_data
 * Turns time-bucketed usage rows into the series the dashboard's charts
 * draw: a fixed run of buckets (empty ones included), the busiest groups as
 * their own series and the rest folded into "other", in the same order and
 * colours for every metric.
 */
import type { SeriesRow } from "../../store/rows.ts";
import type { ChartData, ChartSeries } from "../../../views/view_models.ts";

/** The metrics a chart can show. */
export type ChartMetric = "requests" | "errors" | "total_tokens";

/** Most groups drawn separately; the rest become "other". */
export const MAX_SERIES = 6;

/** Buckets covering `[since, until)`, aligned to `bucketMs` like the store aligns them. */
export function bucketRange(since: number, until: number, bucketMs: number) {
  const start = Math.floor(since / bucketMs) * bucketMs;
  const count = Math.max(1, Math.ceil((until - start) / bucketMs));
  return { start, count };
}

/** Builds one chart per metric over the same groups, busiest first. */
export function buildCharts<M extends ChartMetric>(
  rows: readonly SeriesRow[],
  metrics: readonly M[],
  range: { since: number; until: number; bucketMs: number },
  label: (key: string) => string = (k) => k,
): Record<M, ChartData> {
  const { start, count } = bucketRange(range.since, range.until, range.bucketMs);
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.requests);
  const ranked = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k]) => k);
  const keep = ranked.length > MAX_SERIES ? ranked.slice(0, MAX_SERIES - 1) : ranked;
  const slot = new Map(keep.map((k, i) => [k, i]));
  const folded = ranked.length > keep.length;

  const out = {} as Record<M, ChartData>;
  for (const metric of metrics) {
    const series: ChartSeries[] = keep.map((k) => ({
      name: label(k),
      values: new Array(count).fill(0),
    }));
    if (folded) {
      series.push({
        name: `${ranked.length - keep.length} others`,
        values: new Array(count).fill(0),
        other: true,
      });
    }
    for (const r of rows) {
      const i = Math.floor((r.bucket - start) / range.bucketMs);
      if (i < 0 || i >= count) continue;
      const s = series[slot.get(r.key) ?? series.length - 1]!;
      s.values[i]! += r[metric];
    }
    out[metric] = { start, bucketMs: range.bucketMs, count, series };
  }
  return out;
}

/** True when no bucket of any series holds a value. */
export function isEmptyChart(data: ChartData): boolean {
  return data.series.every((s) => s.values.every((v) => v === 0));
}

/**
 * @module usage_queries
 * The usage reads the dashboard makes, with readable labels for group keys
 * (backend and key names instead of ids). Pending usage writes are flushed
 * first so a request made a moment ago is counted.
 */
import type { AppDeps } from "../../app_deps.ts";
import type { SeriesGroup } from "../../store/request_repo.ts";
import type { SummaryRow } from "../../store/rows.ts";
import type { ChartData } from "../../../views/view_models.ts";
import { buildCharts, type ChartMetric } from "./chart_data.ts";

const MINUTE = 60_000;

/** Totals and latency percentiles over the last `ms` milliseconds. */
export function summaryOfLast(deps: AppDeps, ms: number): SummaryRow {
  deps.store.flush();
  const now = deps.now();
  return deps.store.requests.summary(now - ms, now + 1);
}

/** Requests per minute by backend over the last hour (60 buckets, the current one partial). */
export function requestsPerMinute(deps: AppDeps): ChartData {
  const now = deps.now();
  const since = Math.floor(now / MINUTE) * MINUTE - 59 * MINUTE;
  return charts(deps, "backend", ["requests"], { since, until: now + 1, bucketMs: MINUTE })
    .requests;
}

/** Charts of `metrics` by `group` over a range. */
export function charts<M extends ChartMetric>(
  deps: AppDeps,
  group: SeriesGroup,
  metrics: readonly M[],
  range: { since: number; until: number; bucketMs: number },
): Record<M, ChartData> {
  deps.store.flush();
  const rows = deps.store.requests.series(group, range.bucketMs, range.since, range.until);
  return buildCharts(rows, metrics, range, groupLabeler(deps, group));
}

/** Turns a group key into what a person recognises. */
export function groupLabeler(deps: AppDeps, group: SeriesGroup | string): (key: string) => string {
  const names = new Map<string, string>();
  if (group === "backend") { for (const b of deps.store.backends.list()) names.set(b.id, b.name); }
  if (group === "pool") { for (const p of deps.store.pools.list()) names.set(p.id, p.name); }
  if (group === "key") { for (const k of deps.store.keys.list()) names.set(k.id, k.name); }
  return (key) => {
    if (key === "(none)") return "no backend answered";
    if (key === "(admin)") return "admin token";
    if (key === "total") return "all requests";
    return names.get(key) ?? key;
  };
}

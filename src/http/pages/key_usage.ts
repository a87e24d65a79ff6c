/**
 * @module key_usage
 * One client key's traffic for its detail page: requests and cost per hour
 * over the last day, from the usage aggregates (`group_by` hour) of that
 * key's requests only, as chart data and totals.
 */
import type { AppDeps } from "../../app_deps.ts";
import type { UsageRow } from "../../store/rows.ts";
import type { ChartData } from "../../../views/view_models.ts";
import { bucketRange } from "./chart_data.ts";

const HOUR = 3_600_000;

/** The hours a key's charts cover, the current one partial. */
export const KEY_HOURS = 24;

/** What a key's detail page draws and sums. */
export interface KeyUsage {
  /** Requests per hour: answered ok, and the rest. */
  requests: ChartData;
  /** USD per hour of the priced requests. */
  cost: ChartData;
  totals: { requests: number; errors: number; cost_usd: number; unpriced_requests: number };
}

/** The key's last {@link KEY_HOURS} hours at `now`. */
export function keyUsage(deps: AppDeps, keyId: string, now: number): KeyUsage {
  const since = Math.floor(now / HOUR) * HOUR - (KEY_HOURS - 1) * HOUR;
  deps.store.flush(); // so a request made a moment ago is counted
  const rows = deps.store.requests.usage("hour", since, now + 1, keyId);
  return hourlyCharts(rows, since, now + 1);
}

/** Charts of hourly usage rows (their `key` is the hour, ISO) over `[since, until)`. */
export function hourlyCharts(rows: readonly UsageRow[], since: number, until: number): KeyUsage {
  const { start, count } = bucketRange(since, until, HOUR);
  const zeros = () => new Array<number>(count).fill(0);
  const ok = zeros();
  const failed = zeros();
  const usd = zeros();
  const totals = { requests: 0, errors: 0, cost_usd: 0, unpriced_requests: 0 };
  for (const r of rows) {
    totals.requests += r.requests;
    totals.errors += r.errors;
    totals.cost_usd += r.cost_usd ?? 0;
    totals.unpriced_requests += r.unpriced_requests;
    const i = Math.floor((Date.parse(r.key) - start) / HOUR);
    if (i < 0 || i >= count) continue;
    ok[i] = r.requests - r.errors;
    failed[i] = r.errors;
    usd[i] = r.cost_usd ?? 0;
  }
  const chart = (series: ChartData["series"]): ChartData => ({
    start,
    bucketMs: HOUR,
    count,
    series,
  });
  return {
    requests: chart([{ name: "ok", values: ok }, { name: "not ok", values: failed }]),
    cost: chart([{ name: "cost", values: usd }]),
    totals,
  };
}

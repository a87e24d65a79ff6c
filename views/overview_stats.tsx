/**
 * @module overview_stats
 * Headline numbers for the last hour, with the last 24 h beneath each.
 * Redraws itself every 10 s.
 */
import type { FC } from "hono/jsx";
import type { SummaryRow } from "../src/store/rows.ts";
import { formatCount, formatMs, formatPercent, plural } from "./format.ts";

/** Element id of the region. */
export const OVERVIEW_STATS_ID = "overview-stats";

const Stat: FC<{ label: string; value: string; sub: string; bad?: boolean }> = (p) => (
  <div class={p.bad ? "stat bad" : "stat"}>
    <div class="label">{p.label}</div>
    <div class="value">{p.value}</div>
    <span class="sub">{p.sub}</span>
  </div>
);

/** The stat cards. */
export const OverviewStats: FC<{ hour: SummaryRow; day: SummaryRow }> = ({ hour, day }) => {
  const ok = (s: SummaryRow) => s.requests - s.errors;
  const rate = (s: SummaryRow) => formatPercent(ok(s), s.requests);
  return (
    <section
      id={OVERVIEW_STATS_ID}
      class="stats"
      hx-get="/"
      hx-trigger="every 10s"
      hx-target="this"
      hx-swap="outerHTML"
      aria-label="Last hour"
    >
      <Stat
        label="Requests · 1 h"
        value={formatCount(hour.requests)}
        sub={`24 h: ${formatCount(day.requests)}`}
      />
      <Stat
        label="Success rate · 1 h"
        value={rate(hour)}
        sub={`24 h: ${rate(day)} · ${plural(day.errors, "error")}`}
        bad={hour.requests > 0 && ok(hour) / hour.requests < 0.95}
      />
      <Stat
        label="Latency p50 · 1 h"
        value={formatMs(hour.p50_latency_ms)}
        sub={`24 h: ${formatMs(day.p50_latency_ms)}`}
      />
      <Stat
        label="Latency p95 · 1 h"
        value={formatMs(hour.p95_latency_ms)}
        sub={`24 h: ${formatMs(day.p95_latency_ms)}`}
      />
      <Stat
        label="Tokens · 1 h"
        value={formatCount(hour.total_tokens)}
        sub={`24 h: ${formatCount(day.total_tokens)} (${formatCount(day.prompt_tokens)} in, ${
          formatCount(day.completion_tokens)
        } out)`}
      />
    </section>
  );
};

/**
 * @module usage_report
 * `/usage`: requests, tokens and errors over a chosen range, as charts by
 * the chosen group and as a table with one row per group.
 */
import type { FC } from "hono/jsx";
import type { UsageRange } from "../src/http/pages/usage_range.ts";
import { toLocalInput } from "../src/http/pages/usage_range.ts";
import type { UsageRow } from "../src/store/rows.ts";
import { CostCell } from "./cost_cell.tsx";
import { EmptyState } from "./empty_state.tsx";
import { SelectField, TextField } from "./fields.tsx";
import {
  formatBucketSize,
  formatCount,
  formatInstant,
  formatMs,
  formatPercent,
  formatUsd,
  plural,
} from "./format.ts";
import { TimeChart } from "./time_chart.tsx";
import type { ChartData } from "./view_models.ts";

/** Element id of the region. */
export const USAGE_REPORT_ID = "usage-report";

const GROUP_NAMES = { model: "model", backend: "backend", key: "client key", pool: "pool" };

/** Everything the report shows. */
export interface UsageReportProps {
  range: UsageRange;
  rows: UsageRow[];
  label: (key: string) => string;
  charts: { requests: ChartData; total_tokens: ChartData; errors: ChartData };
}

/** The share of the total, as a small bar. */
const Share: FC<{ part: number; whole: number }> = ({ part, whole }) => {
  const w = whole > 0 ? Math.max(1, Math.round((part / whole) * 90)) : 0;
  return (
    <span class="share">
      {formatPercent(part, whole)}
      <svg viewBox="0 0 90 8" aria-hidden="true">
        <rect class="track" width="90" height="8" rx="4" />
        <rect class="fill" width={w} height="8" rx="4" />
      </svg>
    </span>
  );
};

/** The report region: totals, three charts and the table. */
export const UsageReport: FC<UsageReportProps> = (p) => {
  const total = p.rows.reduce(
    (t, r) => ({
      requests: t.requests + r.requests,
      errors: t.errors + r.errors,
      tokens: t.tokens + r.total_tokens,
      usd: t.usd + (r.cost_usd ?? 0),
      unpriced: t.unpriced + r.unpriced_requests,
    }),
    { requests: 0, errors: 0, tokens: 0, usd: 0, unpriced: 0 },
  );
  const by = GROUP_NAMES[p.range.group];
  const per = `${formatBucketSize(p.range.bucketMs)} per bar`;
  const empty = (
    <p>
      Nothing was sent through the proxy in this range. Pick a longer range, or send a request to
      {" "}
      <code>/v1/chat/completions</code> with a key from the <a href="/keys">Keys</a> page.
    </p>
  );
  return (
    <section id={USAGE_REPORT_ID}>
      <p class="help">
        {formatInstant(p.range.since)} – {formatInstant(p.range.until)} UTC ·{" "}
        <strong>{plural(total.requests, "request")}</strong> ·{" "}
        <strong>{plural(total.errors, "error")}</strong> ·{" "}
        <strong>{plural(total.tokens, "token")}</strong> · <strong>{formatUsd(total.usd)}</strong>
        {total.unpriced > 0 ? ` (${plural(total.unpriced, "request")} unpriced)` : null}
      </p>
      <div class="card">
        <div class="card-head">
          <h2>Requests by {by}</h2>
          <span class="meta">{per}</span>
        </div>
        <TimeChart data={p.charts.requests} label="Requests" empty={empty} />
      </div>
      <div class="split">
        <div class="card">
          <div class="card-head">
            <h2>Tokens by {by}</h2>
            <span class="meta">prompt + completion</span>
          </div>
          <TimeChart
            data={p.charts.total_tokens}
            label="Tokens"
            width={520}
            empty={<p>No tokens were used in this range.</p>}
          />
        </div>
        <div class="card">
          <div class="card-head">
            <h2>Errors by {by}</h2>
            <span class="meta">any outcome but ok</span>
          </div>
          <TimeChart
            data={p.charts.errors}
            label="Errors"
            width={520}
            emptyTitle="No errors in this range"
            empty={<p>Every request in this range succeeded.</p>}
          />
        </div>
      </div>
      <div class="card">
        <div class="card-head">
          <h2>By {by}</h2>
          <span class="meta">same numbers as GET /api/usage?group_by={p.range.group}</span>
        </div>
        {p.rows.length === 0
          ? <EmptyState title="No requests in this range">{empty}</EmptyState>
          : (
            <div class="table-wrap">
              <table class="data">
                <thead>
                  <tr>
                    <th>{by}</th>
                    <th class="num">Requests</th>
                    <th class="num">Share</th>
                    <th class="num">Errors</th>
                    <th class="num">Prompt</th>
                    <th class="num">Completion</th>
                    <th class="num">Total tokens</th>
                    <th class="num">Cost</th>
                    <th class="num">Avg latency</th>
                    <th class="num">p95 latency</th>
                  </tr>
                </thead>
                <tbody>
                  {[...p.rows].sort((a, b) => b.requests - a.requests).map((r) => (
                    <tr data-group={r.key}>
                      <td>
                        <strong>{p.label(r.key)}</strong>
                        {p.label(r.key) !== r.key ? <span class="sub mono">{r.key}</span> : null}
                      </td>
                      <td class="num">{formatCount(r.requests)}</td>
                      <td class="num">
                        <Share part={r.requests} whole={total.requests} />
                      </td>
                      <td class="num">
                        {formatCount(r.errors)}
                        <span class="sub">{formatPercent(r.errors, r.requests)}</span>
                      </td>
                      <td class="num">{formatCount(r.prompt_tokens)}</td>
                      <td class="num">{formatCount(r.completion_tokens)}</td>
                      <td class="num">{formatCount(r.total_tokens)}</td>
                      <CostCell usd={r.cost_usd} unpriced={r.unpriced_requests} />
                      <td class="num">{formatMs(r.avg_latency_ms)}</td>
                      <td class="num">{formatMs(r.p95_latency_ms)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      </div>
    </section>
  );
};

/** `/usage` page content: the range controls and the report. */
export const UsagePage: FC<UsageReportProps> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Usage</h1>
        <p>Who is using what, and what it cost in tokens and dollars.</p>
      </div>
    </div>
    <div class="card">
      <form
        method="get"
        action="/usage"
        class="inline-form"
        hx-get="/usage"
        hx-target={`#${USAGE_REPORT_ID}`}
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="change, submit"
      >
        <SelectField
          name="range"
          label="Range"
          value={p.range.range}
          options={[
            ["1h", "Last hour"],
            ["6h", "Last 6 hours"],
            ["24h", "Last 24 hours"],
            ["7d", "Last 7 days"],
            ["30d", "Last 30 days"],
            ["custom", "Custom (below)"],
          ]}
        />
        <SelectField
          name="group"
          label="Group by"
          value={p.range.group}
          options={[
            ["model", "Model"],
            ["backend", "Backend"],
            ["key", "Client key"],
            ["pool", "Pool"],
          ]}
        />
        <TextField
          name="since"
          label="Since (UTC)"
          type="datetime-local"
          value={toLocalInput(p.range.since)}
        />
        <TextField
          name="until"
          label="Until (UTC)"
          type="datetime-local"
          value={toLocalInput(p.range.until)}
        />
        <button class="btn" type="submit">Apply</button>
      </form>
    </div>
    <UsageReport {...p} />
  </>
);

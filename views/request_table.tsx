/**
 * @module request_table
 * Recent requests, newest first, each with its upstream attempts
 * expandable. Older pages load into the same table ("Load older"), with the
 * same filters.
 */
import type { FC } from "hono/jsx";
import { REQUEST_FILTER_FIELDS, type RequestFilter } from "../src/store/request_repo.ts";
import type { RequestRecord } from "../src/store/rows.ts";
import { CostCell } from "./cost_cell.tsx";
import { EmptyState } from "./empty_state.tsx";
import { formatAgo, formatCount, formatInstant, formatMs, formatTimeOfDay } from "./format.ts";

/** Element id of the region. */
export const REQUESTS_TABLE_ID = "requests-table";
/** Element id of the "Load older" row. */
export const REQUESTS_MORE_ID = "requests-more";

/** Props shared by the table and its row fragments. */
export interface RequestRowsProps {
  rows: RequestRecord[];
  now: number;
  /** Display names of backend and key ids. */
  backendName: (id: string) => string;
  keyName: (id: string) => string;
  /** Whether an older page may exist. */
  more: boolean;
  /** The filters the rows were listed with; paging and refreshing keep them. */
  filter?: RequestFilter;
}

/** `/requests` with `filter` (and `before`, for an older page) as its query. */
export function requestsHref(filter: RequestFilter = {}, before?: number): string {
  const q = new URLSearchParams();
  for (const f of REQUEST_FILTER_FIELDS) {
    const v = filter[f];
    if (v !== undefined) q.set(f, v);
  }
  if (before !== undefined) q.set("before", String(before));
  const query = q.toString();
  return query ? `/requests?${query}` : "/requests";
}

/** True when any filter is set. */
export function isFiltered(filter: RequestFilter = {}): boolean {
  return REQUEST_FILTER_FIELDS.some((f) => filter[f] !== undefined);
}

function statusClass(r: RequestRecord): string {
  if (r.outcome === "ok") return "ok";
  if (r.status === 429 || r.outcome === "client_error" || r.outcome === "cancelled") return "warn";
  return "error";
}

/** Rows plus the "Load older" row: the fragment a page of older requests is. */
export const RequestRows: FC<RequestRowsProps> = (p) => (
  <>
    {p.rows.map((r) => (
      <tr data-request={r.id}>
        <td title={`${formatInstant(r.ts)} UTC`}>
          {formatTimeOfDay(r.ts, p.now)}
          <span class="sub">{formatAgo(r.ts, p.now)}</span>
        </td>
        <td>
          <span class="mono">{r.model}</span>
          {r.upstream_model && r.upstream_model !== r.model
            ? <span class="sub mono">→ {r.upstream_model}</span>
            : null}
          {r.stream ? <span class="sub">stream</span> : null}
        </td>
        <td>{r.backend_id ? p.backendName(r.backend_id) : <span class="sub">none</span>}</td>
        <td>{r.key_id ? p.keyName(r.key_id) : <span class="sub">admin token</span>}</td>
        <td>
          <span class={`badge plain ${statusClass(r)}`}>{r.status}</span>
          <span class="sub">{r.outcome.replaceAll("_", " ")}</span>
        </td>
        <td class="num">
          {formatMs(r.latency_ms)}
          {r.ttfb_ms !== null ? <span class="sub">first byte {formatMs(r.ttfb_ms)}</span> : null}
        </td>
        <td class="num">
          {formatCount(r.total_tokens)}
          <span class="sub">
            {formatCount(r.prompt_tokens)} in · {formatCount(r.completion_tokens)} out
          </span>
        </td>
        <CostCell
          usd={r.cost_usd}
          unpriced={r.unpriced ? 1 : 0}
          estimated={r.usage_estimated}
          single
        />
        <td>
          <details class="attempts">
            <summary>
              {r.attempts.length} attempt{r.attempts.length === 1 ? "" : "s"}
            </summary>
            {r.attempts.length > 0
              ? (
                <ol>
                  {r.attempts.map((a) => (
                    <li>
                      {p.backendName(a.backend_id)}: {a.status ?? "no answer"} {a.reason} in{" "}
                      {formatMs(a.ms)}
                    </li>
                  ))}
                </ol>
              )
              : <span class="sub">no upstream was tried</span>}
            {r.error ? <div class="error-text">{r.error}</div> : null}
          </details>
        </td>
      </tr>
    ))}
    {p.more && p.rows.length > 0
      ? (
        <tr id={REQUESTS_MORE_ID} class="load-more">
          <td colspan={9}>
            <a
              class="btn small"
              href={requestsHref(p.filter, Date.parse(p.rows[p.rows.length - 1]!.ts))}
              hx-get={requestsHref(p.filter, Date.parse(p.rows[p.rows.length - 1]!.ts))}
              hx-target={`#${REQUESTS_MORE_ID}`}
              hx-swap="outerHTML"
            >
              Load older
            </a>
          </td>
        </tr>
      )
      : null}
  </>
);

/** The requests table card. */
export const RequestTable: FC<RequestRowsProps> = (p) => (
  <section id={REQUESTS_TABLE_ID} class="card">
    <div class="card-head">
      <h2>{isFiltered(p.filter) ? "Matching requests" : "Recent requests"}</h2>
      <a
        class="btn small"
        href={requestsHref(p.filter)}
        hx-get={requestsHref(p.filter)}
        hx-target={`#${REQUESTS_TABLE_ID}`}
        hx-swap="outerHTML"
      >
        Refresh
      </a>
    </div>
    {p.rows.length === 0 && isFiltered(p.filter)
      ? (
        <EmptyState title="No requests match these filters">
          <p>
            Widen them, or <a href="/requests">show every request</a>.
          </p>
        </EmptyState>
      )
      : p.rows.length === 0
      ? (
        <EmptyState title="No requests recorded yet">
          <p>
            Requests through <code>/v1</code>{" "}
            show up here with every upstream attempt. Create a client key on the{" "}
            <a href="/keys">Keys</a> page and send one.
          </p>
        </EmptyState>
      )
      : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th>Time</th>
                <th>Model</th>
                <th>Backend</th>
                <th>Key</th>
                <th>Status</th>
                <th class="num">Latency</th>
                <th class="num">Tokens</th>
                <th class="num">Cost</th>
                <th>Attempts</th>
              </tr>
            </thead>
            <tbody>
              <RequestRows {...p} />
            </tbody>
          </table>
        </div>
      )}
  </section>
);

/**
 * @module key_detail
 * `/keys/:id`: one client key: its policy and state, spend against budget,
 * requests and cost per hour over the last day, and its recent requests
 * (the requests page's table, filtered to the key).
 */
import type { Child, FC } from "hono/jsx";
import type { ClientKeyView } from "../src/admin/client_keys.ts";
import type { KeyUsage } from "../src/http/pages/key_usage.ts";
import { formatAgo, formatCount, formatInstant, formatUsd, plural } from "./format.ts";
import { KeyModels, KeyState, limitLines } from "./key_table.tsx";
import { KeySpend, periodText } from "./key_spend.tsx";
import { type RequestRowsProps, requestsHref, RequestTable } from "./request_table.tsx";
import { TimeChart } from "./time_chart.tsx";

/** Props of {@link KeyDetailPage}. */
export interface KeyDetailProps {
  k: ClientKeyView;
  now: number;
  usage: KeyUsage;
  hours: number;
  requests: RequestRowsProps;
  /** The config file's path, when it declares the key. */
  managedBy?: string | undefined;
}

const Row: FC<{ label: string; children?: Child }> = (p) => (
  <tr>
    <th scope="row">{p.label}</th>
    <td>{p.children}</td>
  </tr>
);

/** The key detail page's content. */
export const KeyDetailPage: FC<KeyDetailProps> = (p) => {
  const k = p.k;
  const base = `/keys/${encodeURIComponent(k.id)}`;
  const limits = limitLines(k);
  const t = p.usage.totals;
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{k.name}</h1>
          <p>
            <span class="mono">{k.id}</span>
            {k.key_hint
              ? (
                <>
                  {" · "}
                  <code class="key-hint">{k.key_hint}</code>
                </>
              )
              : null} · created {formatInstant(k.created_at)} UTC
            {p.managedBy ? ` · managed by ${p.managedBy}` : null}
          </p>
        </div>
        <div class="actions">
          <a class="btn" href="/keys">All keys</a>
          <a class="btn" href={`${base}/edit`}>{p.managedBy ? "View" : "Edit"}</a>
        </div>
      </div>
      <section class="stats" aria-label={`Last ${p.hours} hours`}>
        <div class="stat">
          <div class="label">Spend · budget period</div>
          <div class="value">{formatUsd(k.spend_usd)}</div>
          <span class="sub">
            {k.budget_usd === null ? "no budget" : `of ${formatUsd(k.budget_usd)} ${periodText(k)}`}
          </span>
        </div>
        <div class="stat">
          <div class="label">Reserved now</div>
          <div class="value">{formatUsd(k.reserved_usd)}</div>
          <span class="sub">held by requests in flight</span>
        </div>
        <div class="stat">
          <div class="label">Requests · {p.hours} h</div>
          <div class="value">{formatCount(t.requests)}</div>
          <span class="sub">{plural(t.errors, "error")}</span>
        </div>
        <div class="stat">
          <div class="label">Cost · {p.hours} h</div>
          <div class="value">{formatUsd(t.cost_usd)}</div>
          <span class="sub">
            {t.unpriced_requests > 0
              ? `${plural(t.unpriced_requests, "request")} unpriced`
              : "all priced"}
          </span>
        </div>
        <div class="stat">
          <div class="label">Last used</div>
          <div class="value">{k.last_used_at ? formatAgo(k.last_used_at, p.now) : "never"}</div>
          <span class="sub">{k.last_used_at ? `${formatInstant(k.last_used_at)} UTC` : ""}</span>
        </div>
      </section>
      <section class="card" id="key-policy">
        <div class="card-head">
          <h2>Policy</h2>
        </div>
        <div class="table-wrap">
          <table class="data">
            <tbody>
              <Row label="State">
                <KeyState k={k} now={p.now} />
              </Row>
              <Row label="Models">
                <KeyModels models={k.models} />
                {k.models && k.models.length > 3
                  ? <span class="sub mono">{k.models.join(", ")}</span>
                  : null}
              </Row>
              <Row label="Limits">
                {limits.length === 0 ? <span class="sub">no limits</span> : limits.join(" · ")}
              </Row>
              <Row label="Budget">
                <KeySpend k={k} />
              </Row>
              <Row label="Metadata">
                {Object.keys(k.metadata).length === 0
                  ? <span class="sub">none</span>
                  : <code>{JSON.stringify(k.metadata)}</code>}
              </Row>
            </tbody>
          </table>
        </div>
      </section>
      <section class="card">
        <div class="card-head">
          <h2>Requests per hour</h2>
          <span class="meta">last {p.hours} hours · hover a bar for details</span>
        </div>
        <TimeChart
          data={p.usage.requests}
          label="Requests"
          emptyTitle={`No requests with this key in the last ${p.hours} hours`}
          empty={<p>Requests made with it appear here within seconds.</p>}
        />
      </section>
      <section class="card">
        <div class="card-head">
          <h2>Cost per hour</h2>
          <span class="meta">last {p.hours} hours · priced requests</span>
        </div>
        <TimeChart
          data={p.usage.cost}
          label="Cost"
          unit="usd"
          emptyTitle={`No cost in the last ${p.hours} hours`}
          empty={
            <p>
              Priced requests with this key appear here; see the <a href="/prices">Prices</a>.
            </p>
          }
        />
      </section>
      <RequestTable {...p.requests} />
      <p class="help">
        <a href={requestsHref({ key_id: k.id })}>Every request of this key</a>, filterable.
      </p>
    </>
  );
};

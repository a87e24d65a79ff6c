/**
 * @module cooldown_table
 * Cooldown events, newest first, filterable by backend.
 */
import type { FC } from "hono/jsx";
import type { CooldownEvent } from "../src/store/rows.ts";
import { EmptyState } from "./empty_state.tsx";
import { formatAgo, formatInstant, formatSeconds, formatTimeOfDay } from "./format.ts";
import { Countdown } from "./status_badge.tsx";

/** Element id of the region. */
export const COOLDOWNS_TABLE_ID = "cooldowns-table";

const REASONS: Record<CooldownEvent["reason"], string> = {
  "429": "rate limited (429)",
  quota: "quota exhausted",
  auth: "key refused (401/403)",
  errors: "errors in a row",
  paused: "paused by an operator",
};

/** Props of {@link CooldownTable}. */
export interface CooldownTableProps {
  events: CooldownEvent[];
  now: number;
  backendName: (id: string) => string;
  /** The backend filtered on, if any. */
  backendId?: string;
}

/** The cooldown events table. */
export const CooldownTable: FC<CooldownTableProps> = (p) => (
  <section id={COOLDOWNS_TABLE_ID} class="card">
    {p.events.length === 0
      ? (
        <EmptyState title={p.backendId ? "No cooldowns for this backend" : "No cooldowns yet"}>
          <p>
            A backend cools after a 429, a refused key or repeated errors; each cooldown is listed
            here with why and for how long. Tune the rules on the <a href="/settings">Settings</a>
            {" "}
            page.
          </p>
        </EmptyState>
      )
      : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th>Backend</th>
                <th>Reason</th>
                <th class="num">In a row</th>
                <th class="num">Length</th>
                <th>Started</th>
                <th>Ends</th>
              </tr>
            </thead>
            <tbody>
              {p.events.map((e) => {
                const left = Date.parse(e.ended_at) - p.now;
                // A running pause ends at the last instant a date holds: it has no end yet.
                const holding = e.reason === "paused" && left > 0;
                return (
                  <tr data-event={e.id} class={left > 0 ? "is-cooling" : ""}>
                    <td>
                      <strong>{p.backendName(e.backend_id)}</strong>
                      <span class="sub mono">{e.backend_id}</span>
                    </td>
                    <td>
                      {REASONS[e.reason]}
                      {e.model === null
                        ? null
                        : <span class="sub mono" title="Only this model cooled">{e.model}</span>}
                    </td>
                    <td class="num">{e.consecutive}</td>
                    <td class="num">
                      {holding ? "—" : formatSeconds(Math.round(e.seconds * 10) / 10)}
                    </td>
                    <td title={`${formatInstant(e.started_at)} UTC`}>
                      {formatTimeOfDay(e.started_at, p.now)}
                      <span class="sub">{formatAgo(e.started_at, p.now)}</span>
                    </td>
                    <td title={holding ? "Until cleared" : `${formatInstant(e.ended_at)} UTC`}>
                      {holding
                        ? (
                          <>
                            <span class="badge cooling">paused</span>{" "}
                            <span class="sub paused">until cleared</span>
                          </>
                        )
                        : left > 0
                        ? (
                          <>
                            <span class="badge cooling">cooling</span>{" "}
                            <Countdown remainingMs={left} until={e.ended_at} />
                          </>
                        )
                        : (
                          <>
                            {formatTimeOfDay(e.ended_at, p.now)}
                            <span class="sub">ended {formatAgo(e.ended_at, p.now)}</span>
                          </>
                        )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
  </section>
);

/** `/cooldowns` page content: the backend filter and the table. */
export const CooldownsPage: FC<CooldownTableProps & { backends: { id: string; name: string }[] }> =
  (
    p,
  ) => (
    <>
      <div class="page-head">
        <div>
          <h1>Cooldowns</h1>
          <p>Every time a backend was taken out of rotation, and why.</p>
        </div>
      </div>
      <div class="card">
        <form
          method="get"
          action="/cooldowns"
          class="inline-form"
          hx-get="/cooldowns"
          hx-target={`#${COOLDOWNS_TABLE_ID}`}
          hx-swap="outerHTML"
          hx-push-url="true"
          hx-trigger="change"
        >
          <div class="field">
            <label for="f-backend_id">Backend</label>
            <select id="f-backend_id" name="backend_id">
              <option value="" selected={!p.backendId}>All backends</option>
              {p.backends.map((b) => (
                <option value={b.id} selected={b.id === p.backendId}>{b.name} ({b.id})</option>
              ))}
            </select>
          </div>
          <noscript>
            <button class="btn" type="submit">Filter</button>
          </noscript>
        </form>
      </div>
      <CooldownTable {...p} />
    </>
  );

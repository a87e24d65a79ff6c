/**
 * @module status_table
 * The overview's live status of every backend. It redraws itself every 3 s
 * (htmx polling, `hx-target="this"`); cooldowns tick each second in between.
 */
import type { FC } from "hono/jsx";
import { EmptyState } from "./empty_state.tsx";
import { ModelCooldowns } from "./model_cooldowns.tsx";
import { LiveStateActions } from "./live_state_actions.tsx";
import { Countdown, PausedNote, StatusBadge } from "./status_badge.tsx";
import type { StatusView } from "./view_models.ts";

/** Element id of the region. */
export const STATUS_TABLE_ID = "status-table";

/** The self-refreshing status table. */
export const StatusTable: FC<{ rows: StatusView[]; csrf: string }> = ({ rows, csrf }) => {
  const count = (s: StatusView["status"]) => rows.filter((r) => r.status === s).length;
  return (
    <section
      id={STATUS_TABLE_ID}
      class="card"
      hx-get="/"
      hx-trigger="every 3s"
      hx-target="this"
      hx-swap="outerHTML"
    >
      <div class="card-head">
        <h2>Backend status</h2>
        <div class="health-summary">
          <span class="badge active">{count("active")} active</span>
          <span class="badge cooling">{count("cooling")} cooling</span>
          <span class="badge disabled">{count("disabled")} disabled</span>
        </div>
      </div>
      {rows.length === 0
        ? (
          <EmptyState title="No backends yet">
            <p>
              Add a provider on the <a href="/backends">Backends</a>{" "}
              page: its base URL, API key and the models it serves.
            </p>
          </EmptyState>
        )
        : (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th>Backend</th>
                  <th>Pool</th>
                  <th>Status</th>
                  <th>Cooldown left</th>
                  <th class="num" title="429 answers in a row">429s in a row</th>
                  <th class="num" title="5xx, timeouts and resets in a row">Failures</th>
                  <th class="num">RPM tokens left</th>
                  <th class="num">In flight</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr data-backend={r.id} class={`is-${r.status}`}>
                    <td>
                      <strong>{r.name}</strong>
                      <span class="sub mono">{r.id}</span>
                    </td>
                    <td>{r.pool_name}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>
                      {r.paused
                        ? <PausedNote />
                        : r.status === "cooling"
                        ? <Countdown remainingMs={r.remaining_ms} until={r.cooldown_until} />
                        : r.models_cooling.length === 0
                        ? <span class="sub">—</span>
                        : null}
                      <ModelCooldowns models={r.models_cooling} />
                    </td>
                    <td class="num">{r.consecutive_429}</td>
                    <td class="num">{r.failures}</td>
                    <td class="num">
                      {r.rpm_limit === null
                        ? <span class="sub">unlimited</span>
                        : `${r.rpm_tokens_left ?? r.rpm_limit} / ${r.rpm_limit}`}
                    </td>
                    <td class="num">{r.in_flight}</td>
                    <td>
                      <div class="actions">
                        <LiveStateActions
                          backendId={r.id}
                          name={r.name}
                          status={r.status}
                          paused={r.paused}
                          modelsCooling={r.models_cooling.length > 0}
                          target={STATUS_TABLE_ID}
                          csrf={csrf}
                          returnTo="/"
                        />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
};

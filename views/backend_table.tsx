/**
 * @module backend_table
 * The backends list, with the API each speaks, and its row actions (enable/disable, edit, pause,
 * clear cooldown or resume, delete). Actions are forms that work without JavaScript; with
 * htmx they redraw this region in place.
 */
import type { FC } from "hono/jsx";
import type { BackendView } from "../src/admin/backends.ts";
import type { ResumeMark } from "../src/engine/resume_marks.ts";
import type { Pool } from "../src/store/rows.ts";
import { EmptyState } from "./empty_state.tsx";
import { formatCount, formatTimeOfDay } from "./format.ts";
import { EditLink, RowAction } from "./row_action.tsx";
import { ModelCooldowns, type ModelCoolingView } from "./model_cooldowns.tsx";
import { LiveStateActions } from "./live_state_actions.tsx";
import { Countdown, PausedNote, StatusBadge } from "./status_badge.tsx";

/** Element id of the region. */
export const BACKENDS_TABLE_ID = "backends-table";

const MAX_CHIPS = 4;

// Server-rendered once: list items need no `key` (hono/jsx would print it as an attribute).
const chip = (model: string) => <span class="chip">{model}</span>;

/** Props of {@link BackendTable}. */
export interface BackendTableProps {
  backends: BackendView[];
  pools: Pool[];
  csrf: string;
  now: number;
  /** Sent out of band, beside another region's swap. */
  oob?: boolean;
  /** Each backend's not-resumable marks, by backend id. */
  resumeMarks?: ReadonlyMap<string, readonly ResumeMark[]>;
  /** The config file's path, named on the rows it declares (read-only). */
  managedBy?: string | undefined;
  /** Upstream models cooling on their own, by backend id. */
  modelsCooling?: ReadonlyMap<string, readonly ModelCoolingView[]>;
}

/** `resume: prefill — not resumable for gpt-4o (since 10:00:00)`. */
const ResumeLine: FC<{ mode: string; marks: readonly ResumeMark[]; now: number }> = (p) => (
  <span class="sub resume">
    resume: {p.mode}
    {p.marks.length > 0
      ? (
        <>
          {" — not resumable for "}
          {p.marks.map((m, i) => (
            <>
              {i > 0 ? ", " : ""}
              <span class="mono">{m.model}</span> (since {formatTimeOfDay(m.markedAt, p.now)})
            </>
          ))}
        </>
      )
      : null}
  </span>
);

/** The backends table, or what to do when there are none. */
export const BackendTable: FC<BackendTableProps> = (p) => {
  const poolName = new Map(p.pools.map((x) => [x.id, x.name]));
  return (
    <section
      id={BACKENDS_TABLE_ID}
      class="card"
      hx-swap-oob={p.oob ? "true" : undefined}
    >
      <div class="card-head">
        <h2>Backends</h2>
        <span class="meta">{p.backends.length} configured</span>
      </div>
      {p.backends.length === 0
        ? (
          <EmptyState title="No backends yet">
            <p>
              Add the first one with the form below: a name, the provider's base URL (e.g.{" "}
              <code>https://api.openai.com/v1</code>), its API key and the models it serves.
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
                  <th>API</th>
                  <th>Models</th>
                  <th class="num">Weight</th>
                  <th class="num">RPM limit</th>
                  <th>API key</th>
                  <th>Status</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {p.backends.map((b) => {
                  const base = `/backends/${encodeURIComponent(b.id)}`;
                  const mapped = Object.keys(b.model_map).length;
                  const cooling = p.modelsCooling?.get(b.id) ?? [];
                  return (
                    <tr data-backend={b.id} class={`is-${b.status}`}>
                      <td>
                        <strong>{b.name}</strong>
                        <span class="sub mono">{b.id} · {b.base_url}</span>
                        <ResumeLine
                          mode={b.resume}
                          marks={p.resumeMarks?.get(b.id) ?? []}
                          now={p.now}
                        />
                      </td>
                      <td class="nowrap">{poolName.get(b.pool_id) ?? b.pool_id}</td>
                      <td class="nowrap mono" data-api={b.api}>{b.api}</td>
                      <td>
                        <div class="chips">
                          {b.models.slice(0, MAX_CHIPS).map(chip)}
                          {b.models.length > MAX_CHIPS
                            ? <span class="sub">+{b.models.length - MAX_CHIPS} more</span>
                            : null}
                        </div>
                        {mapped > 0
                          ? <span class="sub">{mapped} mapped name{mapped === 1 ? "" : "s"}</span>
                          : null}
                      </td>
                      <td class="num">{b.weight}</td>
                      <td class="num">
                        {b.rpm_limit === null ? "—" : formatCount(b.rpm_limit)}
                      </td>
                      <td>
                        {b.api_key_hint
                          ? <code class="key-hint">{b.api_key_hint}</code>
                          : <span class="sub">none</span>}
                      </td>
                      <td>
                        <StatusBadge status={b.status} />
                        {b.paused ? <PausedNote /> : b.status === "cooling"
                          ? (
                            <span class="sub nowrap">
                              <Countdown
                                remainingMs={b.cooldown_until
                                  ? Math.max(0, Date.parse(b.cooldown_until) - p.now)
                                  : null}
                                until={b.cooldown_until}
                              />{" "}
                              · {b.consecutive_429} × 429
                            </span>
                          )
                          : null}
                        <ModelCooldowns models={cooling} />
                        <LiveStateActions
                          backendId={b.id}
                          name={b.name}
                          status={b.status}
                          paused={b.paused}
                          modelsCooling={cooling.length > 0}
                          target={BACKENDS_TABLE_ID}
                          csrf={p.csrf}
                          cls="inline"
                        />
                      </td>
                      <td>
                        <div class="actions">
                          {b.managed === "file"
                            ? (
                              <>
                                <span class="managed-note">
                                  Managed by {p.managedBy ?? "the config file"}
                                </span>
                                <EditLink
                                  href={`${base}/edit`}
                                  target="backend-form"
                                  label="View"
                                />
                              </>
                            )
                            : (
                              <>
                                <RowAction
                                  target={BACKENDS_TABLE_ID}
                                  action={`${base}/enabled`}
                                  csrf={p.csrf}
                                  label={b.enabled ? "Disable" : "Enable"}
                                  cls={b.enabled ? "" : "toggle-on"}
                                  fields={{ enabled: b.enabled ? "false" : "true" }}
                                />
                                <EditLink href={`${base}/edit`} target="backend-form" />
                                <RowAction
                                  target={BACKENDS_TABLE_ID}
                                  action={`${base}/delete`}
                                  csrf={p.csrf}
                                  label="Delete"
                                  cls="danger"
                                  confirm={`Delete backend "${b.name}"? Its request history is kept.`}
                                />
                              </>
                            )}
                        </div>
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
};

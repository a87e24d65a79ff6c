/**
 * @module cluster_view
 * The cluster page's live region (docs/cluster.md, "Dashboard"): whether the
 * shared state is up, the replicas alive, and the cooldowns the cluster
 * holds. It redraws itself every 3 s (htmx polling, `hx-target="this"`), like
 * the overview's status table; cooldowns tick each second in between.
 */
import type { FC } from "hono/jsx";
import type { ReplicaInfo, SharedScopeRow } from "../src/state/shared_state.ts";
import { EmptyState } from "./empty_state.tsx";
import { formatAgo, formatTimeOfDay, plural } from "./format.ts";
import { Countdown, PausedNote } from "./status_badge.tsx";

/** Element id of the region. */
export const CLUSTER_VIEW_ID = "cluster-view";

/** What the region shows. */
export interface ClusterViewProps {
  status: { state: "up" | "down"; replicasAlive: number };
  /** The replicas alive, oldest first; while down, the last list seen. */
  replicas: ReplicaInfo[];
  /** The cluster's cooldowns; null when they could not be read (down, or no answer in time). */
  cooldowns: SharedScopeRow[] | null;
  backendName: (id: string) => string;
  now: number;
}

/** The self-refreshing cluster region. */
export const ClusterView: FC<ClusterViewProps> = (p) => (
  <div
    id={CLUSTER_VIEW_ID}
    hx-get="/cluster"
    hx-trigger="every 3s"
    hx-target="this"
    hx-swap="outerHTML"
  >
    <section class="card">
      <div class="card-head">
        <h2>Shared state</h2>
        <div class="health-summary">
          {p.status.state === "up"
            ? <span class="badge ok">up</span>
            : <span class="badge error">down</span>}
          <span class="badge plain">
            {plural(p.status.replicasAlive, "replica")}{" "}
            {p.status.state === "up" ? "alive" : "last seen alive"}
          </span>
        </div>
      </div>
      <p class="sub">
        {p.status.state === "up"
          ? "Redis holds every cooldown and limit for all replicas."
          : `Redis does not answer: each replica serves on its own state, each shared limit divided by ${
            plural(p.status.replicasAlive, "replica")
          }, until Redis is back.`}
      </p>
      <ReplicaTable replicas={p.replicas} now={p.now} down={p.status.state === "down"} />
    </section>
    <section class="card">
      <div class="card-head">
        <h2>Cooldowns the cluster holds</h2>
      </div>
      <SharedCooldowns {...p} />
    </section>
  </div>
);

const ReplicaTable: FC<{ replicas: ReplicaInfo[]; now: number; down: boolean }> = (p) =>
  p.replicas.length === 0
    ? (
      <EmptyState title={p.down ? "No replica seen yet" : "No heartbeat yet"}>
        <p>Each replica writes a heartbeat to Redis every 5 seconds.</p>
      </EmptyState>
    )
    : (
      <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th>Replica</th>
              <th>Host</th>
              <th>Version</th>
              <th>Started</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {p.replicas.map((r) => (
              <tr data-replica={r.id}>
                <td>
                  <span class="mono">{r.id}</span>
                  {r.self ? <span class="badge plain">this replica</span> : null}
                </td>
                <td>{r.host}</td>
                <td class="mono">{r.version}</td>
                <td title={`${r.started_at} UTC`}>{formatTimeOfDay(r.started_at, p.now)}</td>
                <td title={`${r.last_seen} UTC`}>{formatAgo(r.last_seen, p.now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

const SharedCooldowns: FC<ClusterViewProps> = (p) => {
  if (p.cooldowns === null) {
    return (
      <EmptyState title="The cluster's cooldowns cannot be read now">
        <p>
          {p.status.state === "down" ? "Redis is down" : "Redis did not answer in time"}: the{" "}
          <a href="/">Overview</a> shows this replica's own copy, which it routes on.
        </p>
      </EmptyState>
    );
  }
  if (p.cooldowns.length === 0) {
    return (
      <EmptyState title="Nothing is cooling in the cluster">
        <p>A 429 on any replica cools that backend and model on all of them within 100 ms.</p>
      </EmptyState>
    );
  }
  return (
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            <th>Backend</th>
            <th>Model</th>
            <th>State</th>
            <th>Cooldown left</th>
            <th class="num" title="429 answers in a row">429s in a row</th>
          </tr>
        </thead>
        <tbody>
          {p.cooldowns.map((row) => (
            <tr data-backend={row.backend_id} data-model={row.model ?? ""}>
              <td>
                <strong>{p.backendName(row.backend_id)}</strong>
                <span class="sub mono">{row.backend_id}</span>
              </td>
              <td>
                {row.model === null
                  ? <span class="sub">whole backend</span>
                  : <span class="mono">{row.model}</span>}
              </td>
              <td>
                <span class={`badge ${row.state === "cooling" ? "cooling" : "plain"}`}>
                  {row.state}
                </span>
              </td>
              <td>
                {row.state === "paused"
                  ? <PausedNote />
                  : row.until === null
                  ? <span class="sub">probing</span>
                  : row.until <= p.now
                  ? <span class="sub">probe due</span>
                  : (
                    <Countdown
                      remainingMs={row.until - p.now}
                      until={new Date(row.until).toISOString()}
                    />
                  )}
              </td>
              <td class="num">{row.consecutive_429}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

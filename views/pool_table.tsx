/**
 * @module pool_table
 * Pools in the order requests try them, each with its member backends.
 */
import type { FC } from "hono/jsx";
import type { BackendView } from "../src/admin/backends.ts";
import type { PoolView } from "../src/admin/pools.ts";
import { EditLink, RowAction } from "./row_action.tsx";

/** Element id of the region. */
export const POOLS_TABLE_ID = "pools-table";

/** Props of {@link PoolTable}. */
export interface PoolTableProps {
  pools: PoolView[];
  backends: BackendView[];
  csrf: string;
  oob?: boolean;
  /** The config file's path, named on the rows it declares (read-only). */
  managedBy?: string | undefined;
}

/** The pools table. */
export const PoolTable: FC<PoolTableProps> = (p) => (
  <section id={POOLS_TABLE_ID} class="card" hx-swap-oob={p.oob ? "true" : undefined}>
    <div class="card-head">
      <h2>Pools in priority order</h2>
      <span class="meta">a request tries every pool from the top until one serves it</span>
    </div>
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            <th class="num">Priority</th>
            <th>Pool</th>
            <th>Members</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {p.pools.map((pool) => {
            const members = p.backends.filter((b) =>
              b.pool_id === pool.id
            );
            const base = `/pools/${encodeURIComponent(pool.id)}`;
            return (
              <tr data-pool={pool.id}>
                <td class="num">{pool.priority}</td>
                <td>
                  <strong>{pool.name}</strong>
                  <span class="sub mono">{pool.id}</span>
                </td>
                <td>
                  {members.length === 0
                    ? <span class="sub">empty: add backends to it on the Backends page</span>
                    : (
                      <div class="chips">
                        {members.map((b) => (
                          <span class={`badge ${b.status}`} title={`${b.id}: ${b.status}`}>
                            {b.name} · w{b.weight}
                          </span>
                        ))}
                      </div>
                    )}
                </td>
                <td>
                  <div class="actions">
                    {pool.managed === "file"
                      ? (
                        <>
                          <span class="managed-note">
                            Managed by {p.managedBy ?? "the config file"}
                          </span>
                          <EditLink href={`${base}/edit`} target="pool-form" label="View" />
                        </>
                      )
                      : (
                        <>
                          <EditLink href={`${base}/edit`} target="pool-form" />
                          <RowAction
                            action={`${base}/delete`}
                            target={POOLS_TABLE_ID}
                            csrf={p.csrf}
                            label="Delete"
                            cls="danger"
                            confirm={`Delete pool "${pool.name}"?`}
                            disabled={members.length > 0}
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
  </section>
);

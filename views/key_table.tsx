/**
 * @module key_table
 * Client keys (hints only) with revoke buttons.
 */
import type { FC } from "hono/jsx";
import type { ClientKeyView } from "../src/admin/client_keys.ts";
import { EmptyState } from "./empty_state.tsx";
import { RowAction } from "./row_action.tsx";
import { formatAgo, formatInstant } from "./format.ts";

/** Element id of the region. */
export const KEYS_TABLE_ID = "keys-table";

/** Props of {@link KeyTable}. */
export interface KeyTableProps {
  keys: ClientKeyView[];
  csrf: string;
  now: number;
  oob?: boolean;
  /** The config file's path, named on the keys it declares (read-only). */
  managedBy?: string | undefined;
}

/** The client keys table. */
export const KeyTable: FC<KeyTableProps> = (p) => (
  <section id={KEYS_TABLE_ID} class="card" hx-swap-oob={p.oob ? "true" : undefined}>
    <div class="card-head">
      <h2>Client keys</h2>
      <span class="meta">{p.keys.length} active</span>
    </div>
    {p.keys.length === 0
      ? (
        <EmptyState title="No client keys yet">
          <p>
            Create one key per application below, so usage is counted per application and one can be
            revoked alone.
          </p>
        </EmptyState>
      )
      : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Created</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {p.keys.map((k) => (
                <tr data-key={k.id}>
                  <td>
                    <strong>{k.name}</strong>
                    <span class="sub mono">{k.id}</span>
                  </td>
                  <td>
                    {k.key_hint
                      ? <code>{k.key_hint}</code>
                      : <span class="sub">from its hash</span>}
                  </td>
                  <td title={`${formatInstant(k.created_at)} UTC`}>
                    {formatAgo(k.created_at, p.now)}
                  </td>
                  <td>
                    <div class="actions">
                      {k.managed === "file"
                        ? (
                          <span class="managed-note">
                            Managed by {p.managedBy ?? "the config file"}
                          </span>
                        )
                        : (
                          <RowAction
                            action={`/keys/${encodeURIComponent(k.id)}/delete`}
                            target={KEYS_TABLE_ID}
                            csrf={p.csrf}
                            label="Revoke"
                            cls="danger"
                            confirm={`Revoke key "${k.name}"? Clients using it are refused at once.`}
                          />
                        )}
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

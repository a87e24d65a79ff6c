/**
 * @module key_table
 * The client keys with their policy at a glance: the models they may use,
 * their limits, spend against budget, last use and state, and the row
 * actions (disable/enable, edit, rotate, revoke). A key the config file
 * declares is read-only: "Managed by <file>" and View instead.
 */
import type { FC } from "hono/jsx";
import type { ClientKeyView } from "../src/admin/client_keys.ts";
import { EmptyState } from "./empty_state.tsx";
import { formatAgo, formatCount, formatInstant } from "./format.ts";
import { KEY_FORM_ID } from "./key_form.tsx";
import { KEY_SECRET_ID } from "./key_secret.tsx";
import { KeySpend } from "./key_spend.tsx";
import { EditLink, RowAction } from "./row_action.tsx";

/** Element id of the region. */
export const KEYS_TABLE_ID = "keys-table";

const MAX_CHIPS = 3;

// Server-rendered once: list items need no `key` (hono/jsx would print it as an attribute).
const chip = (model: string) => <span class="chip">{model}</span>;
const line = (text: string) => <span class="sub">{text}</span>;

/** Props of {@link KeyTable}. */
export interface KeyTableProps {
  keys: ClientKeyView[];
  csrf: string;
  now: number;
  oob?: boolean;
  /** The config file's path, named on the keys it declares (read-only). */
  managedBy?: string | undefined;
}

/** `600 rpm`, `100k tpm`, `8 at once`: the limits a key has, one per line. */
export function limitLines(k: ClientKeyView): string[] {
  return [
    k.rpm_limit === null ? "" : `${formatCount(k.rpm_limit)} rpm`,
    k.tpm_limit === null ? "" : `${formatCount(k.tpm_limit)} tpm`,
    k.max_concurrent === null ? "" : `${formatCount(k.max_concurrent)} at once`,
  ].filter(Boolean);
}

/** Whether the key is served now: `enabled`, `disabled` or `expired`. */
export function keyState(k: ClientKeyView, now: number): "enabled" | "disabled" | "expired" {
  if (!k.enabled) return "disabled";
  if (k.expires_at !== null && Date.parse(k.expires_at) <= now) return "expired";
  return "enabled";
}

/** The key's state as a badge, with its expiry beneath. */
export const KeyState: FC<{ k: ClientKeyView; now: number }> = ({ k, now }) => {
  const state = keyState(k, now);
  const badge = { enabled: "active", disabled: "disabled", expired: "error" }[state];
  return (
    <>
      <span class={`badge ${badge}`}>{state}</span>
      {k.expires_at !== null
        ? (
          <span class="sub nowrap" title={`${formatInstant(k.expires_at)} UTC`}>
            {state === "expired" ? "since" : "expires"} {formatInstant(k.expires_at).slice(0, 16)}
          </span>
        )
        : null}
    </>
  );
};

/** The models a key may use, as chips; `all models` for none. */
export const KeyModels: FC<{ models: string[] | null }> = ({ models }) =>
  models === null ? <span class="sub">all models</span> : (
    <div class="chips">
      {models.slice(0, MAX_CHIPS).map(chip)}
      {models.length > MAX_CHIPS
        ? <span class="sub">+{models.length - MAX_CHIPS} more</span>
        : null}
    </div>
  );

/** The client keys table. */
export const KeyTable: FC<KeyTableProps> = (p) => (
  <section id={KEYS_TABLE_ID} class="card" hx-swap-oob={p.oob ? "true" : undefined}>
    <div class="card-head">
      <h2>Client keys</h2>
      <span class="meta">{p.keys.length} key{p.keys.length === 1 ? "" : "s"}</span>
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
                <th>Models</th>
                <th>Limits</th>
                <th class="num">Budget</th>
                <th>Last used</th>
                <th>State</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {p.keys.map((k) => {
                const base = `/keys/${encodeURIComponent(k.id)}`;
                const limits = limitLines(k);
                return (
                  <tr data-key={k.id}>
                    <td>
                      <a href={base}>
                        <strong>{k.name}</strong>
                      </a>
                      <span class="sub mono">{k.id}</span>
                      {k.key_hint
                        ? <code class="key-hint">{k.key_hint}</code>
                        : <span class="sub">from its hash</span>}
                    </td>
                    <td>
                      <KeyModels models={k.models} />
                    </td>
                    <td class="nowrap">
                      {limits.length === 0 ? <span class="sub">no limits</span> : limits.map(line)}
                    </td>
                    <td class="num">
                      <KeySpend k={k} />
                    </td>
                    <td
                      title={k.last_used_at ? `${formatInstant(k.last_used_at)} UTC` : undefined}
                    >
                      {k.last_used_at
                        ? formatAgo(k.last_used_at, p.now)
                        : <span class="sub">never</span>}
                    </td>
                    <td>
                      <KeyState k={k} now={p.now} />
                    </td>
                    <td>
                      <div class="actions">
                        {k.managed === "file"
                          ? (
                            <>
                              <span class="managed-note">
                                Managed by {p.managedBy ?? "the config file"}
                              </span>
                              <EditLink href={`${base}/edit`} target={KEY_FORM_ID} label="View" />
                            </>
                          )
                          : (
                            <>
                              <RowAction
                                action={`${base}/enabled`}
                                target={KEYS_TABLE_ID}
                                csrf={p.csrf}
                                label={k.enabled ? "Disable" : "Enable"}
                                cls={k.enabled ? "" : "toggle-on"}
                                fields={{ enabled: k.enabled ? "false" : "true" }}
                              />
                              <EditLink href={`${base}/edit`} target={KEY_FORM_ID} />
                              <RowAction
                                action={`${base}/rotate`}
                                target={KEY_SECRET_ID}
                                csrf={p.csrf}
                                label="Rotate"
                                confirm={`Rotate key "${k.name}"? Its current secret stops working at once; the new one is shown once.`}
                              />
                              <RowAction
                                action={`${base}/delete`}
                                target={KEYS_TABLE_ID}
                                csrf={p.csrf}
                                label="Revoke"
                                cls="danger"
                                confirm={`Revoke key "${k.name}"? Clients using it are refused at once.`}
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

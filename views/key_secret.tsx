/**
 * @module key_secret
 * A client key's secret, shown once: right after the key is made or
 * rotated. Only its hash is stored, so it can never be shown again; the
 * notice stays until dismissed (it does not fade like other notices).
 */
import type { FC } from "hono/jsx";
import { Notice } from "./notice.tsx";

/** Element id of the region. */
export const KEY_SECRET_ID = "key-secret";

/** Props of {@link KeySecret}. */
export interface KeySecretProps {
  /** The secret just issued; the region is empty without one. */
  issued?: { name: string; key: string; rotated: boolean } | undefined;
  proxyUrl: string;
  oob?: boolean;
}

/** The secret with a copy button, or an empty region. */
export const KeySecret: FC<KeySecretProps> = (p) => (
  <div id={KEY_SECRET_ID} hx-swap-oob={p.oob ? "true" : undefined}>
    {p.issued
      ? (
        <Notice tone="info">
          <strong>
            {p.issued.rotated
              ? `Key "${p.issued.name}" rotated: its old secret is refused from now on.`
              : `Key "${p.issued.name}" created.`} Copy it now: it is shown only this once.
          </strong>
          <div class="key-once">
            <input id="new-key" type="text" readonly value={p.issued.key} aria-label="New key" />
            <button class="btn" type="button" data-copy="#new-key">Copy</button>
          </div>
          <span class="help">
            Use it as <code>Authorization: Bearer …</code> against{" "}
            <code>{p.proxyUrl}</code>. Sidecar keeps only its hash: lost, it can only be rotated.
          </span>
        </Notice>
      )
      : null}
  </div>
);

/**
 * @module key_form
 * Create a client key. The new key is shown here once, right after it is
 * made; only its hash is stored, so it can never be shown again.
 */
import type { FC } from "hono/jsx";
import type { FormErrors } from "./view_models.ts";
import { CsrfField, TextField } from "./fields.tsx";

/** Element id of the region. */
export const KEY_FORM_ID = "key-form";

/** Props of {@link KeyForm}. */
export interface KeyFormProps {
  csrf: string;
  name?: string;
  errors?: FormErrors;
  /** The key just created, shown once. */
  created?: { name: string; key: string };
  proxyUrl: string;
}

/** The create-key card. */
export const KeyForm: FC<KeyFormProps> = (p) => (
  <section id={KEY_FORM_ID} class="card">
    {p.created
      ? (
        <div class="notice success" role="status">
          <div>
            <strong>
              Key "{p.created.name}" created. Copy it now: it is shown only this once.
            </strong>
            <div class="key-once">
              <input id="new-key" type="text" readonly value={p.created.key} aria-label="New key" />
              <button class="btn" type="button" data-copy="#new-key">Copy</button>
            </div>
            <span class="help">
              Use it as <code>Authorization: Bearer …</code> against <code>{p.proxyUrl}</code>.
            </span>
          </div>
        </div>
      )
      : null}
    <h2>Create a client key</h2>
    <form
      method="post"
      action="/keys"
      hx-post="/keys"
      hx-target={`#${KEY_FORM_ID}`}
      hx-swap="outerHTML"
      class="inline-form"
      novalidate
    >
      <CsrfField token={p.csrf} />
      <TextField
        name="name"
        label="Name"
        value={p.name ?? ""}
        error={p.errors?.name ?? p.errors?._form}
        placeholder="billing-service"
        required
      />
      <button class="btn primary" type="submit">Create key</button>
    </form>
  </section>
);

/**
 * @module pool_form
 * Create or edit a pool: its name and priority.
 */
import type { FC } from "hono/jsx";
import type { FormErrors } from "../src/http/pages/form_input.ts";
import { CsrfField, FormActions, TextField } from "./fields.tsx";
import { Notice } from "./notice.tsx";

/** Element id of the region. */
export const POOL_FORM_ID = "pool-form";

/** What the pool form shows, as typed. */
export interface PoolFormValues {
  id: string;
  name: string;
  priority: string;
}

/** Props of {@link PoolForm}. */
export interface PoolFormProps {
  mode: "create" | "edit";
  values: PoolFormValues;
  errors?: FormErrors;
  csrf: string;
}

/** The pool form card. */
export const PoolForm: FC<PoolFormProps> = (p) => {
  const e = p.errors ?? {};
  const v = p.values;
  const action = p.mode === "create" ? "/pools" : `/pools/${encodeURIComponent(v.id)}`;
  return (
    <section id={POOL_FORM_ID} class="card">
      <div class="card-head">
        <h2>{p.mode === "create" ? "Add a pool" : `Edit pool "${v.name || v.id}"`}</h2>
        {p.mode === "edit" ? <span class="meta mono">{v.id}</span> : null}
      </div>
      {e._form ? <Notice tone="error">{e._form}</Notice> : null}
      <form
        method="post"
        action={action}
        hx-post={action}
        hx-target={`#${POOL_FORM_ID}`}
        hx-swap="outerHTML"
        novalidate
      >
        <CsrfField token={p.csrf} />
        <div class="form-grid">
          <TextField name="name" label="Name" value={v.name} error={e.name} required />
          {p.mode === "create"
            ? (
              <TextField
                name="id"
                label="ID"
                optional
                value={v.id}
                error={e.id}
                help="A slug; made from the name when empty."
              />
            )
            : <div></div>}
          <TextField
            name="priority"
            label="Priority"
            type="number"
            value={v.priority}
            error={e.priority}
            help="Lower is tried first: primary is 0, fallback 100. Pools with equal priority go by id."
          />
        </div>
        <FormActions
          mode={p.mode}
          createLabel="Create pool"
          cancelHref="/pools"
          target={POOL_FORM_ID}
        />
      </form>
    </section>
  );
};

/**
 * @module pool_form
 * Create or edit a pool: its name and priority.
 */
import type { FC } from "hono/jsx";
import type { FormErrors } from "./view_models.ts";
import { TextField } from "./fields.tsx";
import { FormCard } from "./form_card.tsx";

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
  /** The config file that declares this item: the form is read-only. */
  managedBy?: string | undefined;
}

/** The pool form card. */
export const PoolForm: FC<PoolFormProps> = (p) => {
  const e = p.errors ?? {};
  const v = p.values;
  return (
    <FormCard
      id={POOL_FORM_ID}
      mode={p.mode}
      noun="pool"
      name={v.name}
      itemId={v.id}
      listHref="/pools"
      csrf={p.csrf}
      formError={e._form}
      managedBy={p.managedBy}
    >
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
    </FormCard>
  );
};

/**
 * @module row_action
 * The controls in a table row: a one-button form that posts and redraws a
 * region (works without JavaScript too), and the Edit link that swaps the
 * form card in.
 */
import type { FC } from "hono/jsx";
import { CsrfField } from "./fields.tsx";
import { CardLink } from "./form_card.tsx";

// Server-rendered once: list items need no `key` (hono/jsx would print it as an attribute).
const hidden = (name: string, value: string) => <input type="hidden" name={name} value={value} />;

/** Props of {@link RowAction}. */
export interface RowActionProps {
  action: string;
  /** Id of the region the answer replaces. */
  target: string;
  csrf: string;
  label: string;
  /** Extra button classes, e.g. "danger". */
  cls?: string;
  confirm?: string;
  fields?: Record<string, string>;
  disabled?: boolean;
}

/** A one-button form posting to `action` and redrawing `#target`. */
export const RowAction: FC<RowActionProps> = (p) => (
  <form
    method="post"
    action={p.action}
    hx-post={p.action}
    hx-target={`#${p.target}`}
    hx-swap="outerHTML"
    hx-confirm={p.confirm}
  >
    <CsrfField token={p.csrf} />
    {Object.entries(p.fields ?? {}).map(([k, v]) => hidden(k, v))}
    <button class={p.cls ? `btn small ${p.cls}` : "btn small"} type="submit" disabled={p.disabled}>
      {p.label}
    </button>
  </form>
);

/** The Edit link of a row: loads `href` into the form card `#target` and scrolls to it. */
export const EditLink: FC<{ href: string; target: string; label?: string }> = (p) => (
  <CardLink href={p.href} card={p.target} class="btn small" scrollTo>{p.label ?? "Edit"}</CardLink>
);

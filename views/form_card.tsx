/**
 * @module form_card
 * The shell every create/edit form shares: a card whose id is the htmx swap
 * target, a heading, the form-wide error, the CSRF field, the field grid and
 * the submit/cancel actions.
 */
import type { Child, FC } from "hono/jsx";
import { CsrfField } from "./fields.tsx";
import { Notice } from "./notice.tsx";

/** Props of {@link FormCard}. */
export interface FormCardProps {
  /** Element id: the region htmx swaps with the answer. */
  id: string;
  mode: "create" | "edit";
  /** What the form makes, e.g. "backend". */
  noun: string;
  /** The item's name and id (edit mode). */
  name: string;
  itemId: string;
  /** The list page: Cancel goes there; create posts to it, edit to `listHref/itemId`. */
  listHref: string;
  csrf: string;
  formError?: string | undefined;
  /** The config file that declares the item: the form is shown read-only with this note. */
  managedBy?: string | undefined;
  children?: Child;
}

/** A create/edit form card; `children` are the fields. */
export const FormCard: FC<FormCardProps> = (p) => {
  const action = p.mode === "create" ? p.listHref : `${p.listHref}/${encodeURIComponent(p.itemId)}`;
  return (
    <section id={p.id} class="card">
      <div class="card-head">
        <h2>
          {p.mode === "create" ? `Add a ${p.noun}` : `Edit ${p.noun} "${p.name || p.itemId}"`}
        </h2>
        {p.mode === "edit" ? <span class="meta mono">{p.itemId}</span> : null}
      </div>
      {p.formError ? <Notice tone="error">{p.formError}</Notice> : null}
      {p.managedBy ? <Notice tone="info">Managed by {p.managedBy}: change it there.</Notice> : null}
      <form
        method="post"
        action={action}
        hx-post={action}
        hx-target={`#${p.id}`}
        hx-swap="outerHTML"
        novalidate
      >
        <CsrfField token={p.csrf} />
        <fieldset class="plain" disabled={p.managedBy ? true : undefined}>
          <div class="form-grid">{p.children}</div>
        </fieldset>
        <div class="form-actions">
          {p.managedBy ? null : (
            <button class="btn primary" type="submit">
              {p.mode === "create" ? `Create ${p.noun}` : "Save changes"}
            </button>
          )}
          {p.mode === "edit"
            ? <CardLink href={p.listHref} card={p.id} class="btn">Cancel</CardLink>
            : null}
        </div>
      </form>
    </section>
  );
};

/**
 * A link that loads `href` into the form card `#card` and puts it in the
 * address bar; without JavaScript it is a plain link to the same page.
 */
export const CardLink: FC<
  { href: string; card: string; class: string; scrollTo?: boolean; children: Child }
> = (p) => (
  <a
    class={p.class}
    href={p.href}
    hx-get={p.href}
    hx-target={`#${p.card}`}
    hx-swap={p.scrollTo ? "outerHTML show:top" : "outerHTML"}
    hx-push-url="true"
  >
    {p.children}
  </a>
);

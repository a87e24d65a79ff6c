/**
 * @module pool_routes
 * `/pools`: list, create, edit and delete pools through the admin operations.
 */
import { type Context, Hono } from "hono";
import { listBackends } from "../../admin/backends.ts";
import { createPool, deletePool, getPool, listPools, updatePool } from "../../admin/pools.ts";
import type { AppDeps } from "../../app_deps.ts";
import { configFileName } from "../../admin/managed.ts";
import { FlashOob } from "../../../views/notice.tsx";
import { POOL_FORM_ID, PoolForm, type PoolFormProps } from "../../../views/pool_form.tsx";
import { POOLS_TABLE_ID, PoolTable } from "../../../views/pool_table.tsx";
import { PoolsPage } from "../../../views/pools_page.tsx";
import type { FormValues } from "../../../views/view_models.ts";
import { numberField, readForm, toFieldErrors } from "./form_input.ts";
import type { PageEnv } from "./page_env.ts";
import { afterChange, fragment, isHtmx, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";

type C = Context<PageEnv>;

/** Builds the `/pools` sub-app. */
export function poolPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));

  const tableProps = (c: C) => ({
    pools: listPools(deps),
    backends: listBackends(deps),
    csrf: c.var.session.csrf_token,
    managedBy: configFileName(deps.store.meta),
  });
  const createForm = (c: C): PoolFormProps => ({
    mode: "create",
    values: { id: "", name: "", priority: "50" },
    csrf: c.var.session.csrf_token,
  });
  const editForm = (c: C, id: string): PoolFormProps => {
    const p = getPool(deps, id);
    return {
      mode: "edit",
      values: { id: p.id, name: p.name, priority: String(p.priority) },
      csrf: c.var.session.csrf_token,
      managedBy: p.managed === "file" ? configFileName(deps.store.meta) : undefined,
    };
  };
  const show = (c: C, form: PoolFormProps, status: 200 | 422 = 200) => {
    if (wantsRegion(c, POOL_FORM_ID) || (isHtmx(c) && status === 422)) {
      return fragment(c, <PoolForm {...form} />, status);
    }
    if (wantsRegion(c, POOLS_TABLE_ID)) return fragment(c, <PoolTable {...tableProps(c)} />);
    return page(
      c,
      deps,
      { title: "Pools", section: "pools" },
      <PoolsPage table={tableProps(c)} form={form} />,
      status,
    );
  };
  const saved = (c: C, message: string) => {
    if (!isHtmx(c)) return c.redirect("/pools", 303);
    c.header("hx-push-url", "/pools");
    return fragment(
      c,
      <>
        <PoolForm {...createForm(c)} />
        <PoolTable {...tableProps(c)} oob />
        <FlashOob tone="success">{message}</FlashOob>
      </>,
    );
  };
  const refused = (c: C, err: unknown, form: PoolFormProps) => {
    const errors = toFieldErrors(err);
    if (!errors) throw err;
    return show(c, { ...form, errors }, 422);
  };
  const body = (f: FormValues, withId: boolean) => {
    const out: Record<string, unknown> = { name: f.name ?? "" };
    const priority = numberField(f.priority, undefined);
    if (priority !== undefined) out.priority = priority;
    if (withId && f.id?.trim()) out.id = f.id.trim();
    return out;
  };
  const posted = (f: FormValues, id = "") => ({
    id: f.id ?? id,
    name: f.name ?? "",
    priority: f.priority ?? "",
  });

  r.get("/", (c) => show(c, createForm(c)));
  r.get("/:id/edit", (c) => show(c, editForm(c, c.req.param("id"))));

  r.post("/", async (c) => {
    const f = await readForm(c);
    try {
      const p = await createPool(deps, body(f, true));
      return saved(c, `Pool "${p.name}" created with priority ${p.priority}.`);
    } catch (err) {
      return refused(c, err, { ...createForm(c), values: posted(f) });
    }
  });

  r.post("/:id", async (c) => {
    const id = c.req.param("id");
    const current = editForm(c, id);
    const f = await readForm(c);
    try {
      const p = await updatePool(deps, id, body(f, false));
      return saved(c, `Pool "${p.name}" saved.`);
    } catch (err) {
      return refused(c, err, { ...current, values: posted(f, id) });
    }
  });

  r.post("/:id/delete", async (c) => {
    const p = getPool(deps, c.req.param("id"));
    await deletePool(deps, p.id);
    return afterChange(c, () => (
      <>
        <PoolTable {...tableProps(c)} />
        <FlashOob tone="success">Pool "{p.name}" deleted.</FlashOob>
      </>
    ), "/pools");
  });

  return r;
}

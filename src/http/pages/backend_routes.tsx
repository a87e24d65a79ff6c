/**
 * @module backend_routes
 * `/backends`: list, create, edit, delete, enable/disable, pause, and clear
 * a cooldown (which resumes a paused backend), through the same admin
 * operations as `/api/backends`, so validation has one source of truth.
 */
import { type Context, Hono } from "hono";
import {
  clearBackendCooldown,
  createBackend,
  deleteBackend,
  getBackend,
  listBackends,
  pauseBackend,
  type SaveNotice,
  updateBackend,
} from "../../admin/backends.ts";
import type { AppDeps } from "../../app_deps.ts";
import { configFileName } from "../../admin/managed.ts";
import {
  BACKEND_FORM_ID,
  BackendForm,
  type BackendFormProps,
} from "../../../views/backend_form.tsx";
import { BACKENDS_TABLE_ID, BackendTable } from "../../../views/backend_table.tsx";
import { BackendsPage } from "../../../views/backends_page.tsx";
import { FlashOob } from "../../../views/notice.tsx";
import { STATUS_TABLE_ID, StatusTable } from "../../../views/status_table.tsx";
import {
  backendBody,
  backendValues,
  newBackendValues,
  postedBackendValues,
} from "./backend_form.ts";
import { readForm, toFieldErrors } from "./form_input.ts";
import type { PageEnv } from "./page_env.ts";
import { afterChange, fragment, isHtmx, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";
import { statusRows } from "./status_rows.ts";
import { modelCoolingViews } from "../../../views/model_cooldowns.tsx";

type C = Context<PageEnv>;

/** Builds the `/backends` sub-app. */
export function backendPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));

  /** Backends in routing order: pool priority, then id. */
  const backends = () => {
    const rank = new Map(deps.store.pools.list().map((p, i) => [p.id, i]));
    return listBackends(deps).sort((a, b) =>
      (rank.get(a.pool_id) ?? 1e9) - (rank.get(b.pool_id) ?? 1e9) || a.id.localeCompare(b.id)
    );
  };
  /** Not-resumable marks of every backend, for the table's resume line. */
  const resumeMarks = () =>
    new Map(deps.store.backends.list().map((b) => [b.id, deps.registry.resumeMarks(b.id)]));
  /** Upstream models cooling on their own, for each backend's status cell. */
  const modelsCooling = () => {
    const now = deps.now();
    return new Map(
      deps.registry.status(now).map((
        s,
      ) => [s.backend_id, modelCoolingViews(s.models_cooling, now)]),
    );
  };
  /** What the table shows, the same for the whole page and its fragments. */
  const tableProps = (c: C) => ({
    backends: backends(),
    pools: deps.store.pools.list(),
    csrf: c.var.session.csrf_token,
    now: deps.now(),
    resumeMarks: resumeMarks(),
    modelsCooling: modelsCooling(),
    managedBy: configFileName(deps.store.meta),
  });
  const table = (c: C, oob = false) => <BackendTable {...tableProps(c)} oob={oob} />;
  const createForm = (c: C): BackendFormProps => ({
    mode: "create",
    values: newBackendValues(deps.store.pools.list()[0]?.id),
    pools: deps.store.pools.list(),
    csrf: c.var.session.csrf_token,
  });
  const editForm = (c: C, id: string): BackendFormProps => {
    const b = getBackend(deps, id);
    return {
      mode: "edit",
      values: backendValues(b),
      pools: deps.store.pools.list(),
      csrf: c.var.session.csrf_token,
      keyHint: b.api_key_hint,
      managedBy: b.managed === "file" ? configFileName(deps.store.meta) : undefined,
    };
  };
  /** The whole page around `form`, or the form alone for htmx. */
  const show = (c: C, form: BackendFormProps, status: 200 | 422 = 200) => {
    if (wantsRegion(c, BACKEND_FORM_ID) || (isHtmx(c) && status === 422)) {
      return fragment(c, <BackendForm {...form} />, status);
    }
    if (wantsRegion(c, BACKENDS_TABLE_ID)) return fragment(c, table(c));
    return page(
      c,
      deps,
      { title: "Backends", section: "backends" },
      <BackendsPage table={tableProps(c)} form={form} />,
      status,
    );
  };
  /**
   * After a save: a fresh create form, the table and a notice (with what the
   * save changed in the input, such as a base URL cut to its root); plain
   * posts redirect.
   */
  const saved = (c: C, message: string, notices: readonly SaveNotice[]) => {
    if (!isHtmx(c)) return c.redirect("/backends", 303);
    c.header("hx-push-url", "/backends");
    return fragment(
      c,
      <>
        <BackendForm {...createForm(c)} />
        {table(c, true)}
        <FlashOob tone="success">
          {[message, ...notices.map((n) => n.message)].join(" ")}
        </FlashOob>
      </>,
    );
  };
  /** A refused form comes back with the messages at their fields and the input kept. */
  const refused = (c: C, err: unknown, form: BackendFormProps) => {
    const errors = toFieldErrors(err);
    if (!errors) throw err;
    return show(c, { ...form, errors }, 422);
  };

  r.get("/", (c) => show(c, createForm(c)));
  r.get("/:id/edit", (c) => show(c, editForm(c, c.req.param("id"))));

  r.post("/", async (c) => {
    const f = await readForm(c);
    try {
      const { backend: b, notices } = await createBackend(deps, backendBody(f, "create"));
      return saved(c, `Backend "${b.name}" created as ${b.id}.`, notices);
    } catch (err) {
      return refused(c, err, { ...createForm(c), values: postedBackendValues(f) });
    }
  });

  r.post("/:id", async (c) => {
    const id = c.req.param("id");
    const current = editForm(c, id);
    const f = await readForm(c);
    try {
      const { backend: b, notices } = await updateBackend(deps, id, backendBody(f, "edit"));
      return saved(c, `Backend "${b.name}" saved.`, notices);
    } catch (err) {
      return refused(c, err, { ...current, values: postedBackendValues(f, id) });
    }
  });

  r.post("/:id/enabled", async (c) => {
    const f = await readForm(c);
    const { backend: b } = await updateBackend(deps, c.req.param("id"), {
      enabled: f.enabled === "true",
    });
    return afterChange(c, () => (
      <>
        {table(c)}
        <FlashOob tone="success">
          Backend "{b.name}" {b.enabled ? "enabled" : "disabled"}.
        </FlashOob>
      </>
    ), "/backends");
  });

  /**
   * After a live-state change: whichever table asked is redrawn, with a
   * notice; a plain post goes back to the page it came from (`return_to`,
   * the overview or this list).
   */
  const liveChanged = async (c: C, message: string) => {
    const notice = <FlashOob tone="success">{message}</FlashOob>;
    if (wantsRegion(c, STATUS_TABLE_ID)) {
      return fragment(
        c,
        <>
          <StatusTable rows={statusRows(deps)} csrf={c.var.session.csrf_token} />
          {notice}
        </>,
      );
    }
    const back = (await readForm(c)).return_to === "/" ? "/" : "/backends";
    return afterChange(c, () => <>{table(c)}{notice}</>, back);
  };

  r.post("/:id/clear-cooldown", (c) => {
    const id = c.req.param("id");
    const wasPaused = getBackend(deps, id).paused;
    const b = clearBackendCooldown(deps, id);
    return liveChanged(
      c,
      wasPaused ? `Backend "${b.name}" resumed.` : `Cooldown of "${b.name}" cleared.`,
    );
  });

  r.post("/:id/pause", (c) => {
    const b = pauseBackend(deps, c.req.param("id"));
    return liveChanged(c, `Backend "${b.name}" paused until resumed.`);
  });

  r.post("/:id/delete", async (c) => {
    const b = getBackend(deps, c.req.param("id"));
    await deleteBackend(deps, b.id);
    return afterChange(c, () => (
      <>
        {table(c)}
        <FlashOob tone="success">Backend "{b.name}" deleted.</FlashOob>
      </>
    ), "/backends");
  });

  return r;
}

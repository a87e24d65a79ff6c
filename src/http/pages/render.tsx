/**
 * @module render
 * How a dashboard route answers: the full page, or only the region htmx
 * asked for (`HX-Target`), and errors as a notice in the flash region or a
 * page of their own.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppDeps } from "../../app_deps.ts";
import { SidecarError } from "../../errors.ts";
import { ErrorPage } from "../../../views/error_page.tsx";
import { Layout, type Section, type SharedStateBanner } from "../../../views/layout.tsx";
import { Notice } from "../../../views/notice.tsx";
import type { PageEnv } from "./page_env.ts";
import { readConfigFileStatus } from "../../config_file/config_file_status.ts";

/** True for an htmx request that wants a fragment (boosted requests want pages). */
export function isHtmx(c: Context): boolean {
  return c.req.header("hx-request") === "true" && c.req.header("hx-boosted") !== "true";
}

/** True when htmx asked for the region with this element id. */
export function wantsRegion(c: Context, id: string): boolean {
  return isHtmx(c) && c.req.header("hx-target") === id;
}

/** What a full page needs besides its content. */
export interface PageMeta {
  title: string;
  section: Section;
  flash?: Child;
}

/** Renders `content` inside the signed-in layout. */
export function page(
  c: Context<PageEnv>,
  deps: AppDeps,
  meta: PageMeta,
  content: Child,
  status: 200 | 404 | 422 = 200,
): Response | Promise<Response> {
  return c.html(
    <Layout
      title={meta.title}
      section={meta.section}
      csrf={c.var.session.csrf_token}
      version={deps.version}
      flash={meta.flash}
      configError={configError(deps)}
      sharedState={sharedState(deps)}
    >
      {content}
    </Layout>,
    status,
  );
}

/** The config file's refused reload, for the banner every signed-in page shows. */
function configError(deps: AppDeps): { path: string; error: string } | undefined {
  const file = readConfigFileStatus(deps.store.meta);
  return file?.error ? { path: file.path, error: file.error } : undefined;
}

/** The shared state as last known (no wait), in Redis mode, for the banner and the Cluster page's link. */
function sharedState(deps: AppDeps): SharedStateBanner | undefined {
  const status = deps.registry.sharedState.clusterStatus();
  return status.state === "in_process" ? undefined : status;
}

/** Renders `fragment` alone with a status (for htmx swaps). */
export function fragment(c: Context, node: Child, status: 200 | 422 = 200) {
  return c.html(<>{node}</>, status);
}

/**
 * After a state change: htmx gets the updated region, a plain form post is
 * sent back to the page it came from (post/redirect/get).
 */
export function afterChange(c: Context, region: () => Child, redirectTo: string) {
  return isHtmx(c) ? fragment(c, region()) : c.redirect(redirectTo, 303);
}

/** Turns any error into a dashboard response: a flash notice for htmx, else a page. */
export function errorResponse(c: Context<PageEnv>, deps: AppDeps, err: unknown): Response {
  const known = err instanceof SidecarError ? err : undefined;
  if (!known) {
    deps.log.error("dashboard error", {
      path: c.req.path,
      error: err instanceof Error ? err.name : typeof err,
      detail: err instanceof Error ? err.message.slice(0, 200) : undefined,
    });
  }
  const status = (known?.status ?? 500) as 400 | 403 | 404 | 409 | 413 | 500;
  const message = known?.message ?? "Something went wrong; the error was logged";
  if (isHtmx(c)) {
    return c.html(<Notice tone="error">{message}</Notice>, status, {
      "hx-retarget": "#flash",
      "hx-reswap": "innerHTML",
    }) as Response;
  }
  return c.html(
    <ErrorPage
      status={status}
      message={message}
      session={c.var.session ? { csrf: c.var.session.csrf_token } : undefined}
      version={deps.version}
      configError={c.var.session ? configError(deps) : undefined}
      sharedState={c.var.session ? sharedState(deps) : undefined}
    />,
    status,
  ) as Response;
}

/**
 * @module error_page
 * A page for an error met outside an htmx swap (a bad link, a refused post).
 */
import type { FC } from "hono/jsx";
import { BareLayout, Layout, type SharedStateBanner } from "./layout.tsx";
import { Notice } from "./notice.tsx";

const TITLES: Record<number, string> = {
  400: "That did not work",
  403: "Refused",
  404: "Not found",
  409: "Conflict",
  413: "Too large",
};

/** The error page, inside the navigation when signed in. */
export const ErrorPage: FC<{
  status: number;
  message: string;
  session: { csrf: string } | undefined;
  version: string;
  /** The config file's refused reload: signed-in pages show it (see {@link Layout}). */
  configError?: { path: string; error: string } | undefined;
  /** The shared state in Redis mode: signed-in pages show it (see {@link Layout}). */
  sharedState?: SharedStateBanner | undefined;
}> = (p) => {
  const title = TITLES[p.status] ?? "Something went wrong";
  const body = (
    <>
      <div class="page-head">
        <h1>{title}</h1>
      </div>
      <Notice tone="error">{p.message}</Notice>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </>
  );
  return p.session
    ? (
      <Layout
        title={title}
        section="overview"
        csrf={p.session.csrf}
        version={p.version}
        configError={p.configError}
        sharedState={p.sharedState}
      >
        {body}
      </Layout>
    )
    : <BareLayout title={title}>{body}</BareLayout>;
};

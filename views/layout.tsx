/**
 * @module layout
 * The page shell: head with the embedded assets, the navigation, the flash
 * region, and the CSRF token htmx sends with every request (`hx-headers`).
 */
import { raw } from "hono/html";
import type { Child, FC } from "hono/jsx";
import { assetUrl } from "../src/http/pages/static_assets.ts";

/** The sections in the navigation. */
export type Section =
  | "overview"
  | "backends"
  | "pools"
  | "keys"
  | "prices"
  | "usage"
  | "requests"
  | "cooldowns"
  | "settings"
  | "cluster";

const DOCTYPE = raw("<!DOCTYPE html>");

const NAV: readonly [Section, string, string][] = [
  ["overview", "/", "Overview"],
  ["backends", "/backends", "Backends"],
  ["pools", "/pools", "Pools"],
  ["keys", "/keys", "Keys"],
  ["prices", "/prices", "Prices"],
  ["usage", "/usage", "Usage"],
  ["requests", "/requests", "Requests"],
  ["cooldowns", "/cooldowns", "Cooldowns"],
  ["settings", "/settings", "Settings"],
];

/** Shown only while replicas share state: a Sidecar alone has no cluster to look at. */
const CLUSTER_NAV: [Section, string, string] = ["cluster", "/cluster", "Cluster"];

// htmx swaps 4xx/5xx bodies too: the server sends form errors (422, an
// expected answer, not an error) and notices for the flash region. Its inline indicator styles and eval are off
// so the Content-Security-Policy can forbid inline styles and scripts.
const HTMX_CONFIG = JSON.stringify({
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: true, error: true },
  ],
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
});

/** What every signed-in page shows around its content. */
export interface LayoutProps {
  title: string;
  section: Section;
  csrf: string;
  version: string;
  /** The config file's last reload was refused: shown as a banner on every page. */
  configError?: { path: string; error: string } | undefined;
  /**
   * The shared state as last known, in Redis mode only (absent in process):
   * the navigation gets the Cluster page, and every page a banner while it is down.
   */
  sharedState?: SharedStateBanner | undefined;
  /** Notice shown in the flash region on load (e.g. after a plain form post). */
  flash?: Child;
  children?: Child;
}

/** The config file was refused: what runs is the config from before, and why. */
const ConfigErrorBanner: FC<{ path: string; error: string }> = (p) => (
  <div class="notice error config-error" role="alert">
    <strong>Config file {p.path} was refused; the running config is kept.</strong>
    <pre>{p.error}</pre>
  </div>
);

/** What the layout needs of the shared state (a `ClusterStatus` of Redis mode). */
export interface SharedStateBanner {
  state: "up" | "down";
  replicasAlive: number;
}

/** Redis is away: this replica serves alone, on its share of each limit. */
const SharedStateDownBanner: FC<{ replicasAlive: number }> = (p) => (
  <div class="notice error shared-state-down" role="alert">
    <strong>
      Shared state down: serving on this replica's own state; limits divided by {p.replicasAlive}
      {" "}
      {p.replicasAlive === 1 ? "replica" : "replicas"}.
    </strong>
  </div>
);

/** The `<head>` shared by every page. */
const Head: FC<{ title: string }> = ({ title }) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="htmx-config" content={HTMX_CONFIG} />
    <title>{title} · Sidecar</title>
    <link rel="icon" href={assetUrl("favicon.svg")} type="image/svg+xml" />
    <link rel="stylesheet" href={assetUrl("app.css")} />
    <script src={assetUrl("htmx.min.js")} defer></script>
    <script src={assetUrl("app.js")} defer></script>
  </head>
);

/** A signed-in page: navigation, flash region, content. */
export const Layout: FC<LayoutProps> = (p) => (
  <>
    {DOCTYPE}
    <html lang="en">
      <Head title={p.title} />
      <body hx-headers={JSON.stringify({ "x-csrf-token": p.csrf })}>
        <header class="topbar">
          <a class="brand" href="/">
            <img src={assetUrl("favicon.svg")} alt="" />
            Sidecar
          </a>
          <nav aria-label="Sections">
            {(p.sharedState ? [...NAV, CLUSTER_NAV] : NAV).map(([key, href, label]) => (
              <a href={href} aria-current={key === p.section ? "page" : undefined}>{label}</a>
            ))}
          </nav>
          <form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <button class="btn small" type="submit">Sign out</button>
          </form>
        </header>
        <main>
          {p.configError ? <ConfigErrorBanner {...p.configError} /> : null}
          {p.sharedState?.state === "down"
            ? <SharedStateDownBanner replicasAlive={p.sharedState.replicasAlive} />
            : null}
          <div id="flash" aria-live="polite">{p.flash}</div>
          {p.children}
        </main>
        <footer>Sidecar {p.version} · times in UTC</footer>
      </body>
    </html>
  </>
);

/** A page outside the session (sign-in, errors before sign-in). */
export const BareLayout: FC<{ title: string; children?: Child }> = (p) => (
  <>
    {DOCTYPE}
    <html lang="en">
      <Head title={p.title} />
      <body>
        <main>{p.children}</main>
      </body>
    </html>
  </>
);

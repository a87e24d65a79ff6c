/**
 * @module pages_app
 * The htmx dashboard: server-rendered pages (views/*.tsx), each swappable
 * region also served alone for htmx, behind a session cookie and CSRF checks.
 * Mounted at `/` after `/api` and `/v1`.
 */
import { Hono } from "hono";
import type { AppDeps } from "../../app_deps.ts";
import { authRoutes } from "./auth_routes.tsx";
import { backendPages } from "./backend_routes.tsx";
import { clusterPages } from "./cluster_routes.tsx";
import { keyPages } from "./key_routes.tsx";
import { cooldownPages, requestPages } from "./observe_routes.tsx";
import { overviewHandler } from "./overview_routes.tsx";
import type { PageEnv } from "./page_env.ts";
import { poolPages } from "./pool_routes.tsx";
import { pricePages } from "./price_routes.tsx";
import { errorResponse } from "./render.tsx";
import { settingsPages } from "./settings_routes.tsx";
import { signedIn } from "./signed_in.ts";
import { staticRoutes } from "./static_assets.ts";
import { usagePages } from "./usage_routes.tsx";

/** Builds the dashboard sub-app. */
export function pagesApp(deps: AppDeps): Hono<PageEnv> {
  const pages = new Hono<PageEnv>();
  pages.onError((err, c) => errorResponse(c, deps, err));
  pages.route("/static", staticRoutes());
  pages.route("/", authRoutes(deps));
  // `use("/")` matches only the overview, never `/api` or `/v1` paths.
  pages.use("/", ...signedIn(deps));
  pages.get("/", overviewHandler(deps));
  pages.route("/backends", backendPages(deps));
  pages.route("/pools", poolPages(deps));
  pages.route("/keys", keyPages(deps));
  pages.route("/prices", pricePages(deps));
  pages.route("/settings", settingsPages(deps));
  pages.route("/usage", usagePages(deps));
  pages.route("/requests", requestPages(deps));
  pages.route("/cooldowns", cooldownPages(deps));
  pages.route("/cluster", clusterPages(deps));
  return pages;
}

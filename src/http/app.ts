/**
 * @module app
 * The Hono app: `/v1` proxy, `/api` admin JSON, dashboard pages, health and
 * metrics. Errors become responses in one place (`onError`).
 */
import { Hono } from "hono";
import type { AppDeps } from "../app_deps.ts";
import { NotFoundError, SidecarError, toErrorResponse } from "../errors.ts";
import { clip } from "../text_bounds.ts";
import { proxyNotFound, proxyRoutes } from "./v1/proxy_routes.ts";
import { adminApi } from "./api/admin_api.ts";
import { errorResponse } from "./error_response.ts";
import { methodTable } from "./method_table.ts";
import { pagesApp } from "./pages/pages_app.ts";

/** Builds the whole app from its dependencies. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => errorResponse(deps.log, err, c.req.path));
  // Built on the first miss, once every route below is registered.
  let allowed: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    const methods = (allowed ??= methodTable(app.routes))(c.req.path);
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      const res = toErrorResponse(
        new SidecarError(
          405,
          "invalid_request_error",
          `Method ${clip(c.req.method)} not allowed on ${clip(c.req.path)}; use ${
            methods.join(", ")
          }`,
          "method_not_allowed",
          null,
          { allow: methods.join(", ") },
        ),
      );
      return res;
    }
    return c.req.path.startsWith("/v1/")
      ? proxyNotFound(deps, c.req.raw)
      : toErrorResponse(new NotFoundError(`No route for ${c.req.method} ${clip(c.req.path)}`));
  });

  // Always 200: Sidecar serves without Redis, so a load balancer must not drop it for that.
  app.get("/healthz", async (c) => {
    const cluster = await deps.registry.sharedState.checkClusterStatus();
    return c.json({
      status: "ok",
      version: deps.version,
      shared_state: cluster.state,
      ...(cluster.state === "in_process" ? {} : { replicas_alive: cluster.replicasAlive }),
    });
  });
  app.get("/metrics", (c) =>
    c.body(deps.metrics.render(deps.registry.status(deps.now())), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));
  app.route("/api", adminApi(deps));
  app.route("/v1", proxyRoutes(deps));
  // Last, so `/api` and `/v1` keep their JSON errors; the dashboard renders its own.
  app.route("/", pagesApp(deps));
  return app;
}

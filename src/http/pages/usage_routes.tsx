/**
 * @module usage_routes
 * `/usage`: usage over a chosen range, grouped by model, backend, key or
 * pool, from the same aggregates as `GET /api/usage`.
 */
import { Hono } from "hono";
import type { AppDeps } from "../../app_deps.ts";
import { USAGE_REPORT_ID, UsagePage, UsageReport } from "../../../views/usage_report.tsx";
import type { PageEnv } from "./page_env.ts";
import { fragment, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";
import { resolveUsageRange } from "./usage_range.ts";
import { charts, groupLabeler } from "./usage_queries.ts";

/** Builds the `/usage` sub-app. */
export function usagePages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));
  r.get("/", (c) => {
    const range = resolveUsageRange(c.req.query(), deps.now());
    const data = charts(deps, range.group, ["requests", "total_tokens", "errors"], range);
    const props = {
      range,
      rows: deps.store.requests.usage(range.group, range.since, range.until),
      label: groupLabeler(deps, range.group),
      charts: data,
    };
    if (wantsRegion(c, USAGE_REPORT_ID)) return fragment(c, <UsageReport {...props} />);
    return page(c, deps, { title: "Usage", section: "usage" }, <UsagePage {...props} />);
  });
  return r;
}

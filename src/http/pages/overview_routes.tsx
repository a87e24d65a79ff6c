/**
 * @module overview_routes
 * `GET /`: the overview page, and each of its self-refreshing regions alone
 * when htmx polls for it.
 */
import type { Context } from "hono";
import type { AppDeps } from "../../app_deps.ts";
import { OverviewPage } from "../../../views/overview_page.tsx";
import { OVERVIEW_STATS_ID, OverviewStats } from "../../../views/overview_stats.tsx";
import { RPM_CHART_ID, RpmChart } from "../../../views/rpm_chart.tsx";
import { STATUS_TABLE_ID, StatusTable } from "../../../views/status_table.tsx";
import type { PageEnv } from "./page_env.ts";
import { fragment, page, wantsRegion } from "./render.tsx";
import { statusRows } from "./status_rows.ts";
import { requestsPerMinute, summaryOfLast } from "./usage_queries.ts";

const HOUR = 3_600_000;

/** The handler of `GET /`. */
export function overviewHandler(deps: AppDeps) {
  return (c: Context<PageEnv>) => {
    const csrf = c.var.session.csrf_token;
    const proxyUrl = `${new URL(c.req.url).origin}/v1`;
    if (wantsRegion(c, STATUS_TABLE_ID)) {
      return fragment(c, <StatusTable rows={statusRows(deps)} csrf={csrf} />);
    }
    if (wantsRegion(c, OVERVIEW_STATS_ID)) {
      return fragment(
        c,
        <OverviewStats hour={summaryOfLast(deps, HOUR)} day={summaryOfLast(deps, 24 * HOUR)} />,
      );
    }
    if (wantsRegion(c, RPM_CHART_ID)) {
      return fragment(c, <RpmChart data={requestsPerMinute(deps)} proxyUrl={proxyUrl} />);
    }
    return page(
      c,
      deps,
      { title: "Overview", section: "overview" },
      <OverviewPage
        hour={summaryOfLast(deps, HOUR)}
        day={summaryOfLast(deps, 24 * HOUR)}
        rpm={requestsPerMinute(deps)}
        status={statusRows(deps)}
        proxyUrl={proxyUrl}
        csrf={csrf}
      />,
    );
  };
}

/**
 * @module overview_page
 * `/`: the answer to "what is healthy, what is cooling and until when, how
 * busy are we" at a glance. Each region refreshes on its own.
 */
import type { FC } from "hono/jsx";
import type { SummaryRow } from "../src/store/rows.ts";
import { OverviewStats } from "./overview_stats.tsx";
import { RpmChart } from "./rpm_chart.tsx";
import { StatusTable } from "./status_table.tsx";
import type { ChartData, StatusView } from "./view_models.ts";

/** Everything the overview shows. */
export interface OverviewData {
  hour: SummaryRow;
  day: SummaryRow;
  rpm: ChartData;
  status: StatusView[];
  proxyUrl: string;
  csrf: string;
}

/** The overview's content. */
export const OverviewPage: FC<OverviewData> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Overview</h1>
        <p>
          Clients use <code>{p.proxyUrl}</code>. Status refreshes every 3 seconds.
        </p>
      </div>
    </div>
    <OverviewStats hour={p.hour} day={p.day} />
    <StatusTable rows={p.status} csrf={p.csrf} />
    <RpmChart data={p.rpm} proxyUrl={p.proxyUrl} />
  </>
);

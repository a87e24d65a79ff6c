/**
 * @module rpm_chart
 * The overview's requests per minute by backend over the last hour.
 * Redraws itself every 10 s.
 */
import type { FC } from "hono/jsx";
import { TimeChart } from "./time_chart.tsx";
import type { ChartData } from "./view_models.ts";

/** Element id of the region. */
export const RPM_CHART_ID = "rpm-chart";

/** The chart card. */
export const RpmChart: FC<{ data: ChartData; proxyUrl: string }> = ({ data, proxyUrl }) => (
  <section
    id={RPM_CHART_ID}
    class="card"
    hx-get="/"
    hx-trigger="every 10s"
    hx-target="this"
    hx-swap="outerHTML"
  >
    <div class="card-head">
      <h2>Requests per minute by backend</h2>
      <span class="meta">last 60 minutes · hover a bar for details</span>
    </div>
    <TimeChart
      data={data}
      label="Requests per minute"
      emptyTitle="No requests in the last hour"
      empty={
        <p>
          Point an OpenAI client at <code>{proxyUrl}</code> with a key from the{" "}
          <a href="/keys">Keys</a> page; its requests appear here within seconds.
        </p>
      }
    />
  </section>
);

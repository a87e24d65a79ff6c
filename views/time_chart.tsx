/**
 * @module time_chart
 * A server-rendered stacked bar chart over time, as plain SVG: y axis with
 * round ticks, time labels, a tooltip per bucket and a legend with totals.
 * Counts by default, or dollars (`unit: "usd"`: fractional steps, `$`
 * labels). No client chart library, so it survives any htmx swap. Colours come from
 * CSS classes (`s0`…`s7`, `s-other`), keeping the SVG free of inline styles.
 */
import type { Child, FC } from "hono/jsx";
import { isEmptyChart } from "../src/http/pages/chart_data.ts";
import { EmptyState } from "./empty_state.tsx";
import { formatBucket, formatCount, formatUsd } from "./format.ts";
import type { ChartData } from "./view_models.ts";

const M = { left: 44, right: 22, top: 10, bottom: 26 };
/** Dollar labels (`$0.00075`) are wider than counts. */
const M_USD = { ...M, left: 64 };

/** Props of {@link TimeChart}. */
export interface TimeChartProps {
  data: ChartData;
  /** What the chart shows, for screen readers and the tooltip. */
  label: string;
  /** Shown instead of the chart when there is no data. */
  empty: Child;
  emptyTitle?: string;
  /**
   * Drawing width in CSS pixels at which text reads 11 px: close to the
   * width the chart is shown at, since the SVG scales with its box. @default 1080
   */
  width?: number;
  /** @default 240 */
  height?: number;
  /** What the values are: things counted (whole steps) or dollars. @default "count" */
  unit?: "count" | "usd";
}

/**
 * The smallest round step (1, 2, 2.5 or 5 × 10^k) giving at most about
 * `targetTicks` ticks up to `max`; for counts (`whole`) a whole number of at
 * least 1, since half a request does not exist.
 */
export function niceStep(max: number, targetTicks = 4, whole = true): number {
  if (max <= 0) return 1;
  const raw = max / targetTicks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow)
    .find((s) => s >= raw && (!whole || Number.isInteger(s))) ?? 10 * pow;
  return whole ? Math.max(1, step) : step;
}

/** Class of a series' colour. */
export function seriesClass(index: number, other?: boolean): string {
  return other ? "s-other" : `s${index % 8}`;
}

/** A stacked bar chart with axes and legend, or an empty state. */
export const TimeChart: FC<TimeChartProps> = (props) => {
  const { data, label, empty, emptyTitle } = props;
  if (isEmptyChart(data)) {
    return <EmptyState title={emptyTitle ?? "No data in this range"}>{empty}</EmptyState>;
  }
  const W = props.width ?? 1080;
  const H = props.height ?? 240;
  const usd = props.unit === "usd";
  const format = usd ? formatUsd : formatCount;
  const m = usd ? M_USD : M;
  const PLOT_W = W - m.left - m.right;
  const PLOT_H = H - m.top - m.bottom;
  const totals = Array.from(
    { length: data.count },
    (_, i) => data.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0),
  );
  const step = niceStep(Math.max(...totals), 4, !usd);
  const top = Math.max(step, Math.ceil(Math.max(...totals) / step) * step);
  const y = (v: number) => m.top + PLOT_H - (v / top) * PLOT_H;
  const slot = PLOT_W / data.count;
  const barW = Math.max(1, Math.min(slot * 0.74, slot - 1));
  const every = Math.max(1, Math.ceil(data.count / Math.max(3, Math.floor(PLOT_W / 90))));
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const at = (i: number) => data.start + i * data.bucketMs;

  return (
    <figure class="chart-figure">
      <svg
        class="chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${label}: ${data.series.length} series over ${data.count} intervals`}
        preserveAspectRatio="xMidYMid meet"
      >
        {ticks.map((t) => (
          <g>
            <line class="grid" x1={m.left} x2={W - m.right} y1={y(t)} y2={y(t)} />
            <text x={m.left - 6} y={y(t) + 4} text-anchor="end">{format(t)}</text>
          </g>
        ))}
        <line class="axis" x1={m.left} x2={W - m.right} y1={y(0)} y2={y(0)} />
        {totals.map((total, i) => {
          if (total === 0) return null;
          let base = 0;
          const x = m.left + i * slot + (slot - barW) / 2;
          const parts = data.series
            .map((s) => `${s.name}: ${format(s.values[i] ?? 0)}`)
            .filter((_, k) => (data.series[k]!.values[i] ?? 0) > 0);
          return (
            <g class="bucket">
              <title>
                {`${formatBucket(at(i), data.bucketMs)} · ${label}: ${format(total)}\n${
                  parts.join("\n")
                }`}
              </title>
              {data.series.map((s, k) => {
                const v = s.values[i] ?? 0;
                if (v === 0) return null;
                const y0 = y(base);
                base += v;
                const y1 = y(base);
                return (
                  <rect
                    class={`bar ${seriesClass(k, s.other)}`}
                    x={r2(x)}
                    y={r2(y1)}
                    width={r2(barW)}
                    height={r2(Math.max(0.5, y0 - y1))}
                  />
                );
              })}
            </g>
          );
        })}
        {totals.map((_, i) =>
          (data.count - 1 - i) % every === 0
            ? (
              <text x={r2(m.left + (i + 0.5) * slot)} y={H - 8} text-anchor="middle">
                {formatBucket(at(i), data.bucketMs)}
              </text>
            )
            : null
        )}
      </svg>
      <ul class="legend">
        {data.series.map((s, k) => (
          <li>
            <span class={`swatch ${seriesClass(k, s.other)}`}></span>
            {s.name}
            <span class="total">{format(s.values.reduce((a, b) => a + b, 0))}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
};

function r2(v: number): number {
  return Math.round(v * 100) / 100;
}

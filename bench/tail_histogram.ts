/**
 * @module The latency histogram of RESULTS.md as an SVG: per-request
 * latencies in log-spaced buckets (x, log scale), the share of requests in
 * each (y, log scale, so a bucket of one request in ten thousand still
 * shows), one stepped line per configuration, with its p50, p99 and p99.9
 * marked. Plain SVG 1.1, no script, no external font.
 */

import { distPercentile, type Distribution, logBuckets, total } from "./latency_dist.ts";

/** One configuration's line. */
export interface HistogramSeries {
  label: string;
  color: string;
  distribution: Distribution;
}

/** Options of {@link tailHistogramSvg}. */
export interface HistogramOptions {
  title: string;
  /** Buckets per factor of ten. @default 12 */
  perDecade?: number;
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 16, top: 44 };
/** Below the plot: tick labels and axis title, then one legend line per series. */
const BELOW_AXIS = 48;
const LEGEND_LINE = 16;

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** `us` as a short axis label: 50 µs, 1 ms, 20 ms. */
export function fmtLatency(us: number): string {
  if (us < 1000) return `${+us.toPrecision(3)} µs`;
  return `${+(us / 1000).toPrecision(3)} ms`;
}

function fmtShare(share: number): string {
  const pct = share * 100;
  return `${pct >= 1 ? pct.toFixed(0) : +pct.toPrecision(1)}%`;
}

/** The SVG text of the histogram of `series` (which may be empty: then a note says so). */
export function tailHistogramSvg(series: readonly HistogramSeries[], o: HistogramOptions): string {
  const width = o.width ?? 820;
  const height = o.height ?? 440;
  const perDecade = o.perDecade ?? 12;
  const live = series.filter((s) => total(s.distribution) > 0);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - BELOW_AXIS - LEGEND_LINE * Math.max(1, live.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${
      esc(o.title)
    }</text>`,
  ];
  if (live.length === 0) {
    out.push(
      `<text x="${width / 2}" y="${
        height / 2
      }" text-anchor="middle">No per-request latencies in this run.</text>`,
      "</svg>",
    );
    return out.join("\n") + "\n";
  }
  const minUs = Math.min(...live.map((s) => s.distribution[0]![0]));
  const maxUs = Math.max(...live.map((s) => s.distribution[s.distribution.length - 1]![0]));
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, minUs)));
  const hi = 10 ** Math.ceil(Math.log10(maxUs + 1));
  const smallest = Math.min(...live.map((s) => 1 / total(s.distribution)));
  const yLo = 10 ** Math.floor(Math.log10(smallest));
  const x = (us: number) => MARGIN.left + (plotW * Math.log10(us / lo)) / Math.log10(hi / lo);
  const y = (share: number) =>
    MARGIN.top + plotH * (1 - Math.log10(Math.max(share, yLo) / yLo) / Math.log10(1 / yLo));
  const bottom = MARGIN.top + plotH;

  // Axes and grid: decades on both axes, 2 and 5 between them on x.
  out.push(`<g stroke="#ddd">`);
  for (let d = lo; d <= hi; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > hi) break;
      out.push(
        `<line x1="${x(v).toFixed(1)}" y1="${MARGIN.top}" x2="${x(v).toFixed(1)}" y2="${bottom}"${
          m === 1 ? "" : ' stroke-dasharray="2,3"'
        }/>`,
      );
    }
  }
  for (let s = yLo; s <= 1.0001; s *= 10) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${y(s).toFixed(1)}" x2="${MARGIN.left + plotW}" y2="${
        y(s).toFixed(1)
      }"/>`,
    );
  }
  out.push(`</g>`, `<g fill="#333">`);
  for (let d = lo; d <= hi; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > hi) break;
      out.push(
        `<text x="${x(v).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${
          esc(fmtLatency(v))
        }</text>`,
      );
    }
  }
  for (let s = yLo; s <= 1.0001; s *= 10) {
    out.push(
      `<text x="${MARGIN.left - 6}" y="${(y(s) + 4).toFixed(1)}" text-anchor="end">${
        fmtShare(s)
      }</text>`,
    );
  }
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${
      bottom + 34
    }" text-anchor="middle">latency of each request (log scale, ${perDecade} buckets per factor of 10)</text>`,
    `<text transform="translate(14 ${
      MARGIN.top + plotH / 2
    }) rotate(-90)" text-anchor="middle">share of requests in the bucket (log scale)</text>`,
    `</g>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );

  // One stepped line per series; an empty bucket drops to the floor.
  for (const s of live) {
    const n = total(s.distribution);
    const buckets = logBuckets(s.distribution, perDecade, lo, hi);
    let d = `M${x(buckets[0]!.fromUs).toFixed(1)},${bottom}`;
    for (const b of buckets) {
      const top = b.count > 0 ? y(b.count / n) : bottom;
      d += ` V${top.toFixed(1)} H${x(b.toUs).toFixed(1)}`;
    }
    d += ` V${bottom}`;
    out.push(
      `<path d="${d}" fill="${s.color}" fill-opacity="0.12" stroke="${s.color}" stroke-width="1.6"/>`,
    );
  }
  // Percentile marks, and the legend with their values.
  live.forEach((s, i) => {
    const marks: [string, number][] = [
      ["p50", distPercentile(s.distribution, 50)],
      ["p99", distPercentile(s.distribution, 99)],
      ["p99.9", distPercentile(s.distribution, 99.9)],
    ];
    for (const [name, v] of marks) {
      const px = x(v).toFixed(1);
      out.push(
        `<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${bottom}" stroke="${s.color}" stroke-width="1" stroke-dasharray="5,3"/>`,
        `<text x="${(x(v) + 3).toFixed(1)}" y="${
          MARGIN.top + 12 + 13 * i
        }" fill="${s.color}" font-size="10">${name}</text>`,
      );
    }
    const ly = bottom + BELOW_AXIS + LEGEND_LINE * i + 6;
    const lx = MARGIN.left;
    out.push(
      `<rect x="${lx}" y="${
        ly - 9
      }" width="14" height="10" fill="${s.color}" fill-opacity="0.5" stroke="${s.color}"/>`,
      `<text x="${lx + 20}" y="${ly}">${esc(s.label)}: ${
        total(s.distribution).toLocaleString("en-US")
      } requests, p50 ${esc(fmtLatency(marks[0]![1]))}, p99 ${
        esc(fmtLatency(marks[1]![1]))
      }, p99.9 ${esc(fmtLatency(marks[2]![1]))}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

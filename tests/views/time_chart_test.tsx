/**
 * @module time_chart_test
 * The server-rendered SVG chart: axes, bars, legend, tooltips, empty state.
 */
import assert from "node:assert/strict";
import type { ChartData } from "../../views/view_models.ts";
import { niceStep, seriesClass, TimeChart } from "../../views/time_chart.tsx";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

const data = (series: ChartData["series"]): ChartData => ({
  start: T0,
  bucketMs: 60_000,
  count: 4,
  series,
});

const render = (d: ChartData) =>
  String(<TimeChart data={d} label="Requests" empty={<p>Send a request</p>} width={800} />);

Deno.test("TimeChart draws stacked bars with y ticks, time labels and a legend", () => {
  const html = render(data([
    { name: "alpha", values: [1, 0, 7, 2] },
    { name: "beta", values: [0, 0, 3, 0] },
  ]));
  assert.match(html, /<svg class="chart" viewBox="0 0 800 240" role="img"/);
  assert.equal(html.match(/<rect class="bar s0"/g)?.length, 3);
  assert.equal(html.match(/<rect class="bar s1"/g)?.length, 1);
  assert.equal(html.match(/<g class="bucket">/g)?.length, 3, "no group for an empty bucket");
  const ticks = [...html.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(ticks, ["0", "5", "10"]);
  assert.match(html, /text-anchor="middle">10:00</);
  assert.match(html, /text-anchor="middle">10:03</);
  assert.match(html, /<title>10:02 · Requests: 10\nalpha: 7\nbeta: 3<\/title>/);
  assert.match(html, /<span class="swatch s0"><\/span>alpha<span class="total">10</);
  assert.match(html, /<span class="swatch s1"><\/span>beta<span class="total">3</);
  assert.doesNotMatch(html, /style=/, "no inline styles (CSP)");
});

Deno.test("TimeChart stacks in series order from the baseline", () => {
  const html = render(data([
    { name: "a", values: [0, 0, 0, 5] },
    { name: "b", values: [0, 0, 0, 5] },
  ]));
  const ys = [
    ...html.matchAll(/<rect class="bar s\d" x="[\d.]+" y="([\d.]+)"[^>]*height="([\d.]+)"/g),
  ]
    .map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(ys.length, 2);
  const [a, b] = ys as [[number, number], [number, number]];
  assert.ok(Math.abs(a[0] - (b[0] + b[1])) < 0.02, "b sits on top of a");
  assert.ok(Math.abs(a[1] - b[1]) < 0.02, "equal values, equal heights");
});

Deno.test("TimeChart shows its empty state when every value is zero", () => {
  const html = render(data([{ name: "a", values: [0, 0, 0, 0] }]));
  assert.match(
    html,
    /<div class="empty"><strong>No data in this range<\/strong><p>Send a request<\/p>/,
  );
  assert.doesNotMatch(html, /<svg/);
  assert.match(render(data([])), /class="empty"/);
});

Deno.test("TimeChart escapes series names", () => {
  const html = render(data([{ name: "<script>x</script>", values: [1, 1, 1, 1] }]));
  assert.ok(!html.includes("<script>x"));
  assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
});

Deno.test("niceStep gives round steps; seriesClass names colours", () => {
  assert.equal(niceStep(0), 1);
  assert.equal(niceStep(3), 1);
  assert.equal(niceStep(10), 5, "no fractional steps for counts");
  assert.equal(niceStep(100), 25);
  assert.equal(niceStep(95), 25);
  assert.equal(niceStep(1234), 500);
  assert.equal(seriesClass(0), "s0");
  assert.equal(seriesClass(9), "s1");
  assert.equal(seriesClass(2, true), "s-other");
});

Deno.test("TimeChart in dollars: fractional steps, $ on the axis, the tooltip and the legend", () => {
  assert.equal(niceStep(0.5, 4, false), 0.2);
  assert.equal(niceStep(8, 4, false), 2);
  assert.ok(Math.abs(niceStep(0.0008, 4, false) - 0.0002) < 1e-12);
  const html = String(
    <TimeChart
      data={data([{ name: "cost", values: [0.03, 0, 0.5, 0] }])}
      label="Cost"
      unit="usd"
      empty={<p>none</p>}
    />,
  );
  const ticks = [...html.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(ticks, ["$0", "$0.2000", "$0.4000", "$0.6000"]);
  assert.match(html, /<title>10:02 · Cost: \$0\.5000\ncost: \$0\.5000<\/title>/);
  assert.match(html, /cost<span class="total">\$0\.5300</);
});

/**
 * @module budget_period_test
 * periodStart() over a table of fixed instants: UTC days, weeks from Monday,
 * months from the 1st, and a total budget's period from the key's creation;
 * periodEnd() at the next one's start (a total budget never ends); PeriodStarts,
 * which remembers the period it found, agreeing with periodStart() throughout.
 */
import assert from "node:assert/strict";
import { periodEnd, periodStart, PeriodStarts } from "../../src/keys/budget_period.ts";

const at = (iso: string) => Date.parse(iso);
const CREATED = at("2026-01-05T08:30:00Z");

Deno.test("periodStart() is the UTC start of the day, the Monday, the 1st, or the key's creation", () => {
  const cases: [Parameters<typeof periodStart>[0], string, string][] = [
    ["day", "2026-11-27T10:00:00Z", "2026-11-27T00:00:00Z"],
    ["day", "2026-11-27T00:00:00Z", "2026-11-27T00:00:00Z"],
    ["day", "2026-11-27T23:59:59.999Z", "2026-11-27T00:00:00Z"],
    // 2026-11-27 is a Friday; 2026-11-23 the Monday before it.
    ["week", "2026-11-27T10:00:00Z", "2026-11-23T00:00:00Z"],
    ["week", "2026-11-23T00:00:00Z", "2026-11-23T00:00:00Z"],
    // A Sunday belongs to the week that began six days before.
    ["week", "2026-11-29T23:00:00Z", "2026-11-23T00:00:00Z"],
    // Across a month and a year boundary.
    ["week", "2027-01-01T12:00:00Z", "2026-12-28T00:00:00Z"],
    ["month", "2026-11-27T10:00:00Z", "2026-11-01T00:00:00Z"],
    ["month", "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z"],
    ["month", "2024-02-29T12:00:00Z", "2024-02-01T00:00:00Z"],
    ["total", "2026-11-27T10:00:00Z", "2026-01-05T08:30:00Z"],
  ];
  for (const [period, now, start] of cases) {
    assert.equal(
      new Date(periodStart(period, at(now), CREATED)).toISOString(),
      new Date(at(start)).toISOString(),
      `${period} at ${now}`,
    );
  }
});

Deno.test("periodEnd() is the next period's start: a day, seven days, the next 1st; never for total", () => {
  const cases: [Parameters<typeof periodEnd>[0], string, string | null][] = [
    ["day", "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"],
    ["week", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z"],
    ["month", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"],
    ["month", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"],
    ["total", "2026-01-05T08:30:00Z", null],
  ];
  for (const [period, start, end] of cases) {
    const got = periodEnd(period, at(start));
    if (end === null) assert.equal(got, Infinity);
    else assert.equal(new Date(got).toISOString(), new Date(at(end)).toISOString(), period);
    // The end is the start of the next period.
    if (end !== null) assert.equal(periodStart(period, got, CREATED), got);
  }
});

Deno.test("PeriodStarts.at() agrees with periodStart() at every instant, across period ends and a clock set back", () => {
  const created = Date.UTC(2026, 10, 20, 8, 0, 0);
  const HOUR = 3_600_000;
  // Forward an hour at a time over two month ends, then back over them, then before the key existed.
  const instants: number[] = [];
  for (let t = Date.UTC(2026, 10, 25); t < Date.UTC(2027, 0, 3); t += HOUR) instants.push(t);
  for (let t = Date.UTC(2027, 0, 3); t > Date.UTC(2026, 10, 25); t -= 7 * HOUR) instants.push(t);
  instants.push(
    created - 1,
    created,
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1),
  );
  for (const period of ["day", "week", "month", "total"] as const) {
    const starts = new PeriodStarts(period, created);
    for (const t of instants) {
      assert.equal(
        starts.at(t),
        periodStart(period, t, created),
        `${period} at ${new Date(t).toISOString()}`,
      );
    }
  }
});

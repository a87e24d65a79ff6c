/**
 * @module usage_range
 * The usage page's query: a preset or custom time range, the grouping, and
 * the bar width that gives a readable number of bars for that range.
 */
import { z } from "zod";
import { parseInput } from "../../admin/validate.ts";
import { BadRequestError } from "../../errors.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Preset ranges and their length. */
export const PRESETS = { "1h": HOUR, "6h": 6 * HOUR, "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY };
export type Preset = keyof typeof PRESETS;

/** Groupings the usage page offers. */
export const USAGE_PAGE_GROUPS = ["model", "backend", "key", "pool"] as const;
export type UsagePageGroup = typeof USAGE_PAGE_GROUPS[number];

/** Bar widths, smallest first; the first giving at most {@link MAX_BARS} bars is used. */
const BUCKETS = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, DAY];
const MAX_BARS = 120;
const MAX_RANGE = 400 * DAY;

const UsageQuery = z.object({
  range: z.enum(["1h", "6h", "24h", "7d", "30d", "custom"]).default("24h"),
  since: z.string().max(40).optional(),
  until: z.string().max(40).optional(),
  group: z.enum(USAGE_PAGE_GROUPS).default("model"),
});

/** A resolved usage query. */
export interface UsageRange {
  range: Preset | "custom";
  group: UsagePageGroup;
  since: number;
  until: number;
  bucketMs: number;
}

/** Resolves the page's query string at `now`. */
export function resolveUsageRange(query: Record<string, string>, now: number): UsageRange {
  const q = parseInput(UsageQuery, query);
  let since: number;
  let until: number;
  if (q.range === "custom") {
    since = parseLocal(q.since, "since");
    until = q.until ? parseLocal(q.until, "until") : now + 1;
    if (until <= since) throw new BadRequestError("Until must be after since", "until");
    if (until - since > MAX_RANGE) throw new BadRequestError("Pick at most 400 days", "since");
  } else {
    until = now + 1;
    since = now - PRESETS[q.range];
  }
  return { range: q.range, group: q.group, since, until, bucketMs: bucketFor(until - since) };
}

/** The bar width for a range of `ms`. */
export function bucketFor(ms: number): number {
  return BUCKETS.find((b) => ms / b <= MAX_BARS) ?? DAY;
}

/** A `datetime-local` value (UTC, like everything on the dashboard) or an ISO instant. */
export function parseLocal(value: string | undefined, param: string): number {
  if (!value) throw new BadRequestError(`Enter a date and time for "${param}"`, param);
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value);
  const ms = Date.parse(hasZone ? value : `${value}Z`);
  if (Number.isNaN(ms)) throw new BadRequestError(`"${value}" is not a date and time`, param);
  return ms;
}

/** An instant as a `datetime-local` input value in UTC. */
export function toLocalInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

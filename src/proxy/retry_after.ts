/**
 * @module retry_after
 * Reads how long an upstream asks us to wait, from `retry-after-ms` (OpenAI's
 * and Azure's millisecond header) or the standard `Retry-After`.
 */

import { MAX_RETRY_AFTER_MS } from "../engine/cooldown.ts";

const DECIMAL = /^(?:\d+\.?\d*|\.\d+)$/;
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = `(?<month>${MONTHS.join("|")})`;
const TIME = "(?<h>\\d{2}):(?<m>\\d{2}):(?<s>\\d{2})";
/** The three HTTP-date forms a recipient must accept (RFC 9110 §5.6.7). */
const IMF_FIXDATE = new RegExp(`^${DAY}, (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (?<day>\\d{2})-${MONTH}-(?<yy>\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`);

/**
 * Milliseconds the upstream asks us to wait, measured from `now`.
 *
 * `retry-after-ms` (a decimal number of milliseconds) wins when valid; else
 * `Retry-After` as delta-seconds or an HTTP-date, per RFC 9110 §10.2.3
 * (https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3). Delta-seconds may
 * carry a fraction, which some providers send. An HTTP-date in the past means
 * "now" (`0`). Negative or unparsable values are ignored. The result is capped
 * at 24 hours so a bogus header cannot park a backend for days.
 *
 * @returns The wait in ms, or `undefined` when neither header says anything usable.
 */
export function parseRetryAfterMs(headers: Headers, now: number): number | undefined {
  const ms = parseDecimal(headers.get("retry-after-ms"));
  if (ms !== undefined) return cap(ms);
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  const seconds = parseDecimal(value);
  if (seconds !== undefined) return cap(seconds * 1000);
  const date = parseHttpDate(value, now);
  return date === undefined ? undefined : cap(Math.max(0, date - now));
}

function cap(ms: number): number {
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** A non-negative decimal; `Number()` alone would accept "", "0x10" and "1e3". */
function parseDecimal(value: string | null): number | undefined {
  const text = value?.trim();
  if (!text || !DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * An HTTP-date as epoch ms (https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7).
 * Parsed by hand: `Date.parse` also accepts strings such as "1" or "May 5",
 * which are not dates here.
 */
function parseHttpDate(value: string, now: number): number | undefined {
  const groups = (IMF_FIXDATE.exec(value) ?? RFC850_DATE.exec(value) ??
    ASCTIME_DATE.exec(value))?.groups;
  if (!groups) return undefined;
  const year = groups.year !== undefined
    ? Number(groups.year)
    : twoDigitYear(Number(groups.yy), now);
  const month = MONTHS.indexOf(groups.month ?? "");
  const day = Number(groups.day);
  const [h, m, s] = [Number(groups.h), Number(groups.m), Number(groups.s)];
  if (h > 23 || m > 59 || s > 60) return undefined;
  const midnight = new Date(Date.UTC(year, month, day));
  // Date.UTC rolls "31 Feb" over into March; a real date survives the round trip.
  if (midnight.getUTCMonth() !== month || midnight.getUTCDate() !== day) return undefined;
  return midnight.getTime() + ((h * 60 + m) * 60 + s) * 1000;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that would lie more than 50 years in the
 * future is the most recent past year with those digits.
 */
function twoDigitYear(yy: number, now: number): number {
  const current = new Date(now).getUTCFullYear();
  const year = current - (current % 100) + yy;
  return year > current + 50 ? year - 100 : year;
}

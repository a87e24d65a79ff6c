/**
 * @module retry_after_test
 * Retry-After and retry-after-ms parsing at a fixed instant.
 */

import assert from "node:assert/strict";
import { parseRetryAfterMs } from "../../src/proxy/retry_after.ts";

/** Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date. */
const NOW = Date.UTC(1994, 10, 6, 8, 49, 37);
const DAY_MS = 86_400_000;

function parse(init: Record<string, string>, now = NOW): number | undefined {
  return parseRetryAfterMs(new Headers(init), now);
}

Deno.test("parseRetryAfterMs() reads delta-seconds", () => {
  const table: [string, number | undefined][] = [
    ["0", 0],
    ["1", 1_000],
    ["120", 120_000],
    [" 7 ", 7_000],
    ["1.5", 1_500],
    ["-1", undefined],
    ["", undefined],
    ["soon", undefined],
    ["1e3", undefined],
    ["0x10", undefined],
    ["Infinity", undefined],
  ];
  for (const [value, want] of table) assert.equal(parse({ "retry-after": value }), want, value);
});

Deno.test("parseRetryAfterMs() reads the three HTTP-date forms", () => {
  const table: [string, number | undefined][] = [
    ["Sun, 06 Nov 1994 08:49:37 GMT", 0],
    ["Sun, 06 Nov 1994 08:50:07 GMT", 30_000],
    ["Sunday, 06-Nov-94 08:51:37 GMT", 120_000],
    ["Sun Nov  6 08:49:47 1994", 10_000],
    ["Mon, 07 Nov 1994 08:49:37 GMT", DAY_MS],
  ];
  for (const [value, want] of table) assert.equal(parse({ "retry-after": value }), want, value);
});

Deno.test("parseRetryAfterMs() treats a past HTTP-date as 0", () => {
  assert.equal(parse({ "retry-after": "Sat, 05 Nov 1994 08:49:37 GMT" }), 0);
});

Deno.test("parseRetryAfterMs() rejects malformed or impossible dates", () => {
  for (
    const value of [
      "Sun, 31 Feb 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:49:37 PST",
      "06 Nov 1994 08:49:37 GMT",
      "Nov 6",
      "2024-01-01T00:00:00Z",
    ]
  ) assert.equal(parse({ "retry-after": value }), undefined, value);
});

Deno.test("parseRetryAfterMs() reads a two-digit rfc850 year as within 50 years", () => {
  const now = Date.UTC(2026, 0, 1);
  // "70" is 2070 (44 years ahead), not 1970.
  assert.equal(parse({ "retry-after": "Thursday, 01-Jan-70 00:00:00 GMT" }, now), DAY_MS);
  // "80" would be 2080, more than 50 years ahead, so it is 1980: in the past.
  assert.equal(parse({ "retry-after": "Tuesday, 01-Jan-80 00:00:00 GMT" }, now), 0);
  assert.equal(parse({ "retry-after": "Friday, 02-Jan-26 00:00:00 GMT" }, now), DAY_MS);
});

Deno.test("parseRetryAfterMs() lets retry-after-ms win over retry-after", () => {
  assert.equal(parse({ "retry-after-ms": "250.5", "retry-after": "10" }), 250.5);
  assert.equal(parse({ "retry-after-ms": "0" }), 0);
});

Deno.test("parseRetryAfterMs() falls back to retry-after when retry-after-ms is garbage", () => {
  assert.equal(parse({ "retry-after-ms": "-5", "retry-after": "3" }), 3_000);
  assert.equal(parse({ "retry-after-ms": "abc", "retry-after": "3" }), 3_000);
  assert.equal(parse({ "retry-after-ms": "abc" }), undefined);
});

Deno.test("parseRetryAfterMs() is undefined with neither header", () => {
  assert.equal(parse({}), undefined);
});

Deno.test("parseRetryAfterMs() caps waits at 24 hours", () => {
  assert.equal(parse({ "retry-after": "999999" }), DAY_MS);
  assert.equal(parse({ "retry-after-ms": "1e12" }), undefined);
  assert.equal(parse({ "retry-after-ms": "100000000000" }), DAY_MS);
  assert.equal(parse({ "retry-after": "Sun, 06 Nov 2094 08:49:37 GMT" }), DAY_MS);
});

/**
 * @module json_depth_test
 * The nesting-depth scan: brackets count outside strings only, escapes are
 * honoured, and a deep body is refused with a 400 naming the body.
 */
import assert from "node:assert/strict";
import { BadRequestError } from "../../src/errors.ts";
import { assertJsonDepth, MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/http/json_depth.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const nested = (n: number) => "[".repeat(n) + "]".repeat(n);

Deno.test("nestsDeeperThan() counts arrays and objects outside strings", () => {
  const cases: [string, number, boolean][] = [
    ["{}", 1, false],
    ["{}", 0, true],
    [nested(3), 3, false],
    [nested(4), 3, true],
    ['{"a":{"b":[1]}}', 3, false],
    ['{"a":{"b":[{}]}}', 3, true],
    ["[[],[],[],[]]", 2, false],
    [`{"s":"${nested(50)}"}`, 1, false],
    [`{"s":"\\"${nested(50)}"}`, 1, false],
    [`{"s":"\\\\"}${nested(5)}`, 1, true],
    ['"unterminated [[[[', 1, false],
  ];
  for (const [json, max, deeper] of cases) {
    assert.equal(nestsDeeperThan(bytes(json), max), deeper, `${json} at ${max}`);
  }
});

Deno.test("assertJsonDepth() refuses a body deeper than MAX_JSON_DEPTH with a 400 naming the body", () => {
  assertJsonDepth(bytes(nested(MAX_JSON_DEPTH)));
  assert.throws(
    () => assertJsonDepth(bytes(`{"messages":${nested(100_000)}}`)),
    (e) => e instanceof BadRequestError && e.status === 400 && /body/i.test(e.message),
  );
});

/**
 * @module log_test
 * The JSON-lines logger: threshold, fields, and the cut of long strings.
 */
import assert from "node:assert/strict";
import { createLogger, MAX_FIELD_CHARS } from "../src/log.ts";

Deno.test("createLogger() writes fields as one JSON line and drops levels below the threshold", () => {
  const lines: string[] = [];
  const log = createLogger("info", (l) => lines.push(l), () => 0);
  log.debug("hidden");
  log.info("shown", { n: 1, s: "x" });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), {
    ts: "1970-01-01T00:00:00.000Z",
    level: "info",
    msg: "shown",
    n: 1,
    s: "x",
  });
});

Deno.test("createLogger() cuts a long string field so no line grows with outside input", () => {
  const lines: string[] = [];
  const log = createLogger("debug", (l) => lines.push(l));
  log.warn("big", { path: "p".repeat(1024 * 1024) });
  const path: string = JSON.parse(lines[0]!).path;
  assert.equal(path.length, MAX_FIELD_CHARS + 1);
  assert.ok(path.endsWith("…"));
});

/**
 * @module log_test
 * The JSON-lines logger: threshold, fields, the cut of long strings, and
 * the default writer putting whole lines on a real process's stdout.
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

Deno.test("the default writer puts each line whole on stdout, however long, in order", async () => {
  const log = new URL("../src/log.ts", import.meta.url).href;
  // Lines longer than a pipe's buffer, so a write may be partial.
  const code = `
    import { createLogger } from "${log}";
    const l = createLogger("info");
    for (let i = 0; i < 3; i++) l.info("line", { i, a: "é".repeat(1000), b: "x".repeat(1000) });
    for (let i = 0; i < 40; i++) l.info("pad", { i, s: "y".repeat(1000), t: "z".repeat(1000) });
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const lines = new TextDecoder().decode(out.stdout).split("\n");
  assert.equal(lines.pop(), "", "the output ends with a newline");
  assert.equal(lines.length, 43);
  const parsed = lines.map((l) => JSON.parse(l));
  assert.deepEqual(parsed.slice(0, 3).map((p) => [p.msg, p.i, p.a.length]), [
    ["line", 0, 1000],
    ["line", 1, 1000],
    ["line", 2, 1000],
  ]);
  assert.deepEqual(parsed.slice(3).map((p) => p.i), [...Array(40).keys()]);
});

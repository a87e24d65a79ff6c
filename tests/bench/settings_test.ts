/** @module Tests of the benchmark's flag parsing. */
import assert from "node:assert/strict";
import { BASELINE_TARGET, parseFlags } from "../../bench/settings.ts";

Deno.test("parseFlags() --baseline measures the baseline checkout right after this tree's Sidecar", () => {
  const flags = parseFlags([
    "--quick",
    "--targets=passthrough,sidecar,portkey",
    "--baseline=/tmp/b",
  ]);
  assert.equal(flags.baseline, "/tmp/b");
  assert.deepEqual(flags.targets, ["passthrough", "sidecar", BASELINE_TARGET, "portkey"]);
});

Deno.test("parseFlags() without --baseline has no baseline target and refuses it by name", () => {
  const flags = parseFlags(["--quick"]);
  assert.equal(flags.baseline, undefined);
  assert.ok(!flags.targets.includes(BASELINE_TARGET));
  assert.throws(() => parseFlags([`--targets=${BASELINE_TARGET}`]), /Unknown target/);
});

Deno.test("parseFlags() refuses an empty --baseline", () => {
  assert.throws(() => parseFlags(["--baseline="]), /Unknown flag/);
});

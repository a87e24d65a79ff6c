/** @module Tests of the benchmark's flag parsing. */
import assert from "node:assert/strict";
import { BASELINE_TARGET, parseFlags, REDIS_PAIR } from "../../bench/settings.ts";

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

Deno.test("parseFlags() measures Redis mode beside in process by default, side by side", () => {
  for (const mode of [["--quick"], [], ["--smoke"]]) {
    const targets = parseFlags(mode).targets;
    const at = targets.indexOf(REDIS_PAIR.inProcess);
    assert.ok(at >= 0, `${mode}: ${targets}`);
    assert.equal(targets[at + 1], REDIS_PAIR.redis, `${mode}: ${targets}`);
  }
  assert.deepEqual(parseFlags([`--targets=sidecar,sidecar_redis`]).targets, [
    "sidecar",
    "sidecar_redis",
  ]);
});

Deno.test("parseFlags() runs the cluster limit when Redis mode is measured, unless told otherwise", () => {
  assert.equal(parseFlags(["--quick"]).cluster, true);
  assert.equal(parseFlags(["--quick", "--no-cluster"]).cluster, false);
  assert.equal(parseFlags(["--quick", "--targets=sidecar"]).cluster, false);
  assert.equal(parseFlags(["--quick", "--targets=sidecar", "--cluster"]).cluster, true);
  assert.equal(parseFlags(["--smoke", "--cluster"]).cluster, false);
});

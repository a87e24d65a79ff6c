/** @module Tests of the benchmark's flag parsing. */
import assert from "node:assert/strict";
import {
  ANTHROPIC_SET,
  BASELINE_TARGET,
  BODY,
  GOVERNED_PAIR,
  LABELS,
  MESSAGES_BODY,
  parseFlags,
  REDIS_PAIR,
} from "../../bench/settings.ts";

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

Deno.test("parseFlags() measures the governed key and the Anthropic configurations by default, and on their own", () => {
  const added = [GOVERNED_PAIR.governed, ANTHROPIC_SET.messages, ANTHROPIC_SET.translated];
  for (const mode of [["--quick"], [], ["--smoke"]]) {
    const targets = parseFlags(mode).targets;
    for (const id of [...added, "sidecar"]) assert.ok(targets.includes(id), `${mode}: ${id}`);
  }
  assert.deepEqual(parseFlags([`--quick`, `--targets=sidecar,${added.join(",")}`]).targets, [
    "sidecar",
    ...added,
  ]);
  for (const id of added) assert.ok(LABELS[id], id);
});

Deno.test("MESSAGES_BODY is BODY as a Messages request: the same model, message and max_tokens", () => {
  const chat = JSON.parse(BODY);
  const messages = JSON.parse(MESSAGES_BODY);
  assert.deepEqual(messages, {
    model: chat.model,
    max_tokens: chat.max_tokens,
    messages: chat.messages,
  });
});

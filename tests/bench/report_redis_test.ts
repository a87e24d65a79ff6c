/**
 * @module Tests of the Redis-mode part of the benchmark's report: the
 * checks against docs/cluster.md's targets (≥ 85% of in-process req/s,
 * ≤ 0.1 ms added p50 at one connection), the cluster limit's check, and
 * where they show (RESULTS.md table, headline, console summary), on
 * results built by hand.
 */
import assert from "node:assert/strict";
import { allowedByLimit, CLUSTER, type ClusterLimitResult } from "../../bench/cluster_limit.ts";
import { renderTables } from "../../bench/report.ts";
import { headline } from "../../bench/report_checks.ts";
import { clusterCheck, redisChecks, redisSummary, redisTable } from "../../bench/report_redis.ts";
import type { TargetResult } from "../../bench/results.ts";
import { run, target } from "./run_fixture.ts";

const IN_PROCESS = target("sidecar", { 1: [2000, 0.5], 32: [10000, 3], 50: [10000, 5] });

Deno.test("redisChecks() meets both targets: 90% and 86% of in-process req/s, +0.08 ms p50", () => {
  const redis = target("sidecar_redis", { 1: [1900, 0.58], 32: [9000, 3.2], 50: [8600, 5.5] });
  const checks = redisChecks(run([IN_PROCESS, redis]))!;
  assert.deepEqual(
    checks.map((c) => [c.what, c.met]),
    [["throughput, 32 conns", true], ["throughput, 50 conns", true], ["p50 added, 1 conn", true]],
  );
  assert.match(checks[0]!.measured, /^90% \(9,000 vs 10,000 req\/s\)$/);
  assert.match(checks[2]!.measured, /^\+0\.080 ms/);
});

Deno.test("redisChecks() fails 84% of in-process req/s and +0.11 ms p50; 1 conn req/s is not a throughput check", () => {
  // At one connection 50% of the req/s: the p50 check judges that level, not the throughput one.
  const redis = target("sidecar_redis", { 1: [1000, 0.61], 32: [8400, 3.5], 50: [9000, 5] });
  const checks = redisChecks(run([IN_PROCESS, redis]))!;
  assert.deepEqual(
    checks.map((c) => [c.what, c.met]),
    [["throughput, 32 conns", false], ["throughput, 50 conns", true], ["p50 added, 1 conn", false]],
  );
});

Deno.test("redisTable() is pending without the in-process pair or when Redis mode did not start", () => {
  const redis = target("sidecar_redis", { 1: [1900, 0.58], 32: [9000, 3.2] });
  assert.match(redisTable(run([redis])).join("\n"), /Pending: needs sidecar measured/);
  const skipped: TargetResult = {
    id: "sidecar_redis",
    label: "Sidecar, 1 backend, Redis mode",
    available: false,
    reason: "redis-server is not installed (Debian: apt-get install redis-server)\nmore",
  };
  const text = redisTable(run([IN_PROCESS, skipped])).join("\n");
  assert.match(text, /Pending: sidecar_redis not available in this run \(redis-server is not/);
  assert.ok(!text.includes("more"));
  assert.equal(redisSummary(run([IN_PROCESS, skipped])).length, 0);
  assert.deepEqual(redisTable(run([IN_PROCESS])), [], "no Redis mode in the run: no section");
});

Deno.test("allowedByLimit() is the bucket's capacity plus its rate over the window", () => {
  assert.equal(allowedByLimit(600, 10), 700);
  assert.equal(allowedByLimit(600, 0), 600);
});

function clusterResult(reachedUpstream: number): ClusterLimitResult {
  return {
    settings: CLUSTER,
    available: true,
    windowS: 10,
    reachedUpstream,
    okPerReplica: [240, 240, 240],
    refused: 5000,
    errors: 0,
  };
}

Deno.test("clusterCheck() holds at 105% of the allowance and fails above; per-replica limits fail", () => {
  // 600 rpm over 10 s: 700 allowed, 735 is 105%.
  assert.equal(clusterCheck(clusterResult(735))!.met, true);
  assert.equal(clusterCheck(clusterResult(736))!.met, false);
  // Three replicas each holding the whole limit: three times the allowance.
  const separate = clusterCheck(clusterResult(2100))!;
  assert.equal(separate.met, false);
  assert.match(
    separate.measured,
    /^300% \(2,100 reached the upstream of 700 allowed in 10\.0 s\)$/,
  );
  assert.equal(clusterCheck(undefined), undefined);
  assert.equal(clusterCheck({ settings: CLUSTER, available: false, reason: "x" }), undefined);
});

Deno.test("the report and the console show the Redis checks with pass or fail, the cluster's among them", () => {
  const redis = target("sidecar_redis", { 1: [1900, 0.58], 32: [8000, 3.2], 50: [8600, 5.5] });
  const r = run([IN_PROCESS, redis], clusterResult(710));
  const md = renderTables(r);
  assert.match(
    md,
    /\*\*Sidecar, 1 backend, Redis mode, against Sidecar, 1 backend in the same run\*\*/,
  );
  assert.match(md, /\| throughput, 32 conns \| ≥ 85% of in process \| 80% .* \| \*\*no\*\* \|/);
  assert.match(md, /\| p50 added, 1 conn \| ≤ 0.1 ms \| \+0\.080 ms .* \| yes \|/);
  assert.match(md, /\| rpm_limit 600 held by 3 replicas on one Redis \| .* \| 101% .* \| yes \|/);
  assert.match(md, /redis-server 7\.0\.15/);
  assert.match(
    headline(r),
    /Sidecar in Redis mode 80% of in-process req\/s at 32 connections, \+0\.080 ms p50/,
  );
  const lines = redisSummary(r);
  assert.equal(lines.length, 4);
  assert.match(
    lines[0]!,
    /^redis mode: throughput, 32 conns: 80% .*goal ≥ 85% of in process: FAIL$/,
  );
  assert.match(lines[3]!, /held by 3 replicas .*: pass$/);
});

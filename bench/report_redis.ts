/**
 * @module Redis mode against in process, checked against docs/cluster.md's
 * targets: Redis mode keeps at least 85% of in-process throughput and adds
 * at most 0.1 ms at the median at one connection. Both configurations are
 * measured in the same run, so the ratio is Redis mode's cost and not the
 * machine's drift. Also the cluster's rate limit, when it was measured.
 */

import { allowedByLimit, type ClusterLimitResult } from "./cluster_limit.ts";
import { byId, fmtInt, fmtMs, fmtPct, fmtSigned, level } from "./report_format.ts";
import type { RunResults } from "./results.ts";
import { REDIS_PAIR } from "./settings.ts";

/** The targets, as docs/cluster.md states them. */
export const REDIS_GOALS = {
  /** Redis mode's req/s as a share of in process's, percent, at every loaded level. */
  minThroughputPct: 85,
  /** Redis mode's p50 over in process's at one connection, ms. */
  maxAddedP50Ms: 0.1,
  /** What a cluster lets through as a share of what one bucket allows, percent. */
  maxClusterPct: 105,
};

/** One check of Redis mode. */
export interface RedisCheck {
  what: string;
  goal: string;
  measured: string;
  met: boolean;
}

/**
 * The checks of a run, or undefined when it did not measure both
 * configurations. Throughput is checked at every connection count above
 * one; at one connection req/s is the inverse of the latency, which the p50
 * check covers with its own, tighter target.
 */
export function redisChecks(r: RunResults): RedisCheck[] | undefined {
  const local = byId(r, REDIS_PAIR.inProcess);
  const redis = byId(r, REDIS_PAIR.redis);
  if (!local?.load || !redis?.load) return undefined;
  const checks: RedisCheck[] = [];
  const levels = Object.keys(redis.load).map(Number).sort((a, b) => a - b);
  for (const c of levels.filter((c) => c > 1)) {
    const a = level(local, c)?.median;
    const b = level(redis, c)?.median;
    if (!a || !b) continue;
    const pct = (100 * b.rps) / a.rps;
    checks.push({
      what: `throughput, ${c} conns`,
      goal: `≥ ${REDIS_GOALS.minThroughputPct}% of in process`,
      measured: `${fmtPct(pct)} (${fmtInt(b.rps)} vs ${fmtInt(a.rps)} req/s)`,
      met: pct >= REDIS_GOALS.minThroughputPct,
    });
  }
  const a1 = level(local, 1)?.median;
  const b1 = level(redis, 1)?.median;
  if (a1 && b1) {
    const added = b1.p50Ms - a1.p50Ms;
    checks.push({
      what: "p50 added, 1 conn",
      goal: `≤ ${REDIS_GOALS.maxAddedP50Ms} ms`,
      measured: `${fmtSigned(added)} ms (${fmtMs(b1.p50Ms)} vs ${fmtMs(a1.p50Ms)} ms)`,
      met: added <= REDIS_GOALS.maxAddedP50Ms,
    });
  }
  return checks;
}

/** The cluster limit's check, or undefined when it was not measured. */
export function clusterCheck(c: ClusterLimitResult | undefined): RedisCheck | undefined {
  if (!c?.available || c.reachedUpstream === undefined || c.windowS === undefined) return undefined;
  const allowed = allowedByLimit(c.settings.rpmLimit, c.windowS);
  const pct = (100 * c.reachedUpstream) / allowed;
  return {
    what: `rpm_limit ${
      fmtInt(c.settings.rpmLimit)
    } held by ${c.settings.replicas} replicas on one Redis`,
    goal: `≤ ${REDIS_GOALS.maxClusterPct}% of capacity + rate × time`,
    measured: `${fmtPct(pct)} (${fmtInt(c.reachedUpstream)} reached the upstream of ${
      fmtInt(allowed)
    } allowed in ${c.windowS.toFixed(1)} s)`,
    met: pct <= REDIS_GOALS.maxClusterPct,
  };
}

/** The Redis-mode targets table for RESULTS.md. */
export function redisTable(r: RunResults): string[] {
  const local = r.targets.find((t) => t.id === REDIS_PAIR.inProcess);
  const redis = r.targets.find((t) => t.id === REDIS_PAIR.redis);
  if (!redis) return [];
  const out = [`**${redis.label}, against ${local?.label ?? "in process"} in the same run**`, ""];
  const checks = redisChecks(r);
  if (!checks) {
    const why = !redis.available
      ? `${redis.id} not available in this run (${(redis.reason ?? "").split("\n")[0]})`
      : `needs ${REDIS_PAIR.inProcess} measured in the same run`;
    return [...out, `Pending: ${why}.`, ""];
  }
  const cluster = clusterCheck(r.cluster);
  out.push("| target | goal | measured | met |", "| --- | --- | --- | :---: |");
  for (const c of cluster ? [...checks, cluster] : checks) {
    out.push(`| ${c.what} | ${c.goal} | ${c.measured} | ${c.met ? "yes" : "**no**"} |`);
  }
  out.push("");
  if (r.cluster && !r.cluster.available) {
    out.push(`Cluster limit not measured: ${(r.cluster.reason ?? "").split("\n")[0]}.`, "");
  } else if (r.cluster?.available) {
    const c = r.cluster;
    out.push(
      `Cluster limit: ${c.settings.replicas} Sidecars on one redis-server, the same backend ` +
        `(\`rpm_limit\` ${fmtInt(c.settings.rpmLimit)}, so a bucket of that capacity refilling ` +
        `${c.settings.rpmLimit / 60}/s) driven by ${c.settings.concurrency} request loops each ` +
        `for ${c.settings.durationS} s; answered 200 per replica: ${
          (c.okPerReplica ?? []).map(fmtInt).join(", ")
        }; refused for the limit: ${fmtInt(c.refused)}; other failures: ${fmtInt(c.errors)}. ` +
        `Replicas that each held the whole limit would let through ${c.settings.replicas}× the allowance.`,
      "",
    );
  }
  return out;
}

/** The headline's clause on Redis mode, or undefined when the pair was not measured. */
export function redisHeadline(r: RunResults): string | undefined {
  const local = byId(r, REDIS_PAIR.inProcess);
  const redis = byId(r, REDIS_PAIR.redis);
  const a32 = level(local, 32)?.median;
  const b32 = level(redis, 32)?.median;
  if (!a32 || !b32) return undefined;
  const a1 = level(local, 1)?.median;
  const b1 = level(redis, 1)?.median;
  return `Sidecar in Redis mode ${fmtPct((100 * b32.rps) / a32.rps)} of in-process req/s at 32 ` +
    `connections` +
    (a1 && b1 ? `, ${fmtSigned(b1.p50Ms - a1.p50Ms)} ms p50 at 1 connection` : "");
}

/** Console lines for the run's summary: each check with pass or FAIL; none when not measured. */
export function redisSummary(r: RunResults): string[] {
  const checks = redisChecks(r);
  if (!checks) return [];
  const cluster = clusterCheck(r.cluster);
  return (cluster ? [...checks, cluster] : checks).map((c) =>
    `redis mode: ${c.what}: ${c.measured}, goal ${c.goal}: ${c.met ? "pass" : "FAIL"}`
  );
}

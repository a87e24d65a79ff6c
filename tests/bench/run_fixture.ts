/** @module Benchmark results built by hand, for the report's tests. */
import type { ClusterLimitResult } from "../../bench/cluster_limit.ts";
import type { LoadLevel, RunResults, TargetResult } from "../../bench/results.ts";
import { MODES } from "../../bench/settings.ts";

function loadLevel(connections: number, rps: number, p50Ms: number): LoadLevel {
  return {
    connections,
    runs: [],
    median: {
      rps,
      p50Ms,
      p99Ms: p50Ms * 3,
      meanMs: p50Ms,
      foreignCpuPct: 0,
      cpuUsPerRequest: 100,
    },
    best: { rps, p50Ms, p99Ms: p50Ms * 3, cpuUsPerRequest: 100 },
    failed: 0,
  };
}

/** A measured target: `figures` maps a connection count to [req/s, p50 ms]. */
export function target(id: string, figures: Record<number, [number, number]>): TargetResult {
  return {
    id,
    label: id === "sidecar_redis" ? "Sidecar, 1 backend, Redis mode" : "Sidecar, 1 backend",
    available: true,
    load: Object.fromEntries(
      Object.entries(figures).map(([c, [rps, p50]]) => [c, loadLevel(Number(c), rps, p50)]),
    ),
  };
}

export function run(targets: TargetResult[], cluster?: ClusterLimitResult): RunResults {
  return {
    version: 1,
    mode: "quick",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:04:00.000Z",
    command: "deno task bench --quick",
    machine: {
      cpu: "test",
      cores: 2,
      memoryGiB: 4,
      kernel: "6",
      deno: "2",
      node: null,
      nginx: null,
      wrk: null,
      portkey: null,
      honoNodeServer: null,
      redis: "7.0.15",
      loadAverageAtStart: "0 0 0",
    },
    settings: MODES.quick,
    wrkScript: "",
    targets,
    clients: [],
    ...(cluster && { cluster }),
  };
}

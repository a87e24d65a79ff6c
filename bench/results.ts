/** @module The shape of a benchmark run's raw results (bench/results/*.json). */

import type { ClusterLimitResult } from "./cluster_limit.ts";
import type { CpuUse } from "./cpu.ts";
import type { FetchLoadResult } from "./fetch_load.ts";
import type { KeyAudit } from "./key_audit.ts";
import type { SoakResult } from "./soak.ts";
import type { ConcurrentResult, GapResult, TtfbResult } from "./stream_probe.ts";
import type { WrkResult } from "./wrk.ts";

/** One wrk run plus the CPU accounting of its window. */
export interface LoadRun extends WrkResult, CpuUse {
  /** CPU the configuration's own processes spent per request, µs (the mock's for direct). */
  cpuUsPerRequest: number;
  /** CPU of the configuration's busiest thread per request, µs. */
  busiestThreadUsPerRequest: number;
  /** How busy that thread was over the run, percent of one core. */
  busiestThreadPct: number;
  /** How many times the run was repeated because the machine was busy with other work. */
  repeats: number;
}

/** Several runs at one connection count, and their medians. */
export interface LoadLevel {
  connections: number;
  runs: LoadRun[];
  median: {
    rps: number;
    p50Ms: number;
    p99Ms: number;
    /** wrk's p99.9 (absent in results recorded before it was reported). */
    p999Ms?: number;
    /** Over the requests themselves, wrk's correction undone (latency_dist.ts). */
    requestP99Ms?: number;
    requestP999Ms?: number;
    meanMs: number;
    foreignCpuPct: number;
    cpuUsPerRequest: number;
    /** Absent in results recorded before it was measured. */
    busiestThreadUsPerRequest?: number;
    busiestThreadPct?: number;
  };
  /** The best of the runs, figure by figure: noise from a shared machine only ever slows a run. */
  best: { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number };
  /** Requests that failed over all runs (socket errors, non-2xx, timeouts). */
  failed: number;
}

/** Everything measured on one target. */
export interface TargetResult {
  id: string;
  label: string;
  available: boolean;
  /** Why the target could not be measured. */
  reason?: string;
  /** The command line that started it. */
  command?: string;
  /** RSS right after start and configuration, MB. */
  startRssMb?: number;
  smoke?: FetchLoadResult;
  load?: Record<string, LoadLevel>;
  ttfb?: TtfbResult;
  gaps?: GapResult;
  concurrent?: ConcurrentResult;
  soak?: SoakResult;
  /** The governed key as Sidecar's records have it after the load (`sidecar_governed`). */
  keyAudit?: KeyAudit;
  /** For a passthrough variant of the client study: what it isolates. */
  about?: string;
}

/** The machine the run was made on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  deno: string;
  node: string | null;
  nginx: string | null;
  wrk: string | null;
  portkey: string | null;
  honoNodeServer: string | null;
  /** redis-server's version; absent in results recorded before Redis mode was measured. */
  redis?: string | null;
  loadAverageAtStart: string;
  /** The deno binary, so recorded command lines can say `deno`. */
  denoPath?: string;
}

/** Durations and sizes a mode uses. */
export interface ModeSettings {
  warmupS: number;
  runs: number;
  durationS: number;
  connections: number[];
  ttfbStreams: number;
  gap: { streams: number; chunks: number; delayMs: number };
  concurrent: { count: number; chunks: number; delayMs: number };
  soakS: number;
  soakConnections: number;
  clients: boolean;
  smoke: { requests: number; streams: number; concurrency: number };
}

/** One benchmark run. */
export interface RunResults {
  version: 1;
  mode: "smoke" | "quick" | "full";
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: MachineInfo;
  settings: ModeSettings;
  /** The Lua script wrk ran (one target's headers), for the record. */
  wrkScript: string;
  targets: TargetResult[];
  /** The upstream-client study: passthrough variants side by side. */
  clients: TargetResult[];
  /** The cluster's rate limit with several Sidecars on one Redis, when measured. */
  cluster?: ClusterLimitResult;
}

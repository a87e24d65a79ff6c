/**
 * @module The load phase: wrk over every configuration in turn, a few
 * rounds per connection count, with the CPU accounting of each run.
 */

import { cpuWindow } from "./cpu.ts";
import type { LoadLevel, LoadRun, ModeSettings } from "./results.ts";
import { BODY } from "./settings.ts";
import { median } from "./stats.ts";
import type { Target } from "./target.ts";
import { runWrk, wrkFailures } from "./wrk.ts";

/** Other processes' share of the machine above which a load run is repeated. */
const NOISY_PCT = 25;
/** Repeats per run at most. */
const NOISY_RETRIES = 2;
/** Repeats in all at most, as a share of the planned runs. */
const NOISY_BUDGET = 0.25;

function summarise(c: number, list: LoadRun[]): LoadLevel {
  const med = (f: (x: LoadRun) => number) => median(list.map(f));
  // Runs whose histogram was too wide to list have no per-request figures.
  const medKnown = (f: (x: LoadRun) => number | undefined) =>
    median(list.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  return {
    connections: c,
    runs: list,
    median: {
      rps: med((x) => x.rps),
      p50Ms: med((x) => x.latencyMs.p50),
      p99Ms: med((x) => x.latencyMs.p99),
      p999Ms: med((x) => x.latencyMs.p999),
      requestP99Ms: medKnown((x) => x.requestLatencyMs?.p99),
      requestP999Ms: medKnown((x) => x.requestLatencyMs?.p999),
      meanMs: med((x) => x.latencyMs.mean),
      foreignCpuPct: med((x) => x.foreignCpuPct),
      cpuUsPerRequest: med((x) => x.cpuUsPerRequest),
      busiestThreadUsPerRequest: med((x) => x.busiestThreadUsPerRequest),
      busiestThreadPct: med((x) => x.busiestThreadPct),
    },
    best: {
      rps: Math.max(...list.map((x) => x.rps)),
      p50Ms: Math.min(...list.map((x) => x.latencyMs.p50)),
      p99Ms: Math.min(...list.map((x) => x.latencyMs.p99)),
      cpuUsPerRequest: Math.min(...list.map((x) => x.cpuUsPerRequest)),
    },
    failed: list.reduce((n, x) => n + wrkFailures(x), 0),
  };
}

/**
 * Runs wrk over every target in turn, `runs` rounds per connection count,
 * the order rotated each round, after one uncounted warm-up run each.
 * Returns per target the figures keyed by connection count.
 */
export async function measureLoad(
  targets: Target[],
  mockPid: number,
  s: Pick<ModeSettings, "warmupS" | "runs" | "durationS">,
  levels: number[],
  log: (msg: string) => void,
): Promise<Map<string, Record<string, LoadLevel>>> {
  const out = new Map<string, Record<string, LoadLevel>>(targets.map((t) => [t.id, {}]));
  // One connection's per-request histograms are kept: the tail histogram of RESULTS.md.
  const wrk = (t: Target, connections: number, durationS: number, warmup = false) =>
    runWrk({
      url: t.url,
      headers: t.headers,
      body: t.body ?? BODY,
      connections,
      durationS,
      keepDistribution: connections === 1,
      listDistribution: !warmup,
    });
  // A busy machine (other sessions' test suites) may repeat runs, but never double the time.
  let repeatsLeft = Math.ceil(NOISY_BUDGET * levels.length * s.runs * targets.length);

  const measured = async (t: Target, c: number): Promise<LoadRun> => {
    for (let attempt = 0;; attempt++) {
      const window = await cpuWindow([t.pid, ...(t.companionPids ?? [])], [mockPid]);
      const res = await wrk(t, c, s.durationS);
      const cpu = await window.end(res.cpuTicks);
      const requests = Math.max(1, res.requests);
      const run = {
        ...res,
        ...cpu,
        cpuUsPerRequest: (1000 * cpu.targetCpuMs) / requests,
        busiestThreadUsPerRequest: (1000 * cpu.busiestThreadCpuMs) / requests,
        busiestThreadPct: (100 * cpu.busiestThreadCpuMs) / (1000 * res.durationS),
        repeats: attempt,
      };
      const noisy = run.foreignCpuPct > NOISY_PCT;
      if (!noisy || attempt >= NOISY_RETRIES || repeatsLeft <= 0) return run;
      repeatsLeft--;
    }
  };

  for (const c of levels) {
    const runs = new Map<string, LoadRun[]>(targets.map((t) => [t.id, []]));
    for (const t of targets) {
      if (s.warmupS > 0) await wrk(t, c, s.warmupS, true);
    }
    // Rounds over all targets, so that noise from the machine falls on all of them alike.
    for (let r = 0; r < s.runs; r++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + r) % targets.length]!;
        const run = await measured(t, c);
        runs.get(t.id)!.push(run);
        log(
          `${t.id} c=${c} run ${r + 1}/${s.runs}: ${Math.round(run.rps)} req/s, ` +
            `p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, ` +
            `failed ${wrkFailures(run)}, other CPU ${run.foreignCpuPct.toFixed(0)}%` +
            (run.repeats ? `, repeated ${run.repeats}×` : ""),
        );
      }
    }
    for (const t of targets) out.get(t.id)![String(c)] = summarise(c, runs.get(t.id)!);
  }
  return out;
}

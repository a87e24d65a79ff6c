/**
 * @module CPU accounting for a measurement window: how much of the two
 * cores went to processes outside the benchmark. On a shared machine that
 * is the noise figure every result should be read with.
 */

import { processTree, readProc, threadStats } from "./procfs.ts";

const TICKS = 100; // USER_HZ on Linux

function machineTicks(stat: string | undefined): { busy: number; total: number } {
  // user nice system idle iowait irq softirq steal: only process time (user, nice, system)
  // counts as busy, because interrupt time is mostly the benchmark's own loopback traffic.
  const f = (stat ?? "").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy, total };
}

/** utime + stime of one process from its /proc/PID/stat line, in ticks. */
function processTicks(stat: string | undefined): number {
  if (!stat) return 0;
  // Fields after the command name, which may itself contain spaces.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

interface Snapshot {
  busy: number;
  total: number;
  /** The benchmark's processes: this one, the target's tree and the others given. */
  ours: number;
  /** The targets' process trees alone. */
  target: number;
  /** Each thread of the targets' trees (`PID/TID`). */
  threads: Map<string, number>;
}

/** Machine and benchmark CPU ticks at one instant. */
async function snapshot(targets: number[], others: number[]): Promise<Snapshot> {
  const targetTree = [...new Set((await Promise.all(targets.map(processTree))).flat())];
  const otherTree = [Deno.pid];
  for (const pid of others) {
    for (const p of await processTree(pid)) if (!targetTree.includes(p)) otherTree.push(p);
  }
  const path = (p: number) => `/proc/${p}/stat`;
  const [files, threads] = await Promise.all([
    readProc(["/proc/stat", ...targetTree.map(path), ...otherTree.map(path)]),
    threadStats(targetTree),
  ]);
  const sum = (pids: number[]) => pids.reduce((n, p) => n + processTicks(files.get(path(p))), 0);
  const targetTicks = sum(targetTree);
  return {
    ...machineTicks(files.get("/proc/stat")),
    ours: targetTicks + sum(otherTree),
    target: targetTicks,
    threads: new Map([...threads].map(([id, stat]) => [id, processTicks(stat)])),
  };
}

/** What a CPU window measured. */
export interface CpuUse {
  /** Share of both cores used by the benchmark's own processes, percent. */
  benchCpuPct: number;
  /** Share of both cores used by anything else on the machine, percent. */
  foreignCpuPct: number;
  /** CPU the targets' process trees used, in ms. */
  targetCpuMs: number;
  /**
   * CPU of the target's busiest thread, in ms. A Deno or Node server runs
   * its JavaScript, its HTTP server and its fetch client on one thread, so
   * when that thread is saturated it alone bounds the throughput, however
   * idle the rest of the machine is.
   */
  busiestThreadCpuMs: number;
}

/** A started CPU window over the given long-lived benchmark processes. */
export interface CpuWindow {
  /** Ends the window; `extraTicks` is CPU of benchmark processes that have exited (wrk). */
  end(extraTicks?: number): Promise<CpuUse>;
}

/**
 * Starts measuring CPU use of the machine, of the `targets` process trees
 * (a configuration's processes) and of the benchmark's other processes
 * (`others` with descendants, and this one).
 */
export async function cpuWindow(targets: number[], others: number[]): Promise<CpuWindow> {
  const start = await snapshot(targets, others);
  return {
    async end(extraTicks = 0) {
      const now = await snapshot(targets, others);
      const ours = now.ours - start.ours + extraTicks;
      const total = Math.max(1, now.total - start.total);
      const busy = now.busy - start.busy;
      return {
        benchCpuPct: (100 * ours) / total,
        foreignCpuPct: Math.max(0, (100 * (busy - ours)) / total),
        targetCpuMs: ((now.target - start.target) * 1000) / TICKS,
        busiestThreadCpuMs: (busiest(start.threads, now.threads) * 1000) / TICKS,
      };
    },
  };
}

/** The most ticks any one thread spent between two snapshots. */
function busiest(before: Map<string, number>, after: Map<string, number>): number {
  let most = 0;
  for (const [id, ticks] of after) most = Math.max(most, ticks - (before.get(id) ?? 0));
  return most;
}

/** Converts `times` output (bash builtin, second line: children's user and system time) to ticks. */
export function parseBashTimes(output: string): number {
  const lines = output.trim().split("\n").filter((l) => /\d+m[\d.]+s/.test(l));
  const children = lines.at(-1);
  if (!children) return 0;
  let seconds = 0;
  for (const m of children.matchAll(/(\d+)m([\d.]+)s/g)) {
    seconds += Number(m[1]) * 60 + Number(m[2]);
  }
  return Math.round(seconds * TICKS);
}

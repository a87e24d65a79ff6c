/** @module What the run was made on: processor, memory, kernel, tool versions. */

import { installedVersions } from "./portkey.ts";
import { readProc } from "./procfs.ts";
import { findRedisServer } from "./redis_server.ts";
import type { MachineInfo } from "./results.ts";

async function firstLine(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) +
      new TextDecoder().decode(out.stderr);
    return text.split("\n").find((l) => l.trim())?.trim() ?? null;
  } catch {
    return null;
  }
}

/** `7.0.15` from `Redis server v=7.0.15 sha=…`, or null when there is no redis-server. */
async function redisVersion(): Promise<string | null> {
  const bin = findRedisServer();
  const line = bin ? await firstLine(bin, ["--version"]) : null;
  return line ? (/v=(\S+)/.exec(line)?.[1] ?? line) : null;
}

/** Collects the machine description for the results file. */
export async function describeMachine(): Promise<MachineInfo> {
  const proc = await readProc(["/proc/cpuinfo", "/proc/loadavg"]);
  const cpuinfo = proc.get("/proc/cpuinfo") ?? "";
  const portkey = await installedVersions();
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    denoPath: Deno.execPath(),
    node: await firstLine("node", ["--version"]),
    nginx: (await firstLine("nginx", ["-v"]))?.replace(/^nginx version:\s*/, "") ??
      null,
    wrk: (await firstLine("wrk", ["--version"]))?.split(" Copyright")[0] ??
      null,
    portkey: portkey.gateway,
    honoNodeServer: portkey.nodeServer,
    redis: await redisVersion(),
    loadAverageAtStart: (proc.get("/proc/loadavg") ?? "").split(" ").slice(0, 3)
      .join(" "),
  };
}

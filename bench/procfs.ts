/**
 * @module Reads Linux /proc through `grep`, because Deno refuses direct
 * reads of /proc to a program that may also run subprocesses unless it has
 * every permission, and `deno task bench` asks for no more than it needs.
 */

/** Reads several /proc files in one subprocess; missing files are left out. */
export async function readProc(paths: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (paths.length === 0) return found;
  const out = await new Deno.Command("grep", {
    args: ["-H", "-s", "", ...paths],
    stdout: "piped",
    stderr: "null",
  }).output();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const path = paths.find((p) => line.startsWith(`${p}:`));
    if (!path) continue;
    const rest = line.slice(path.length + 1);
    found.set(path, found.has(path) ? `${found.get(path)}\n${rest}` : rest);
  }
  return found;
}

/** The `stat` line of every thread of `pids`, keyed by `PID/TID`; exited ones are left out. */
export async function threadStats(pids: number[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (pids.length === 0) return found;
  // The shell expands the task globs; grep prints each file with its path.
  const globs = pids.map((p) => `/proc/${p}/task/*/stat`).join(" ");
  const out = await new Deno.Command("sh", {
    args: ["-c", `grep -H -s '' ${globs}`],
    stdout: "piped",
    stderr: "null",
  }).output();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = /^\/proc\/(\d+)\/task\/(\d+)\/stat:(.*)$/.exec(line);
    if (m) found.set(`${m[1]}/${m[2]}`, m[3]!);
  }
  return found;
}

/** Process ids of `pid` and all its descendants. */
export async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length && i < 256; i++) {
    const p = out[i]!;
    const path = `/proc/${p}/task/${p}/children`;
    const children = (await readProc([path])).get(path)?.trim();
    if (children) out.push(...children.split(/\s+/).map(Number));
  }
  return out;
}

function statusKb(status: string | undefined, field: string): number {
  const m = status ? new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status) : null;
  return m ? Number(m[1]) * 1024 : 0;
}

/** Resident and peak resident set size in bytes, summed over `pids`. */
export async function rssOf(
  pids: number[],
): Promise<{ rss: number; peak: number }> {
  const paths = pids.map((p) => `/proc/${p}/status`);
  const files = await readProc(paths);
  let rss = 0;
  let peak = 0;
  for (const path of paths) {
    rss += statusKb(files.get(path), "VmRSS");
    peak += statusKb(files.get(path), "VmHWM");
  }
  return { rss, peak };
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) of `pids`, so that a later
 * {@link rssOf} gives the exact peak of a window. Returns false when not
 * permitted (then only sampling tells the peak).
 */
export async function resetPeakRss(pids: number[]): Promise<boolean> {
  const script = pids.map((p) => `echo 5 > /proc/${p}/clear_refs`).join(" && ");
  const out = await new Deno.Command("sh", {
    args: ["-c", script],
    stdout: "null",
    stderr: "null",
  })
    .output();
  return out.code === 0;
}

/**
 * @module Load from `wrk` (Debian): one POST body per target, a Lua `done()`
 * hook that prints the figures as one JSON line, bounded duration.
 */

import { parseBashTimes } from "./cpu.ts";

/** One wrk run's figures. Latencies are milliseconds. */
export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  errors: {
    connect: number;
    read: number;
    write: number;
    status: number;
    timeout: number;
  };
  latencyMs: {
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
  };
  /** CPU wrk itself used, in clock ticks (1/100 s). */
  cpuTicks: number;
}

/** Options of {@link runWrk}. */
export interface WrkOptions {
  /** Full URL of the chat completions endpoint. */
  url: string;
  headers: Record<string, string>;
  /** JSON body of every request. */
  body: string;
  /** When set, every `streamEvery`-th request sends this body instead (a mixed load). */
  streamBody?: string;
  streamEvery?: number;
  connections: number;
  durationS: number;
  /** Per-request timeout. @default 5 */
  timeoutS?: number;
  /** wrk threads; one keeps the load generator to one of the two cores. @default 1 */
  threads?: number;
}

/** True when `wrk` can be run here. */
export async function wrkAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("wrk", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.code === 0 || out.code === 1;
  } catch {
    return false;
  }
}

function luaString(s: string): string {
  let level = "";
  while (s.includes(`]${level}]`)) level += "=";
  return `[${level}[${s}]${level}]`;
}

/** The Lua script wrk runs for `o` (exported for the results record). */
export function luaScript(o: WrkOptions): string {
  const headerLines = Object.entries({
    "Content-Type": "application/json",
    ...o.headers,
  })
    .map(([k, v]) => `wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`)
    .join("\n");
  const mixed = o.streamBody && o.streamEvery
    ? `
local plain, streamed, n = nil, nil, 0
init = function(args)
  plain = wrk.format(nil, nil, nil, ${luaString(o.body)})
  streamed = wrk.format(nil, nil, nil, ${luaString(o.streamBody)})
end
request = function()
  n = n + 1
  if n % ${o.streamEvery} == 0 then return streamed end
  return plain
end`
    : "";
  return `wrk.method = "POST"
wrk.body = ${luaString(o.body)}
${headerLines}
${mixed}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.2f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
`;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  errors: WrkResult["errors"];
  latency_us: {
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
  };
}

/** Runs wrk once and returns its figures; throws when wrk fails or prints no figures. */
export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-bench-wrk-" });
  try {
    const script = `${dir}/post.lua`;
    await Deno.writeTextFile(script, luaScript(o));
    const wrkArgs = [
      `-t${o.threads ?? 1}`,
      `-c${o.connections}`,
      `-d${o.durationS}s`,
      `--timeout`,
      `${o.timeoutS ?? 5}s`,
      "-s",
      script,
      o.url,
    ];
    // bash's `times` reports the CPU wrk used, for the noise accounting in cpu.ts.
    const out = await new Deno.Command("bash", {
      args: ["-c", 'wrk "$@"; rc=$?; times >&2; exit $rc', "wrk", ...wrkArgs],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout((o.durationS + 60) * 1000),
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    const line = stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
    if (!line) {
      throw new Error(
        `wrk printed no figures (exit ${out.code}): ${stdout}${stderr}`,
      );
    }
    const j = JSON.parse(line.slice("WRK_JSON ".length)) as WrkJson;
    const ms = (us: number) => us / 1000;
    return {
      requests: j.requests,
      durationS: j.duration_us / 1e6,
      rps: j.requests / (j.duration_us / 1e6),
      errors: j.errors,
      latencyMs: {
        mean: ms(j.latency_us.mean),
        p50: ms(j.latency_us.p50),
        p90: ms(j.latency_us.p90),
        p99: ms(j.latency_us.p99),
        p999: ms(j.latency_us.p999),
        max: ms(j.latency_us.max),
      },
      cpuTicks: parseBashTimes(stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Total failed requests of a run (socket errors, non-2xx/3xx answers, timeouts). */
export function wrkFailures(r: WrkResult): number {
  const e = r.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

/**
 * @module Load from `wrk` (Debian): one POST body per target, a Lua `done()`
 * hook that prints the figures as one JSON line and the whole latency
 * histogram (latency_dist.ts), bounded duration; optionally every request's
 * send time and latency to a file (the tail study).
 */

import { parseBashTimes } from "./cpu.ts";
import {
  distPercentile,
  type Distribution,
  parseDistribution,
  uncorrect,
  wrkInterval,
} from "./latency_dist.ts";

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
  /**
   * wrk's own percentiles, after its coordinated-omission correction
   * (latency_dist.ts): a stall counts once per mean interval it lasted.
   */
  latencyMs: {
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
  };
  /**
   * Percentiles over the requests themselves (the correction undone); absent
   * when wrk's histogram was too wide to list (see {@link luaScript}).
   */
  requestLatencyMs?: { p50: number; p99: number; p999: number; max: number };
  /** The per-request histogram (µs), when asked for ({@link WrkOptions.keepDistribution}). */
  distribution?: Distribution;
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
  /** Keep the per-request histogram in the result (the tail histogram's input). */
  keepDistribution?: boolean;
  /** List the histogram at all (per-request percentiles); warm-up runs need not. @default true */
  listDistribution?: boolean;
  /**
   * Write each request's send time (µs since the epoch, CLOCK_REALTIME) and
   * latency (µs) to this file, one `<sent> <latency> <status>` line each: the
   * tail study aligns them with Sidecar's own phase marks. Costs wrk a Lua
   * call per request, so load runs leave it off.
   */
  recordTo?: string;
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

/**
 * Widest histogram `done()` lists (distinct values × range in µs): wrk's
 * lookup of the i-th bucket scans from the fastest, so listing costs their
 * product, about a second at this bound. A wider one (a stall of a tenth of
 * a second at 32 connections, on a busy machine) gets no per-request figures.
 */
const LIST_LIMIT = 1_000_000_000;

/** A microsecond wall clock for the Lua side (wrk's LuaJIT has `ffi`). */
const LUA_CLOCK = `local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(0, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end`;

/** The Lua script wrk runs for `o` (exported for the results record). */
export function luaScript(o: WrkOptions): string {
  const headerLines = Object.entries({
    "Content-Type": "application/json",
    ...o.headers,
  })
    .map(([k, v]) => `wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`)
    .join("\n");
  const mixed = !!(o.streamBody && o.streamEvery);
  const record = o.recordTo !== undefined;
  const lines = [`wrk.method = "POST"`, `wrk.body = ${luaString(o.body)}`, headerLines];
  if (record) lines.push(LUA_CLOCK);
  if (mixed || record) {
    lines.push(
      `local plain, streamed, n, sent, out = nil, nil, 0, 0, nil`,
      `init = function(args)`,
      `  plain = wrk.format(nil, nil, nil, ${luaString(o.body)})`,
      ...(mixed ? [`  streamed = wrk.format(nil, nil, nil, ${luaString(o.streamBody!)})`] : []),
      ...(record ? [`  out = assert(io.open(${luaString(o.recordTo!)}, "w"))`] : []),
      `end`,
      `request = function()`,
      ...(record ? [`  sent = now_us()`] : []),
      ...(mixed ? [`  n = n + 1`, `  if n % ${o.streamEvery} == 0 then return streamed end`] : []),
      `  return plain`,
      `end`,
    );
  }
  if (record) {
    lines.push(
      `response = function(status, headers, body)`,
      `  out:write(string.format("%.1f %.1f %d\\n", sent, now_us() - sent, status))`,
      `end`,
    );
  }
  return `${lines.join("\n")}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.2f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
  local n = ${o.listDistribution === false ? 0 : "#latency"}
  if n > 0 and n * (latency.max - latency.min + 1) <= ${LIST_LIMIT} then
    local buckets = {}
    for i = 1, n do
      local v, c = latency(i)
      buckets[i] = string.format("%d:%d", v, c)
    end
    io.write("WRK_DIST " .. table.concat(buckets, ",") .. "\\n")
  end
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
  if (o.recordTo !== undefined && (o.connections !== 1 || (o.threads ?? 1) !== 1)) {
    // The Lua side keeps one send time: one request in flight at a time.
    throw new Error("recordTo needs one connection on one thread");
  }
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
    const listed = stdout.split("\n").find((l) => l.startsWith("WRK_DIST "));
    const perRequest = listed &&
      uncorrect(
        parseDistribution(listed.slice("WRK_DIST ".length)),
        wrkInterval(j.duration_us, j.requests, o.connections),
      );
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
      ...(perRequest && {
        requestLatencyMs: {
          p50: ms(distPercentile(perRequest, 50)),
          p99: ms(distPercentile(perRequest, 99)),
          p999: ms(distPercentile(perRequest, 99.9)),
          max: ms(perRequest[perRequest.length - 1]?.[0] ?? NaN),
        },
      }),
      ...(perRequest && o.keepDistribution && { distribution: perRequest }),
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

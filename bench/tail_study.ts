/**
 * @module The tail study: what Sidecar's slowest requests at one connection
 * are made of, against the bare passthrough's and the mock's own.
 *
 * Each variant runs in a fresh process with V8's GC trace
 * (`--trace-gc`, and `--expose-gc` for the clock anchor of
 * src/phase_trace.ts), Sidecar with SIDECAR_TRACE_PHASES (its phase marks)
 * and through tail_suspects.ts (suspects switched off by BENCH_TAIL_OFF).
 * The mock is the study's own, traced the same way, so its pauses can be
 * told from Sidecar's. wrk drives one connection and records every
 * request's send time and latency (wrk.ts `recordTo`); tail_analysis.ts
 * matches them with the marks and reads the slowest 1% against the rest.
 * Variants go round-robin over `--rounds`, so the machine's noise falls on
 * all of them alike.
 *
 * Run: `deno run -A bench/tail_study.ts [--seconds=10] [--rounds=2]
 * [--variants=sidecar,passthrough,writer-off,…] [--connections=1]
 * [--baseline=DIR] [--checkout=NAME=DIR …] [--log-level=info]`
 * (`--list` names the variants; a checkout, `git worktree add DIR <rev>`,
 * is a variant of its own name, `baseline` for `--baseline`, running that
 * tree's main.ts). Output: bench/results/tail-study-<time>.json and a
 * summary on stdout. `--connections=32` runs plain wrk (no per-request
 * record, no phase split: requests overlap) for the p99 of each variant.
 */

import { type Child, spawnChild } from "./child.ts";
import { distPercentile } from "./latency_dist.ts";
import { startSidecar } from "./sidecar.ts";
import {
  backgroundSpans,
  type GcEvent,
  matchRequests,
  parseClientRecords,
  parseGcTrace,
  parsePhaseDump,
  PHASE_NAMES,
  type PhaseDump,
  placeGc,
  readTail,
  serverRequests,
  type Span,
  type TailReading,
} from "./tail_analysis.ts";
import { BODY } from "./settings.ts";
import { CHAT_PATH, startPassthrough, type Target } from "./target.ts";
import { MOCK_API_KEY } from "./mock_upstream.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

const benchDir = new URL(".", import.meta.url).pathname;
const GC_FLAGS = "--trace-gc,--expose-gc";

/** A configuration of the study. */
interface Variant {
  about: string;
  kind: "sidecar" | "passthrough" | "direct" | "checkout";
  /** For a checkout: its directory (Sidecar runs from its own main.ts). */
  root?: string;
  /** For a passthrough: one of passthrough_variants.ts's instead of passthrough.ts. */
  passthroughVariant?: string;
  /** BENCH_TAIL_OFF for tail_suspects.ts. */
  off?: string;
  env?: Record<string, string>;
  v8Flags?: string[];
}

const VARIANTS: Record<string, Variant> = {
  direct: { about: "wrk straight to the mock", kind: "direct" },
  passthrough: { about: "bare Deno fetch passthrough", kind: "passthrough" },
  "passthrough-parsed": {
    about:
      "the minimal gateway: the request read with bytes(), never as a stream; answer read whole",
    kind: "passthrough",
    passthroughVariant: "fetch-parsed",
  },
  sidecar: { about: "Sidecar as the bench runs it (log level warn)", kind: "sidecar" },
  "writer-off": {
    about: "request records dropped: no hand-over, no writer thread",
    kind: "sidecar",
    off: "writer",
  },
  "deadlines-off": {
    about: "no proxy timeouts armed: no 10 ms sweep",
    kind: "sidecar",
    off: "deadlines",
  },
  "metrics-off": { about: "metrics not updated", kind: "sidecar", off: "metrics" },
  "all-off": {
    about: "writer, deadlines and metrics off together",
    kind: "sidecar",
    off: "writer,deadlines,metrics",
  },
  "log-info": {
    about: "the default log level: a JSON line per request on stdout",
    kind: "sidecar",
    env: { SIDECAR_LOG_LEVEL: "info" },
  },
  "semi-32": {
    about: "young generation at 32 MB semi-spaces from the start",
    kind: "sidecar",
    v8Flags: ["--min-semi-space-size=32", "--max-semi-space-size=32"],
  },
  "semi-64": {
    about: "young generation at 64 MB semi-spaces from the start",
    kind: "sidecar",
    v8Flags: ["--min-semi-space-size=64", "--max-semi-space-size=64"],
  },
  "serial-scavenge": {
    about: "scavenges on the main thread alone (no helper threads to wait for)",
    kind: "sidecar",
    v8Flags: ["--no-parallel-scavenge"],
  },
  "single-threaded-gc": {
    about: "every collection on the main thread alone",
    kind: "sidecar",
    v8Flags: ["--single-threaded-gc"],
  },
};

const DEFAULT_VARIANTS = [
  "direct",
  "passthrough",
  "sidecar",
  "writer-off",
  "deadlines-off",
  "all-off",
];

interface Flags {
  seconds: number;
  rounds: number;
  warmupS: number;
  connections: number;
  variants: string[];
  out: string;
  /** Other checkouts (`git worktree add DIR <rev>`), each a variant of its own name. */
  checkouts: Record<string, string>;
  /** SIDECAR_LOG_LEVEL of every Sidecar variant (a variant's own setting wins). @default warn */
  logLevel: string;
}

function parseFlags(args: string[]): Flags {
  const value = (f: string) => args.find((a) => a.startsWith(`--${f}=`))?.slice(f.length + 3);
  // `--baseline=DIR` is `--checkout=baseline=DIR`; `--checkout=NAME=DIR` may be repeated.
  const checkouts: Record<string, string> = {};
  for (const a of args) {
    const m = /^--(?:checkout=([\w-]+)|(baseline))=(.+)$/.exec(a);
    if (m) checkouts[m[1] ?? m[2]!] = m[3]!;
  }
  for (const [name, root] of Object.entries(checkouts)) {
    VARIANTS[name] = { about: `Sidecar from ${root} (its own main.ts)`, kind: "checkout", root };
  }
  const variants = value("variants")?.split(",").filter(Boolean) ??
    [...DEFAULT_VARIANTS, ...Object.keys(checkouts)];
  const bad = variants.filter((v) => !(v in VARIANTS));
  if (bad.length) throw new Error(`Unknown variant(s): ${bad.join(", ")} (--list names them)`);
  return {
    checkouts,
    logLevel: value("log-level") ?? "warn",
    seconds: Number(value("seconds") ?? 10),
    rounds: Number(value("rounds") ?? 2),
    warmupS: Number(value("warmup") ?? 2),
    connections: Number(value("connections") ?? 1),
    variants,
    out: value("out") ?? `${benchDir}results`,
  };
}

/** A process the study started, with its GC trace and where its phase marks go. */
interface Traced {
  target: Target;
  gcLines: string[];
  phaseFile: string;
}

/** The study's mock: the bench's, traced like the targets. */
async function startTracedMock(
  dir: string,
): Promise<{ child: Child; gcLines: string[]; phaseFile: string }> {
  const gcLines: string[] = [];
  const phaseFile = `${dir}/mock.phases`;
  const child = await spawnChild({
    name: "mock upstream (traced)",
    // Line-buffered stdout: the mock runs through every variant, and each run reads its trace so far.
    cmd: "stdbuf",
    args: [
      "-oL",
      Deno.execPath(),
      "run",
      "--no-config",
      "--allow-net",
      "--allow-env",
      "--allow-write",
      `--v8-flags=${GC_FLAGS}`,
      "--preload",
      `${benchDir}tail_preload.ts`,
      `${benchDir}mock_upstream.ts`,
    ],
    env: { SIDECAR_TRACE_PHASES: phaseFile },
    onLine: (l) => gcLines.push(l),
    timeoutMs: 20000,
  });
  return { child, gcLines, phaseFile };
}

async function startVariant(
  name: string,
  mock: Child,
  dir: string,
  round: number,
  logLevel: string,
): Promise<Traced> {
  const v = VARIANTS[name]!;
  const gcLines: string[] = [];
  const phaseFile = `${dir}/${name}-${round}.phases`;
  const onLine = (l: string) => gcLines.push(l);
  const v8 = `--v8-flags=${[GC_FLAGS, ...(v.v8Flags ?? [])].join(",")}`;
  if (v.kind === "direct") {
    return {
      target: {
        id: name,
        label: v.about,
        url: mock.url + CHAT_PATH,
        headers: { authorization: `Bearer ${MOCK_API_KEY}` },
        pid: mock.pid,
        command: mock.command,
        stop: () => Promise.resolve(),
      },
      gcLines,
      phaseFile: "",
    };
  }
  if (v.kind === "passthrough") {
    const target = await startPassthrough(mock.url, {
      id: name,
      label: v.about,
      ...(v.passthroughVariant && {
        script: "passthrough_variants.ts",
        args: ["--variant", v.passthroughVariant],
      }),
      denoFlags: ["--allow-write", v8, "--preload", `${benchDir}tail_preload.ts`],
      env: { SIDECAR_TRACE_PHASES: phaseFile },
      onLine,
    });
    return { target, gcLines, phaseFile };
  }
  const target = await startSidecar(mock.url, "single", {
    denoFlags: [v8],
    ...(v.root ? { root: v.root } : { entry: `${benchDir}tail_suspects.ts` }),
    env: {
      SIDECAR_TRACE_PHASES: phaseFile,
      SIDECAR_LOG_LEVEL: logLevel,
      BENCH_TAIL_OFF: v.off ?? "",
      ...v.env,
    },
    onLine,
  });
  return { target: { ...target, id: name, label: v.about }, gcLines, phaseFile };
}

async function readDump(path: string): Promise<PhaseDump | undefined> {
  try {
    return parsePhaseDump(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

/** One variant's run in one round. */
interface StudyRun {
  variant: string;
  round: number;
  wrk: Omit<WrkResult, "distribution">;
  /** Per-request percentiles from the client's own record, µs. */
  perRequest?: { p50: number; p99: number; p999: number; max: number };
  reading?: TailReading;
  /** Collections of the target's main isolate during the measured window. */
  gc?: { count: number; pauseMsTotal: number };
  /** Each of them: kind, pause, heap before and after (MB). */
  gcEvents?: { kind: string; pauseMs: number; beforeMb: number; afterMb: number }[];
  mockGc?: { count: number; pauseMsTotal: number };
}

function inWindow(events: readonly GcEvent[], from: number, to: number): GcEvent[] {
  return events.filter((e) => e.startUs !== undefined && e.startUs >= from && e.startUs <= to);
}

function gcInWindow(events: readonly GcEvent[], from: number, to: number) {
  const es = inWindow(events, from, to);
  return { count: es.length, pauseMsTotal: es.reduce((n, e) => n + e.pauseMs, 0) };
}

async function measure(
  name: string,
  traced: Traced,
  mockGc: () => GcEvent[],
  f: Flags,
  dir: string,
  round: number,
): Promise<StudyRun> {
  const t = traced.target;
  const base = { url: t.url, headers: t.headers, body: BODY, connections: f.connections };
  await runWrk({ ...base, durationS: f.warmupS });
  if (f.connections !== 1) {
    const { distribution: _, ...wrk } = await runWrk({ ...base, durationS: f.seconds });
    await t.stop();
    return { variant: name, round, wrk };
  }
  const record = `${dir}/${name}-${round}.requests`;
  const { distribution: _, ...wrk } = await runWrk({
    ...base,
    durationS: f.seconds,
    recordTo: record,
  });
  await t.stop(); // Sidecar and the passthrough write their marks on the way out
  const client = parseClientRecords(await Deno.readTextFile(record));
  const lat = client.map((c) => c.latencyUs).sort((a, b) => a - b);
  const dist = lat.map((v) => [v, 1] as [number, number]);
  const run: StudyRun = {
    variant: name,
    round,
    wrk,
    perRequest: {
      p50: distPercentile(dist, 50),
      p99: distPercentile(dist, 99),
      p999: distPercentile(dist, 99.9),
      max: lat[lat.length - 1] ?? NaN,
    },
  };
  const from = client[0]?.sentUs ?? 0;
  const to = from + f.seconds * 1e6 + 1e6;
  run.mockGc = gcInWindow(mockGc(), from, to);
  const main = traced.phaseFile ? await readDump(traced.phaseFile) : undefined;
  if (!main) return run;
  const events = parseGcTrace(traced.gcLines);
  const gc = placeGc(events, main, 0);
  run.gc = gcInWindow(gc, from, to);
  run.gcEvents = inWindow(gc, from, to).map(({ kind, pauseMs, beforeMb, afterMb }) => ({
    kind,
    pauseMs,
    beforeMb,
    afterMb,
  }));
  const writer = await readDump(`${traced.phaseFile}.writer`);
  const writerGc = writer
    ? placeGc(events, writer, 1).map((e) => ({ ...e, kind: `writer thread ${e.kind}` }))
    : [];
  const spans: Span[] = [
    ...backgroundSpans(main.marks),
    ...(writer ? backgroundSpans(writer.marks) : []),
    ...mockGc().filter((e) => e.startUs !== undefined).map((e) => ({
      what: `mock GC: ${e.kind}`,
      startUs: e.startUs!,
      endUs: e.endUs!,
    })),
  ];
  const server = serverRequests(main.marks);
  if (server.length > 0) {
    run.reading = readTail(client, matchRequests(client, server), [...gc, ...writerGc], spans);
  }
  return run;
}

function fmt(us: number | undefined): string {
  return us === undefined || !Number.isFinite(us) ? "–" : (us / 1000).toFixed(3);
}

/** The summary printed at the end: one table of the variants, then each Sidecar reading. */
function summary(runs: StudyRun[], f: Flags): string[] {
  const out = [
    `Tail study, ${f.connections} connection(s), ${f.seconds} s per run, ${f.rounds} round(s).`,
    "",
    "| variant | round | req/s | wrk p99 ms | wrk p99.9 ms | per-request p99 ms | per-request p99.9 ms | max ms | main-isolate GCs (pause ms) | mock GCs (pause ms) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of runs) {
    out.push(
      `| ${r.variant} | ${r.round} | ${Math.round(r.wrk.rps)} | ${
        r.wrk.latencyMs.p99.toFixed(3)
      } | ${r.wrk.latencyMs.p999.toFixed(3)} | ${
        fmt(r.perRequest?.p99 ?? (r.wrk.requestLatencyMs?.p99 ?? NaN) * 1000)
      } | ${fmt(r.perRequest?.p999 ?? (r.wrk.requestLatencyMs?.p999 ?? NaN) * 1000)} | ${
        r.wrk.latencyMs.max.toFixed(1)
      } | ${r.gc ? `${r.gc.count} (${r.gc.pauseMsTotal.toFixed(1)})` : "–"} | ${
        r.mockGc ? `${r.mockGc.count} (${r.mockGc.pauseMsTotal.toFixed(1)})` : "–"
      } |`,
    );
  }
  for (const r of runs) {
    const t = r.reading;
    if (!t) continue;
    out.push(
      "",
      `**${r.variant}, round ${r.round}**: ${t.matched}/${t.requests} requests matched; slowest 1% ` +
        `(${t.slow.count}) mean ${fmt(t.slow.meanLatencyUs)} ms against ${
          fmt(t.slow.restMeanLatencyUs)
        } ms; ` +
        `wall time in requests over 1 ms: ${(100 * t.stalledShare).toFixed(2)}%`,
      "",
      "| phase | slowest 1% mean µs | rest mean µs | share of the extra time |",
      "| --- | ---: | ---: | ---: |",
      ...PHASE_NAMES.map((p) =>
        `| ${p} | ${t.slow.slowMeanUs[p].toFixed(0)} | ${t.slow.restMeanUs[p].toFixed(0)} | ${
          (100 * t.slow.excessShare[p]).toFixed(0)
        }% |`
      ),
      "",
      "| overlapping the request | slowest 1%: requests touched | overlap µs | same number of other requests: touched | overlap µs |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...t.slow.overlaps.map((o) => {
        const rest = t.slow.restOverlaps.find((x) => x.what === o.what);
        return `| ${o.what} | ${o.requests} | ${o.overlapUs.toFixed(0)} | ${
          rest?.requests ?? 0
        } | ${(rest?.overlapUs ?? 0).toFixed(0)} |`;
      }),
      "",
      "| collections in the run | count | per s | mean pause ms | max pause ms |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...t.gc.map((g) =>
        `| ${g.kind} | ${g.count} | ${g.perSecond.toFixed(1)} | ${g.meanPauseMs.toFixed(2)} | ${
          g.maxPauseMs.toFixed(2)
        } |`
      ),
      "",
      "| background work | count | per s | mean µs | max µs |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...t.background.map((b) =>
        `| ${b.what} | ${b.count} | ${b.perSecond.toFixed(1)} | ${b.meanUs.toFixed(0)} | ${
          b.maxUs.toFixed(0)
        } |`
      ),
    );
  }
  return out;
}

async function main(): Promise<void> {
  if (Deno.args.includes("--list")) {
    for (const [name, v] of Object.entries(VARIANTS)) console.log(`${name.padEnd(14)} ${v.about}`);
    return;
  }
  const f = parseFlags(Deno.args);
  const dir = await Deno.makeTempDir({ prefix: "sidecar-bench-tail-" });
  const log = (m: string) => console.error(`[tail ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const mock = await startTracedMock(dir);
  const mockDump = await readDump(mock.phaseFile);
  const mockEvents = () => (mockDump ? placeGc(parseGcTrace(mock.gcLines), mockDump, 0) : []);
  const runs: StudyRun[] = [];
  try {
    for (let round = 1; round <= f.rounds; round++) {
      for (let i = 0; i < f.variants.length; i++) {
        const name = f.variants[(i + round - 1) % f.variants.length]!;
        const traced = await startVariant(name, mock.child, dir, round, f.logLevel);
        try {
          const run = await measure(name, traced, mockEvents, f, dir, round);
          runs.push(run);
          log(
            `${name} round ${round}: ${
              Math.round(run.wrk.rps)
            } req/s, wrk p99 ${run.wrk.latencyMs.p99} ms, ` +
              `per-request p99 ${fmt(run.perRequest?.p99)} ms`,
          );
        } finally {
          await traced.target.stop();
        }
      }
    }
  } finally {
    await mock.child.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  await Deno.mkdir(f.out, { recursive: true });
  const file = `${f.out}/tail-study-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await Deno.writeTextFile(file, JSON.stringify({ flags: f, runs }, null, 2) + "\n");
  console.log(summary(runs, f).join("\n"));
  log(`raw: ${file}`);
}

if (import.meta.main) await main();

/**
 * @module The tail study's reading of one run at one connection: every
 * request as wrk saw it (send time, latency) matched with Sidecar's phase
 * marks (src/phase_trace.ts), V8's GC trace placed on the same clock, and
 * the background work of both threads; then the slowest 1% against the rest,
 * phase by phase, and what overlapped them. All times here are µs since the
 * epoch.
 */

import { PHASE } from "../src/phase_trace.ts";
import { percentile } from "./stats.ts";

/** One request as the client timed it. */
export interface ClientRequest {
  sentUs: number;
  latencyUs: number;
  status: number;
}

/** Parses the `<sent> <latency> <status>` lines wrk's recording script writes. */
export function parseClientRecords(text: string): ClientRequest[] {
  const out: ClientRequest[] = [];
  for (const line of text.split("\n")) {
    const [a, b, c] = line.trim().split(" ");
    if (a === undefined || b === undefined) continue;
    const sentUs = Number(a), latencyUs = Number(b);
    if (Number.isFinite(sentUs) && Number.isFinite(latencyUs)) {
      out.push({ sentUs, latencyUs, status: Number(c ?? 0) });
    }
  }
  return out.sort((x, y) => x.sentUs - y.sentUs);
}

/** One thread's marks as phase_trace.ts dumps them. */
export interface PhaseDump {
  role: string;
  timeOrigin: number;
  gcAnchor: { before: number; after: number } | null;
  /** `[µs since the epoch, code]`, in order. */
  marks: [number, number][];
}

/** Parses a phase_trace.ts dump (header line, then `<ms> <code>` lines). */
export function parsePhaseDump(text: string): PhaseDump {
  const lines = text.split("\n");
  const header = JSON.parse(lines[0]!) as Omit<PhaseDump, "marks">;
  const marks: [number, number][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const sp = line.indexOf(" ");
    if (sp < 0) continue;
    marks.push([
      (header.timeOrigin + Number(line.slice(0, sp))) * 1000,
      Number(line.slice(sp + 1)),
    ]);
  }
  return { role: header.role, timeOrigin: header.timeOrigin, gcAnchor: header.gcAnchor, marks };
}

/** One collection from V8's `--trace-gc`. */
export interface GcEvent {
  isolate: string;
  /** V8's own clock: ms since the isolate started, when the line was printed (the pause's end). */
  v8Ms: number;
  kind: string;
  pauseMs: number;
  /** The heap before and after, MB (what was allocated between two scavenges, what survived). */
  beforeMb: number;
  afterMb: number;
  reason: string;
  /** Placed on the epoch clock by {@link placeGc}. */
  startUs?: number;
  endUs?: number;
}

const GC_LINE =
  /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (.+?) ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms(.*)$/;

/** The collections in V8's `--trace-gc` output lines (other lines are skipped). */
export function parseGcTrace(lines: readonly string[]): GcEvent[] {
  const out: GcEvent[] = [];
  for (const line of lines) {
    const m = GC_LINE.exec(line.trim());
    if (!m) continue;
    out.push({
      isolate: m[1]!,
      v8Ms: Number(m[2]),
      kind: m[3]!,
      beforeMb: Number(m[4]),
      afterMb: Number(m[5]),
      pauseMs: Number(m[6]),
      reason: m[7]!.replace(/^.*?\)\s*/, "").trim(),
    });
  }
  return out;
}

/** An interval of work on one thread. */
export interface Span {
  what: string;
  startUs: number;
  endUs: number;
}

const PAIRS: Record<number, string> = {
  [PHASE.deadlineSweep]: "deadline sweep",
  [PHASE.connectionSweep]: "connection sweep",
  [PHASE.hangUpWatch]: "hang-up watch",
  [PHASE.writerPost]: "record hand-over (a wait for ring room)",
  [PHASE.logLine]: "log line",
  [PHASE.writeQueueFlush]: "write queue flush",
  [PHASE.writerInsert]: "writer thread: insert",
  [PHASE.writerCheckpoint]: "writer thread: checkpoint",
};

/** The background work (start/end pairs) among `marks`. */
export function backgroundSpans(marks: readonly [number, number][]): Span[] {
  const open = new Map<number, number>();
  const out: Span[] = [];
  for (const [t, code] of marks) {
    if (PAIRS[code] !== undefined) open.set(code, t);
    else if (PAIRS[code - 1] !== undefined && open.has(code - 1)) {
      out.push({ what: PAIRS[code - 1]!, startUs: open.get(code - 1)!, endUs: t });
      open.delete(code - 1);
    }
  }
  return out;
}

/** Sidecar's phase marks of one request (µs since the epoch; absent when not reached). */
export type ServerRequest = Partial<Record<keyof typeof PHASE, number>>;

const NAME_OF = new Map<number, keyof typeof PHASE>(
  Object.entries(PHASE).map(([k, v]) => [v, k as keyof typeof PHASE]),
);

/** The main thread's requests, one per `received` mark (one connection: they never overlap). */
export function serverRequests(marks: readonly [number, number][]): ServerRequest[] {
  const out: ServerRequest[] = [];
  let current: ServerRequest | undefined;
  for (const [t, code] of marks) {
    if (code === PHASE.received) out.push(current = { received: t });
    else if (current && code <= PHASE.sent) current[NAME_OF.get(code)!] ??= t;
  }
  return out;
}

/**
 * Puts each collection of the isolate that ran the anchor `gc()` on the
 * epoch clock: V8 prints whole milliseconds, so the anchor gives the place
 * to ±1 ms; the pause is then moved to the gap in the thread's marks it must
 * have made (no mark can fall inside a pause), when one of its length lies
 * within that window.
 */
export function placeGc(
  events: GcEvent[],
  dump: PhaseDump,
  anchorIndex: number,
): GcEvent[] {
  const anchors = events.filter((e) => e.reason.startsWith("testing"));
  const anchor = anchors[anchorIndex];
  if (!anchor || !dump.gcAnchor) return [];
  const offsetMs = anchor.v8Ms - dump.gcAnchor.after;
  const mine = events.filter((e) => e.isolate === anchor.isolate && e !== anchor);
  const times = dump.marks.map(([t]) => t);
  for (const e of mine) {
    const endUs = (dump.timeOrigin + e.v8Ms - offsetMs) * 1000;
    const pauseUs = e.pauseMs * 1000;
    e.endUs = endUs;
    e.startUs = endUs - pauseUs;
    // The widest gap between marks that starts or ends within ±1.5 ms of the estimate.
    let best: [number, number] | undefined;
    let i = lowerBound(times, endUs - pauseUs - 1500);
    for (; i < times.length - 1 && times[i]! <= endUs + 1500; i++) {
      const gap = times[i + 1]! - times[i]!;
      if (gap >= 0.8 * pauseUs && (!best || gap > best[1] - best[0])) {
        best = [times[i]!, times[i + 1]!];
      }
    }
    if (best) {
      e.endUs = Math.min(best[1], best[0] + pauseUs);
      e.startUs = e.endUs - pauseUs;
    }
  }
  return mine;
}

function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The phases of one request, µs: each between two marks of
 * src/phase_trace.ts (a mark the request did not reach counts as at the one
 * before it), and the time outside Sidecar's handler on either side.
 */
export const PHASE_NAMES = [
  "before handler",
  "auth + body + parse",
  "admission",
  "pick",
  "upstream wait",
  "body read",
  "accounting",
  "response built",
  "response written",
  "after send",
] as const;
export type PhaseName = typeof PHASE_NAMES[number];

/** The marks that end each phase inside the handler, in order. */
const ENDS = [
  "parsed",
  "admitted",
  "picked",
  "headers",
  "body",
  "recorded",
  "answered",
  "sent",
] as const;

/** A client request with its server side. */
export interface MatchedRequest extends ClientRequest {
  phases: Record<PhaseName, number>;
}

/**
 * Pairs each client request with the server request received inside its
 * window; requests without exactly one (say, at the edges of the trace) are
 * left out.
 */
export function matchRequests(
  client: readonly ClientRequest[],
  server: readonly ServerRequest[],
): MatchedRequest[] {
  const out: MatchedRequest[] = [];
  let j = 0;
  for (const c of client) {
    const end = c.sentUs + c.latencyUs;
    while (j < server.length && server[j]!.received! < c.sentUs) j++;
    const s = server[j];
    if (!s || s.received! > end || (server[j + 1]?.received ?? Infinity) <= end) continue;
    if (s.sent === undefined) continue;
    const at = [c.sentUs, s.received!];
    for (const name of ENDS) at.push(s[name] ?? at[at.length - 1]!);
    at.push(end);
    const phases = Object.fromEntries(
      PHASE_NAMES.map((p, i) => [p, at[i + 1]! - at[i]!]),
    ) as Record<PhaseName, number>;
    out.push({ ...c, phases });
    j++;
  }
  return out;
}

/** What overlapped a set of requests: count of requests touched, and µs of overlap. */
export interface Overlap {
  what: string;
  requests: number;
  overlapUs: number;
}

function overlapsOf(
  requests: readonly MatchedRequest[],
  spans: readonly Span[],
): Overlap[] {
  const byWhat = new Map<string, Overlap>();
  const sorted = [...spans].sort((a, b) => a.startUs - b.startUs);
  const starts = sorted.map((s) => s.startUs);
  for (const r of requests) {
    const end = r.sentUs + r.latencyUs;
    const touched = new Set<string>();
    // Spans are short (a pause, a sweep): any that overlaps starts within 1 s before the request.
    for (let i = lowerBound(starts, r.sentUs - 1e6); i < sorted.length && starts[i]! < end; i++) {
      const s = sorted[i]!;
      const o = Math.min(end, s.endUs) - Math.max(r.sentUs, s.startUs);
      if (o <= 0) continue;
      const entry = byWhat.get(s.what) ?? { what: s.what, requests: 0, overlapUs: 0 };
      entry.overlapUs += o;
      if (!touched.has(s.what)) entry.requests++;
      touched.add(s.what);
      byWhat.set(s.what, entry);
    }
  }
  return [...byWhat.values()].sort((a, b) => b.overlapUs - a.overlapUs);
}

/** The study's reading of one run. */
export interface TailReading {
  requests: number;
  /** Client requests that found their server side. */
  matched: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  slow: {
    count: number;
    /** Mean µs per phase: the slowest 1% and the rest. */
    slowMeanUs: Record<PhaseName, number>;
    restMeanUs: Record<PhaseName, number>;
    /** Where the slow requests' extra time is, as a share of it. */
    excessShare: Record<PhaseName, number>;
    meanLatencyUs: number;
    restMeanLatencyUs: number;
    /** What overlapped the slowest 1%, and the rest (per 1% of them, to compare). */
    overlaps: Overlap[];
    restOverlaps: Overlap[];
  };
  gc: { kind: string; count: number; meanPauseMs: number; maxPauseMs: number; perSecond: number }[];
  background: { what: string; count: number; meanUs: number; maxUs: number; perSecond: number }[];
  /** Share of the run's wall time spent in requests slower than 1 ms: what drives wrk's p99. */
  stalledShare: number;
}

function meanPhases(rs: readonly MatchedRequest[]): Record<PhaseName, number> {
  const out = Object.fromEntries(PHASE_NAMES.map((p) => [p, 0])) as Record<PhaseName, number>;
  for (const r of rs) for (const p of PHASE_NAMES) out[p] += r.phases[p] / rs.length;
  return out;
}

/** Reads one run: `gc` already placed (placeGc), `spans` every thread's background work. */
export function readTail(
  client: readonly ClientRequest[],
  matched: readonly MatchedRequest[],
  gc: readonly GcEvent[],
  spans: readonly Span[],
): TailReading {
  const lat = client.map((c) => c.latencyUs);
  const sorted = [...matched].sort((a, b) => b.latencyUs - a.latencyUs);
  const slowCount = Math.max(1, Math.floor(sorted.length / 100));
  const slow = sorted.slice(0, slowCount);
  const rest = sorted.slice(slowCount);
  const slowMean = meanPhases(slow);
  const restMean = meanPhases(rest);
  const excess = PHASE_NAMES.reduce((n, p) => n + Math.max(0, slowMean[p] - restMean[p]), 0);
  const excessShare = Object.fromEntries(
    PHASE_NAMES.map((p) => [p, excess > 0 ? Math.max(0, slowMean[p] - restMean[p]) / excess : 0]),
  ) as Record<PhaseName, number>;
  const first = client[0]?.sentUs ?? 0;
  const last = client.length
    ? client[client.length - 1]!.sentUs + client[client.length - 1]!.latencyUs
    : 0;
  const seconds = Math.max(1e-6, (last - first) / 1e6);
  const inRun = <T extends { startUs?: number }>(x: T) => x.startUs! >= first && x.startUs! <= last;
  const gcSpans: Span[] = gc.filter((g) => g.startUs !== undefined).map((g) => ({
    what: `GC: ${g.kind}`,
    startUs: g.startUs!,
    endUs: g.endUs!,
  }));
  const all = [...gcSpans, ...spans];
  // The rest, thinned to as many requests as the slow set, so counts compare like for like.
  const step = Math.max(1, Math.floor(rest.length / slowCount));
  const restSample = rest.filter((_, i) => i % step === 0).slice(0, slowCount);
  const groups = <T>(xs: readonly T[], key: (x: T) => string) => {
    const m = new Map<string, T[]>();
    for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
    return m;
  };
  const gcRows = [...groups(gc.filter(inRun), (g) => g.kind)].map(([kind, es]) => ({
    kind,
    count: es.length,
    meanPauseMs: es.reduce((n, e) => n + e.pauseMs, 0) / es.length,
    maxPauseMs: Math.max(...es.map((e) => e.pauseMs)),
    perSecond: es.length / seconds,
  }));
  const bgRows = [...groups(spans.filter(inRun), (s) => s.what)].map(([what, ss]) => ({
    what,
    count: ss.length,
    meanUs: ss.reduce((n, s) => n + s.endUs - s.startUs, 0) / ss.length,
    maxUs: Math.max(...ss.map((s) => s.endUs - s.startUs)),
    perSecond: ss.length / seconds,
  }));
  const stalled = client.filter((c) => c.latencyUs > 1000).reduce((n, c) => n + c.latencyUs, 0);
  return {
    requests: client.length,
    matched: matched.length,
    p50Us: percentile(lat, 50),
    p99Us: percentile(lat, 99),
    p999Us: percentile(lat, 99.9),
    slow: {
      count: slowCount,
      slowMeanUs: slowMean,
      restMeanUs: restMean,
      excessShare,
      meanLatencyUs: slow.reduce((n, r) => n + r.latencyUs, 0) / slow.length,
      restMeanLatencyUs: rest.reduce((n, r) => n + r.latencyUs, 0) / Math.max(1, rest.length),
      overlaps: overlapsOf(slow, all),
      restOverlaps: overlapsOf(restSample, all),
    },
    gc: gcRows,
    background: bgRows,
    stalledShare: stalled / (seconds * 1e6),
  };
}

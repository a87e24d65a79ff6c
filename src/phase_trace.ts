/**
 * @module phase_trace
 * Where a request's time goes, for the tail-latency study
 * (bench/tail_study.ts). Off unless the environment variable
 * SIDECAR_TRACE_PHASES names a file; off, {@link mark} is one test of a
 * constant read once at startup, so the request path pays nothing.
 *
 * On, each mark stores a `performance.now()` and a code in preallocated
 * typed arrays (a ring of {@link CAPACITY} marks; the oldest are overwritten),
 * so tracing allocates nothing per request. The marks are written out when
 * the process exits, or when a thread calls {@link dumpPhases} before it is
 * terminated: the main thread to the named file, the request writer's
 * thread to the same name plus `.writer`. A file is a JSON header line
 * (`timeOrigin`, to put marks of both threads on one wall clock, and the
 * `gc()` anchor below) and then one `<ms> <code>` line per mark.
 *
 * GC anchor: when V8's `gc()` is exposed (`--v8-flags=--expose-gc`), one
 * full collection runs at startup between two clock reads; the study finds
 * its line in V8's `--trace-gc` output (whose times count from the
 * isolate's start) and so learns how to place every other collection on
 * this clock.
 */

/** Mark codes. Request phases come in this order; background work comes in start/end pairs. */
export const PHASE = {
  /** The server called the handler with a request whose headers have arrived. */
  received: 1,
  /** Authenticated, body read and parsed. */
  parsed: 2,
  /** Admission's checks passed. */
  admitted: 3,
  /** The attempt plan picked a backend. */
  picked: 4,
  /** The upstream's response headers arrived (and a stream's first event). */
  headers: 5,
  /** A non-stream upstream body has been read whole. */
  body: 6,
  /** The request was recorded (record handed over, metrics, log line). */
  recorded: 7,
  /** The handler's promise settled with the response. */
  answered: 8,
  /** The runtime has sent the whole response. */
  sent: 9,
  deadlineSweep: 20,
  deadlineSweepEnd: 21,
  connectionSweep: 22,
  connectionSweepEnd: 23,
  hangUpWatch: 24,
  hangUpWatchEnd: 25,
  writerPost: 26,
  writerPostEnd: 27,
  logLine: 28,
  logLineEnd: 29,
  writeQueueFlush: 30,
  writeQueueFlushEnd: 31,
  /** On the request writer's thread. */
  writerInsert: 40,
  writerInsertEnd: 41,
  writerCheckpoint: 42,
  writerCheckpointEnd: 43,
} as const;

/** Marks kept; a one-connection run of a minute at 3,000 requests/s makes about 1.6 million. */
export const CAPACITY = 1 << 21;

function tracePath(): string | undefined {
  try {
    return Deno.env.get("SIDECAR_TRACE_PHASES") || undefined;
  } catch {
    return undefined; // no --allow-env: not tracing
  }
}

const path = tracePath();

/** Whether this process traces phases. */
export const TRACING = path !== undefined;

const times = TRACING ? new Float64Array(CAPACITY) : undefined;
const codes = TRACING ? new Uint8Array(CAPACITY) : undefined;
let count = 0;

/** Records that `code` happened now. */
export function mark(code: number): void {
  if (!TRACING) return;
  const i = count++ & (CAPACITY - 1);
  times![i] = performance.now();
  codes![i] = code;
}

const gcAnchor = TRACING ? runGcAnchor() : undefined;

function runGcAnchor(): { before: number; after: number } | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return undefined;
  const before = performance.now();
  gc();
  return { before, after: performance.now() };
}

/** The file this thread's marks go to: the main thread's, or the writer thread's beside it. */
function dumpPath(role: string): string {
  return role === "main" ? path! : `${path}.${role}`;
}

/** Writes this thread's marks out (`role`: "main", or a worker's name); a no-op when not tracing. */
export function dumpPhases(role = "main"): void {
  if (!TRACING) return;
  const first = Math.max(0, count - CAPACITY);
  const header = JSON.stringify({
    role,
    timeOrigin: performance.timeOrigin,
    gcAnchor: gcAnchor ?? null,
    marks: count - first,
    lost: first,
  });
  const lines = [header];
  for (let k = first; k < count; k++) {
    const i = k & (CAPACITY - 1);
    lines.push(`${times![i]!.toFixed(4)} ${codes![i]}`);
  }
  Deno.writeTextFileSync(dumpPath(role), lines.join("\n") + "\n");
}

// The main thread dumps on exit; a worker calls dumpPhases() itself before it is terminated.
if (TRACING && !("WorkerGlobalScope" in globalThis)) addEventListener("unload", () => dumpPhases());

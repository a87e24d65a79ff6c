/**
 * @module deadlines
 * The proxy's timeouts (an attempt's headers, a stream's first event, a
 * stream gone quiet) on one coarse timer. Every proxied request needs at
 * least one timeout, and a runtime timer per request (or per streamed chunk)
 * cost more than the rest of the attempt bookkeeping together in profiles; a
 * deadline here is a Set insert and delete, and one interval sweeps them all.
 * Deadlines fire at most one tick late, which no proxy timeout cares about.
 */
import { mark, PHASE } from "../phase_trace.ts";

/** A registered deadline; pass it back to {@link Deadlines.cancel}. */
export interface Deadline {
  /** When it fires, on the sweeper's clock. */
  readonly at: number;
  readonly fire: () => void;
}

/** Options of {@link Deadlines}. */
export interface DeadlinesOptions {
  /** Sweep this often while deadlines are pending. @default 10 */
  tickMs?: number;
  /** Monotonic milliseconds. @default performance.now */
  clock?: () => number;
}

/** Many deadlines, one timer. */
export class Deadlines {
  #pending = new Set<Deadline>();
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #tickMs: number;
  readonly #clock: () => number;

  constructor(opts: DeadlinesOptions = {}) {
    this.#tickMs = opts.tickMs ?? 10;
    this.#clock = opts.clock ?? (() => performance.now());
  }

  /** Calls `fire` once, `ms` from now, unless cancelled first. */
  after(ms: number, fire: () => void): Deadline {
    const d: Deadline = { at: this.#clock() + ms, fire };
    this.#pending.add(d);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.sweep(), this.#tickMs);
      // Deadlines guard work that keeps the process alive by itself; they must not.
      Deno.unrefTimer(this.#timer);
    }
    return d;
  }

  /** Forgets `d`; a no-op when it already fired. */
  cancel(d: Deadline): void {
    this.#pending.delete(d);
  }

  /** Deadlines not yet fired or cancelled. */
  get size(): number {
    return this.#pending.size;
  }

  /** Fires every deadline that is due; the interval calls it, tests may too. */
  sweep(): void {
    mark(PHASE.deadlineSweep);
    const now = this.#clock();
    for (const d of this.#pending) {
      if (d.at > now) continue;
      this.#pending.delete(d);
      try {
        d.fire();
      } catch {
        // A deadline's action only aborts or resolves; one failing must not stop the sweep.
      }
    }
    if (this.#pending.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    mark(PHASE.deadlineSweepEnd);
  }
}

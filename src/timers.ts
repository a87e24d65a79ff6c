/**
 * @module timers
 * Time as a dependency: read the clock and wait. The attempt loop's waits
 * (backoffs, waiting for a cooldown to end) go through this, so tests run
 * them on a fake clock instead of real time.
 */

/** A clock and a wait. */
export interface Timers {
  /** Epoch ms. */
  now(): number;
  /** Waits `ms`; resolves false early, and at once, if `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** The real clock and `setTimeout`. */
export const REAL_TIMERS: Timers = { now: Date.now, sleep: realSleep };

function realSleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

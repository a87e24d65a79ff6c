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

/**
 * Waits for `promise` to settle (its outcome is the caller's business):
 * true then, false at once if `signal` aborts first.
 */
export function settled(promise: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    };
    promise.then(done, done);
  });
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

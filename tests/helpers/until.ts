/**
 * @module until
 * Waiting in a test for something another process, thread or timer makes
 * true, or for the value it produces: polled, bounded, and named in the
 * failure.
 */
import assert from "node:assert/strict";

/** Options of {@link until} and {@link eventually}. */
export interface UntilOptions {
  /** How long to wait before failing (a passing test never waits this long). @default 15_000 */
  ms?: number;
  /** How often to look. @default 10 */
  everyMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined, and resolves
 * that value (a record written after a response, say); fails with "timed
 * out waiting for `what`" after `ms`.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { ms = 15_000, everyMs = 10 }: UntilOptions = {},
): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls `check` until it holds, and resolves how long that took (ms). */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  opts: UntilOptions = {},
): Promise<number> {
  const t0 = performance.now();
  await eventually(what, async () => (await check()) || undefined, opts);
  return performance.now() - t0;
}

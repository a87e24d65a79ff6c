/**
 * @module backoff
 * The wait before retrying the same backend within one request.
 */

/**
 * "Full jitter" exponential backoff
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
 * `random() * min(capMs, baseMs * 2^retry)`. Drawing the whole wait at random,
 * rather than adding a little noise to a fixed step, keeps many clients that
 * failed together from retrying together.
 *
 * @param retry 0 for the first retry, 1 for the second, ...; negatives count as 0.
 * @param random Uniform in `[0, 1)`, for example `Math.random`.
 * @param baseMs Ceiling of the first retry's wait; defaults to 100.
 * @param capMs Ceiling of any wait; defaults to 2000.
 * @returns Milliseconds to wait, in `[0, min(capMs, baseMs * 2^retry))`.
 */
export function jitteredBackoffMs(
  retry: number,
  random: () => number,
  baseMs = 100,
  capMs = 2000,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, retry));
  return random() * ceiling;
}

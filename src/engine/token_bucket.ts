/**
 * @module token_bucket
 * A token bucket with time as an argument, in the manner of
 * golang.org/x/time/rate: refill is computed lazily from the elapsed time at
 * each call, so there are no timers and tests use fixed instants.
 */

/**
 * A bucket of `capacity` tokens refilled continuously at `refillPerSecond`.
 *
 * Used for a backend's `rpm_limit` (capacity `rpm`, refill `rpm / 60`) and its
 * `tpm_limit`, where real usage is charged after the response and may drive
 * the bucket negative until refill pays the debt back.
 *
 * A clock that goes backwards refills nothing and does not move the refill
 * reference point back, so a later forward jump is not counted twice.
 */
export class TokenBucket {
  #capacity: number;
  #refillPerSecond: number;
  #tokens: number;
  /** Latest instant seen: refill is counted from here, and it never moves back. */
  #last: number;

  /**
   * Creates a full bucket.
   *
   * @param capacity Most tokens the bucket holds (the burst size).
   * @param refillPerSecond Tokens added per second; `0` never refills.
   * @param now Current time in epoch ms.
   */
  constructor(capacity: number, refillPerSecond: number, now: number) {
    validate(capacity, refillPerSecond);
    this.#capacity = capacity;
    this.#refillPerSecond = refillPerSecond;
    this.#tokens = capacity;
    this.#last = now;
  }

  /** Most tokens the bucket holds. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Tokens added per second. */
  get refillPerSecond(): number {
    return this.#refillPerSecond;
  }

  /** Tokens available at `now` after refill; negative while a charge is being paid back. */
  available(now: number): number {
    return this.#refilled(now);
  }

  /**
   * Takes `n` tokens if at least `n` are available at `now`; otherwise takes
   * nothing.
   *
   * @returns Whether the tokens were taken.
   */
  tryTake(now: number, n = 1): boolean {
    const tokens = this.#advance(now);
    if (tokens < n) return false;
    this.#tokens = tokens - n;
    return true;
  }

  /**
   * Debits `n` tokens unconditionally, possibly below zero: real usage is only
   * known after the response, and it must still be paid for.
   */
  charge(now: number, n: number): void {
    this.#tokens = this.#advance(now) - n;
  }

  /**
   * Milliseconds from `now` until `n` tokens are available: `0` when they are
   * already, `Infinity` when they never will be (no refill, or `n` exceeds the
   * capacity). Rounded up so that waiting that long is always enough.
   */
  msUntil(now: number, n = 1): number {
    const tokens = this.#refilled(now);
    if (tokens >= n) return 0;
    if (this.#refillPerSecond <= 0 || n > this.#capacity) return Infinity;
    // The epsilon absorbs float error so an exact wait does not round up a whole ms.
    return Math.ceil(((n - tokens) / this.#refillPerSecond) * 1000 - 1e-6);
  }

  /**
   * Changes capacity and refill rate (for example after a backend's limits
   * are edited). Tokens earned so far are counted at the old rate, then
   * clamped to the new capacity; a debt is kept.
   */
  reconfigure(capacity: number, refillPerSecond: number, now: number): void {
    validate(capacity, refillPerSecond);
    const tokens = this.#advance(now);
    this.#capacity = capacity;
    this.#refillPerSecond = refillPerSecond;
    this.#tokens = Math.min(tokens, capacity);
  }

  /** Tokens at `now` without changing state. */
  #refilled(now: number): number {
    const elapsedMs = now - this.#last;
    // `!(x > 0)` also catches NaN: a bad clock reading refills nothing.
    if (!(elapsedMs > 0)) return this.#tokens;
    return Math.min(this.#capacity, this.#tokens + (elapsedMs / 1000) * this.#refillPerSecond);
  }

  /** Commits refill up to `now`; the reference point only moves forward. */
  #advance(now: number): number {
    this.#tokens = this.#refilled(now);
    if (now > this.#last) this.#last = now;
    return this.#tokens;
  }
}

function validate(capacity: number, refillPerSecond: number): void {
  if (!Number.isFinite(capacity) || capacity < 0) {
    throw new RangeError(`Bucket capacity must be a finite number >= 0, got "${capacity}"`);
  }
  if (!Number.isFinite(refillPerSecond) || refillPerSecond < 0) {
    throw new RangeError(
      `Bucket refill rate must be a finite number >= 0, got "${refillPerSecond}"`,
    );
  }
}

/**
 * @module login_limiter
 * Failed sign-ins per client address in a sliding window: after
 * `maxFailures` within `windowMs` further attempts are refused until the
 * oldest failure leaves the window. Time is an argument, as in a token bucket.
 */

/** Options of {@link LoginLimiter}. */
export interface LoginLimiterOptions {
  /** Failures allowed per window. @default 5 */
  maxFailures?: number;
  /** @default 60_000 */
  windowMs?: number;
  /** Addresses tracked at once; the stalest is forgotten beyond this. @default 10_000 */
  maxClients?: number;
}

/** Counts failed sign-ins per client. */
export class LoginLimiter {
  #failures = new Map<string, number[]>();
  readonly #max: number;
  readonly #window: number;
  readonly #maxClients: number;

  constructor(opts: LoginLimiterOptions = {}) {
    this.#max = opts.maxFailures ?? 5;
    this.#window = opts.windowMs ?? 60_000;
    this.#maxClients = opts.maxClients ?? 10_000;
  }

  /** Milliseconds until `client` may try again; 0 when it may now. */
  retryAfterMs(client: string, now: number): number {
    const recent = this.#recent(client, now);
    if (recent.length < this.#max) return 0;
    return recent[recent.length - this.#max]! + this.#window - now;
  }

  /** Records a failed attempt at `now`. */
  fail(client: string, now: number): void {
    const recent = this.#recent(client, now);
    recent.push(now);
    // Re-insert so Map order is least recently failed first.
    this.#failures.delete(client);
    this.#failures.set(client, recent);
    while (this.#failures.size > this.#maxClients) {
      this.#failures.delete(this.#failures.keys().next().value!);
    }
  }

  /** Forgets `client`'s failures (after a successful sign-in). */
  reset(client: string): void {
    this.#failures.delete(client);
  }

  #recent(client: string, now: number): number[] {
    const all = this.#failures.get(client) ?? [];
    return all.filter((t) => t > now - this.#window && t <= now);
  }
}

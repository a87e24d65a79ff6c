/**
 * @module failed_auth_limiter
 * Failed authentications per client address in a sliding window, shared by
 * the sign-in form, `/api` and `/v1`. After `maxFailures` failures within
 * `windowMs`, further failures from that address are answered 429 until the
 * oldest of them leaves the window. Secrets are 256-bit random, so guessing
 * cannot succeed; this bounds the work, the log volume and the disk writes a
 * guesser causes, and signals abuse. It never refuses a correct secret:
 * callers check the secret first and consult the limiter only on failure,
 * so a valid key does no limiter work and an attacker cannot lock anyone out.
 * Time is an argument, as in a token bucket.
 */

/** Where the limiter's state is kept across restarts (write-behind). */
export interface FailureLog {
  save(client: string, failures: readonly number[]): void;
  remove(client: string): void;
}

/** The limits Sidecar runs with. */
export const AUTH_LIMIT_DEFAULTS = {
  maxFailures: 10,
  windowMs: 60_000,
  maxClients: 10_000,
} as const;

/** Options of {@link FailedAuthLimiter}. */
export interface FailedAuthLimiterOptions {
  /** Failures allowed per window and address. @default 10 */
  maxFailures?: number;
  /** @default 60_000 */
  windowMs?: number;
  /** Addresses tracked at once; the least recently failed is forgotten beyond this. @default 10_000 */
  maxClients?: number;
  /** Persists each change. @default none (memory only) */
  log?: FailureLog;
}

/** Counts failed authentications per client address. */
export class FailedAuthLimiter {
  #failures = new Map<string, number[]>();
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxClients: number;
  readonly #log: FailureLog | undefined;

  /** `initial`: state loaded from the {@link FailureLog}, oldest first. */
  constructor(
    opts: FailedAuthLimiterOptions = {},
    initial: Iterable<[string, number[]]> = [],
  ) {
    this.maxFailures = opts.maxFailures ?? AUTH_LIMIT_DEFAULTS.maxFailures;
    this.windowMs = opts.windowMs ?? AUTH_LIMIT_DEFAULTS.windowMs;
    this.maxClients = opts.maxClients ?? AUTH_LIMIT_DEFAULTS.maxClients;
    this.#log = opts.log;
    for (const [client, failures] of initial) {
      this.#failures.set(client, failures.slice(-this.maxFailures));
    }
    this.#evict();
  }

  /** Milliseconds until a failure from `client` is answered normally again; 0 when it is now. */
  retryAfterMs(client: string, now: number): number {
    const all = this.#failures.get(client);
    if (!all) return 0;
    const recent = this.#recent(all, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[recent.length - this.maxFailures]! + this.windowMs - now;
  }

  /**
   * Records a failure at `now` and returns how long `client` is limited
   * (0: answer it as a plain failure). A failure while limited is not
   * recorded: it costs nothing, and the limit lifts as the window moves.
   */
  fail(client: string, now: number): number {
    const wait = this.retryAfterMs(client, now);
    if (wait > 0) return wait;
    const recent = this.#recent(this.#failures.get(client) ?? [], now);
    recent.push(now);
    // Re-inserted so Map order is least recently failed first.
    this.#failures.delete(client);
    this.#failures.set(client, recent);
    this.#log?.save(client, recent);
    this.#evict();
    return 0;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.#failures.size;
  }

  #recent(all: number[], now: number): number[] {
    // A clock that went backwards keeps nothing from "the future".
    return all.filter((t) => t > now - this.windowMs && t <= now).slice(-this.maxFailures);
  }

  #evict(): void {
    while (this.#failures.size > this.maxClients) {
      const oldest = this.#failures.keys().next().value!;
      this.#failures.delete(oldest);
      this.#log?.remove(oldest);
    }
  }
}

/**
 * @module cooldown
 * Per-backend health as a discriminated union, resolved lazily when read
 * (like a circuit breaker without timers): `healthy`, `cooling` until an
 * instant, then half-open `probing` while exactly one request tests the
 * backend. Every function is pure; the caller stores the returned value.
 *
 * A cooldown has a scope, and each scope is one such state: the whole backend
 * (quota, refused keys, errors in a row) or one (backend, upstream model)
 * pair, because providers rate-limit per model and a 429 for one model says
 * nothing about another on the same key. {@linkcode scopedOutcomes} splits an
 * attempt's outcome between the two.
 */

/** Why a backend cools; also the `reason` of a cooldown event row. */
export const COOLDOWN_REASONS = ["429", "quota", "auth", "errors", "paused"] as const;
/** One of {@link COOLDOWN_REASONS}. */
export type CooldownReason = typeof COOLDOWN_REASONS[number];

/** Where a backend stands. Expiry is not a state of its own: it is read from `until`. */
export type HealthState =
  | { state: "healthy" }
  | { state: "cooling"; reason: CooldownReason; since: number; until: number }
  /** The cooldown expired and exactly one probe request is in flight since `probeSince`. */
  | { state: "probing"; reason: CooldownReason; probeSince: number }
  /** Paused by an operator: a cooldown with no end and no probe, until cleared. */
  | { state: "paused"; since: number };

/**
 * The end recorded for a pause's cooldown event while it runs: the last
 * instant a Date holds, since a pause has no end until a clear moves it.
 */
export const PAUSE_END = 8_640_000_000_000_000;

/** A backend's health plus the counters the cooldown rules escalate on. */
export interface BackendHealth {
  readonly health: HealthState;
  /** 429s in a row (a success heals only outside a running cooldown); drives the 429 backoff. */
  readonly consecutive429: number;
  /** Failures (5xx, resets, timeouts) in a row, reset when an errors cooldown starts. */
  readonly failures: number;
}

/** The cooldown settings of the config (seconds unless named `Ms`). */
export interface CooldownPolicy {
  /** `cooldown_base_seconds`: the first 429's cooldown. */
  baseSeconds: number;
  /** `cooldown_max_seconds`: cap of the 429 cooldown, and the auth cooldown. */
  maxSeconds: number;
  /** `cooldown_exponential_backoff`: `base * 2^(n-1)` when true, `base * n` when false. */
  exponential: boolean;
  /** `cooldown_precheck_threshold_seconds`: see {@linkcode availability}. */
  precheckSeconds: number;
  /** `quota_cooldown_seconds`: cooldown after `insufficient_quota`. */
  quotaSeconds: number;
  /** `failure_threshold`: failures in a row before an errors cooldown. */
  failureThreshold: number;
  /** `error_cooldown_seconds`: the fixed errors cooldown. */
  errorCooldownSeconds: number;
  /** How long a probe may stay unanswered before another request may probe. */
  probeTimeoutMs: number;
}

/** What one upstream attempt said about the backend's health. */
export type AttemptOutcome =
  | { kind: "success" }
  /** 429 rate limit, with the upstream's Retry-After if any. */
  | { kind: "rate_limited"; retryAfterMs?: number }
  /** 429 `insufficient_quota`. */
  | { kind: "quota"; retryAfterMs?: number }
  /** 401 or 403: the key is bad. */
  | { kind: "auth" }
  /** 5xx, connection reset or refused, timeout. */
  | { kind: "failure" }
  /** 404 or another client 4xx: says nothing about health. */
  | { kind: "neutral" };

/** Longest Retry-After honoured: 24 hours. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** A backend with no history. */
export const HEALTHY: BackendHealth = Object.freeze({
  health: Object.freeze({ state: "healthy" as const }),
  consecutive429: 0,
  failures: 0,
});

/** A backend's health in both scopes, as stored and as seeded at start-up. */
export interface ScopedHealth extends BackendHealth {
  /** Pair scopes by upstream model; only those that are not healthy. */
  readonly models?: ReadonlyMap<string, BackendHealth>;
}

/** Neutral: the outcome that changes nothing but frees a probe. */
const NEUTRAL: AttemptOutcome = Object.freeze({ kind: "neutral" });

/** What each scope makes of one attempt's outcome. */
export interface ScopedOutcomes {
  /** For the whole backend: never `rate_limited`. */
  backend: AttemptOutcome;
  /** For the (backend, upstream model) pair: only `rate_limited`, `success` or `neutral`. */
  model: AttemptOutcome;
}

/**
 * Splits an outcome between the scopes. A rate limit cools the pair only; to
 * the backend it is neutral (the server answered, so a backend probe is freed
 * but not judged). Quota, auth and failures cool the backend; to the pair they
 * are neutral, so a pair probe that met one is freed for the next request.
 * A success counts for both.
 */
export function scopedOutcomes(outcome: AttemptOutcome): ScopedOutcomes {
  switch (outcome.kind) {
    case "rate_limited":
      return { backend: NEUTRAL, model: outcome };
    case "success":
    case "neutral":
      return { backend: outcome, model: outcome };
    default:
      return { backend: outcome, model: NEUTRAL };
  }
}

/** Healthy with no counters: a pair scope in this state need not be kept. */
export function isPristine(h: BackendHealth): boolean {
  return h.health.state === "healthy" && h.consecutive429 === 0 && h.failures === 0;
}

/** Whether a request may be sent now; a `probe` request must be {@linkcode claim}ed. */
export type Availability = { usable: true; probe: boolean } | { usable: false; readyAt: number };

// Shared answers: availability is asked for every candidate of every request.
const USABLE: Availability = Object.freeze({ usable: true, probe: false });
const PROBE: Availability = Object.freeze({ usable: true, probe: true });

/** A cooldown that started or was lengthened: the data of a cooldown event row. */
export interface CooldownStarted {
  reason: CooldownReason;
  /** The count that triggered it: `n` for a 429, failures in a row for errors, else 1. */
  consecutive: number;
  /** Length asked for by this outcome, in seconds (fractional with `retry-after-ms`). */
  seconds: number;
  /** When this outcome started cooling (`now`). */
  since: number;
  /** When the backend's cooldown now ends. */
  until: number;
  /** True when it lengthened a cooldown that was still running. */
  extended: boolean;
}

/** The new health after an outcome, and the cooldown it started if any. */
export interface RecordResult {
  next: BackendHealth;
  cooldown?: CooldownStarted;
}

/**
 * Whether the backend may take a request at `now`.
 *
 * - `healthy`: usable.
 * - `cooling` with `until > now`: not usable until `until`. This includes the
 *   seed's precheck: a cooldown that ends within `precheckSeconds` still counts
 *   as cooling. Nothing is released early, so a backend is never sent a request
 *   a moment before the upstream's own limit resets; a caller that would rather
 *   wait for so short a cooldown can use `readyAt`.
 * - `cooling` with `until <= now`: usable as the probe (half-open).
 * - `probing`: not usable while the probe is in flight, unless it has been out
 *   for `probeTimeoutMs`: a lost probe must not block the backend forever, so
 *   another request may then probe.
 */
export function availability(h: BackendHealth, now: number, policy: CooldownPolicy): Availability {
  const s = h.health;
  switch (s.state) {
    case "healthy":
      return USABLE;
    case "cooling":
      return now >= s.until ? PROBE : { usable: false, readyAt: s.until };
    case "probing": {
      const readyAt = s.probeSince + policy.probeTimeoutMs;
      return now >= readyAt ? PROBE : { usable: false, readyAt };
    }
    case "paused":
      return NEVER;
  }
}

const NEVER: Availability = Object.freeze({ usable: false, readyAt: Infinity });

/**
 * Call when a request is actually sent to the backend. When
 * {@linkcode availability} says `probe`, the backend moves to `probing` so no
 * other request follows until the probe is answered; otherwise `h` is
 * returned unchanged.
 */
export function claim(h: BackendHealth, now: number, policy: CooldownPolicy): BackendHealth {
  const s = h.health;
  if (s.state === "healthy" || s.state === "paused") return h;
  const a = availability(h, now, policy);
  if (!a.usable) return h;
  return { ...h, health: { state: "probing", reason: s.reason, probeSince: now } };
}

/**
 * The 429 cooldown for the `n`th 429 in a row: `base * 2^(n-1)`, or
 * `base * n` when not exponential, capped at `maxSeconds`.
 */
export function cooldownSeconds429(n: number, policy: CooldownPolicy): number {
  const k = Math.max(1, Math.floor(n));
  const seconds = policy.exponential ? policy.baseSeconds * 2 ** (k - 1) : policy.baseSeconds * k;
  return Math.min(policy.maxSeconds, seconds);
}

/**
 * Applies one attempt's outcome at `now`.
 *
 * - `success` heals: healthy, both counters reset. Exception: during a running
 *   cooldown (`until > now`) the success answers a request sent before the
 *   cooldown began, so it says nothing about the backend now; it only resets
 *   `failures`, and the backend heals through its probe.
 * - `rate_limited`: `consecutive429 + 1 = n`, cool for
 *   {@linkcode cooldownSeconds429}`(n)` or the Retry-After when longer.
 * - `quota`: `quotaSeconds`, or the Retry-After when longer.
 * - `auth`: `maxSeconds`.
 * - `failure`: `failures + 1`; at `failureThreshold` cool for
 *   `errorCooldownSeconds` and reset `failures` so the next errors cooldown
 *   needs a full threshold again. A failed probe cools at once: the backend
 *   was on trial and has no failure budget left.
 * - `neutral`: no change, except that an answered probe returns the backend to
 *   expired cooling, so the next request probes again.
 *
 * A cooldown during a running one ends at the later of the two ends, never
 * earlier; when it would not lengthen it, only the counters change and no
 * cooldown is reported. A paused scope takes no outcome: only a clear ends it.
 */
export function record(
  h: BackendHealth,
  outcome: AttemptOutcome,
  now: number,
  policy: CooldownPolicy,
): RecordResult {
  if (h.health.state === "paused") return { next: h };
  switch (outcome.kind) {
    case "success":
      if (isRunning(h, now)) return { next: h.failures === 0 ? h : { ...h, failures: 0 } };
      return { next: HEALTHY };
    case "neutral": {
      const s = h.health;
      if (s.state !== "probing") return { next: h };
      return {
        next: { ...h, health: { state: "cooling", reason: s.reason, since: now, until: now } },
      };
    }
    case "rate_limited": {
      const n = h.consecutive429 + 1;
      const seconds = withRetryAfter(cooldownSeconds429(n, policy), outcome.retryAfterMs);
      return cool({ ...h, consecutive429: n }, "429", n, seconds, now);
    }
    case "quota":
      return cool(h, "quota", 1, withRetryAfter(policy.quotaSeconds, outcome.retryAfterMs), now);
    case "auth":
      return cool(h, "auth", 1, policy.maxSeconds, now);
    case "failure": {
      const failures = h.failures + 1;
      if (failures < policy.failureThreshold && h.health.state !== "probing") {
        return { next: { ...h, failures } };
      }
      return cool({ ...h, failures: 0 }, "errors", failures, policy.errorCooldownSeconds, now);
    }
  }
}

/**
 * A scope's health after hearing `remote`, the same scope's health as
 * another replica recorded it (docs/cluster.md, "Applying a change from
 * elsewhere"). Messages from several replicas may cross, so:
 *
 * - a remote cooldown never shortens a running local one: the later end wins;
 * - a remote heal is taken like a local success: it does not end a cooldown
 *   still running here (it may answer a request sent before it);
 * - a remote probe is taken unless a cooldown is still running here, so this
 *   replica does not probe the same scope too;
 * - the 429 streak is the longer of the two, so backoff never restarts;
 * - a pause is taken, and only a clear ends one.
 */
export function adopt(local: BackendHealth, remote: BackendHealth, now: number): BackendHealth {
  const l = local.health;
  const r = remote.health;
  if (r.state === "paused") return l.state === "paused" ? local : remote;
  if (l.state === "paused") return local;
  const consecutive429 = Math.max(local.consecutive429, remote.consecutive429);
  switch (r.state) {
    case "healthy":
      return isRunning(local, now) ? local : remote;
    case "probing":
      return isRunning(local, now) ? { ...local, consecutive429 } : { ...remote, consecutive429 };
    case "cooling":
      if (l.state === "cooling" && l.until >= r.until) return { ...local, consecutive429 };
      return { ...remote, consecutive429 };
  }
}

/**
 * Manual pause from the admin: out of rotation with no end, until
 * {@linkcode clear}ed. An existing pause is kept as it is (no new event).
 */
export function pause(h: BackendHealth, now: number): RecordResult {
  if (h.health.state === "paused") return { next: h };
  return {
    next: { ...h, health: { state: "paused", since: now } },
    cooldown: {
      reason: "paused",
      consecutive: 1,
      seconds: (PAUSE_END - now) / 1000,
      since: now,
      until: PAUSE_END,
      extended: false,
    },
  };
}

/** Manual clear from the admin: healthy, counters reset. */
export function clear(_h: BackendHealth): BackendHealth {
  return HEALTHY;
}

/** A cooldown that has not yet expired at `now`. */
function isRunning(h: BackendHealth, now: number): boolean {
  return h.health.state === "cooling" && h.health.until > now;
}

/** A Retry-After longer than the rule's duration wins, up to 24 h. */
function withRetryAfter(seconds: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return seconds;
  return Math.max(seconds, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) / 1000);
}

/** Starts a cooldown, or lengthens a running one; never shortens it. */
function cool(
  h: BackendHealth,
  reason: CooldownReason,
  consecutive: number,
  seconds: number,
  now: number,
): RecordResult {
  const until = now + seconds * 1000;
  const s = h.health;
  const running = s.state === "cooling" && s.until > now;
  if (running && until <= s.until) return { next: h };
  const since = running ? s.since : now;
  return {
    next: { ...h, health: { state: "cooling", reason, since, until } },
    cooldown: { reason, consecutive, seconds, since: now, until, extended: running },
  };
}

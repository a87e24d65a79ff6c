/**
 * @module attempt_plan
 * The per-request state of the attempt loop: what was tried, what may be
 * tried again and when, and what to wait for. `next(now)` says what to do
 * now (an attempt, a wait, or nothing more); `record()` takes an attempt's
 * outcome. The rules are those of docs/failover.md:
 *
 * - Pools in priority order. After a transient failure the pool's other
 *   usable backends come first, then a backend of the pool that failed
 *   transiently again after a jittered backoff, at most `pool_retries`
 *   extra attempts per pool; only then the next pool.
 * - A backend that timed out, was cooled or lacks the model is not tried
 *   again in the request; one cooled by this request may be waited for
 *   within `max_wait_ms`.
 * - A context overflow rules out every backend with the same upstream model.
 * - Backends that cannot serve the call (call_backends.ts) are never picked.
 * - At most `max_attempts` attempts, all before `request_deadline_ms`.
 */
import { BackendLease } from "../engine/backend_lease.ts";
import { upstreamModel } from "../engine/model_match.ts";
import type { LiveBackend, Registry } from "../engine/registry.ts";
import type { FailureClass } from "./failure_classifier.ts";

/** The config fields the plan follows. */
export interface PlanConfig {
  max_attempts: number;
  request_deadline_ms: number;
  max_wait_ms: number;
  pool_retries: number;
}

/** What to do now. */
export type Step =
  /**
   * Send an attempt through `lease`, after waiting `backoffMs` (a retry of a
   * backend). With `probeClaim`, the attempt is a probe the cluster has yet to
   * grant: send it only if that resolves true, else {@link AttemptPlan.forfeit} it.
   */
  | { kind: "attempt"; lease: BackendLease; backoffMs: number; probeClaim?: Promise<boolean> }
  /** Nothing is usable now but something will be within `max_wait_ms`: wait, then ask again. */
  | { kind: "wait"; ms: number }
  /**
   * A backend is held back only by tokens on their way from the cluster
   * (one round trip): wait for them whatever `max_wait_ms` is, then ask again.
   */
  | { kind: "tokens"; arriving: Promise<void> }
  /** No more attempts: `deadlineHit` when the request deadline ended them. */
  | { kind: "exhausted"; deadlineHit: boolean };

/** First backoff step of a retry inside a pool; each step doubles. */
export const RETRY_STEP_MS = 250;
/** Largest backoff step. */
export const RETRY_CAP_MS = 4000;

/**
 * The wait before the `n`th retry inside a pool (0 for the first): between
 * half and all of its step, `min(cap, 250 ms * 2^n)`, so requests that
 * failed together do not retry together.
 */
export function poolRetryBackoffMs(n: number, random: () => number): number {
  const step = Math.min(RETRY_CAP_MS, RETRY_STEP_MS * 2 ** Math.max(0, n));
  return step * (0.5 + 0.5 * random());
}

const NONE: ReadonlySet<string> = new Set();

/** One request's attempts. */
export class AttemptPlan {
  /** Epoch ms after which no attempt starts. */
  readonly deadline: number;
  #attempts = 0;
  #tried = new Set<string>();
  /** Not again in this request: timed out, cooled, lacking the model, not serving the call. */
  #noRetry: Set<string>;
  /** Cooled by this request: not again at once, but worth waiting for. */
  #cooledHere = new Set<string>();
  /** Failed transiently: may be retried after a backoff, within its pool's budget. */
  #transient = new Set<string>();
  #poolRetries = new Map<string, number>();
  /** The pool of the latest attempt: the one being worked. */
  #pool: string | undefined;
  /** Upstream models that answered with a context overflow. */
  #overflowed = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly model: string,
    private readonly cfg: PlanConfig,
    started: number,
    private readonly random: () => number,
    private readonly now: () => number,
    /** Candidates of the model that cannot serve this call. @default none */
    excluded: ReadonlySet<string> = NONE,
  ) {
    this.deadline = started + cfg.request_deadline_ms;
    this.#noRetry = new Set(excluded);
  }

  /** Attempts handed out so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * What to do at `now`; an attempt's backend is claimed (rpm token, probe)
   * and leased. `only`, when given, admits just the backends it accepts (a
   * continuation of a broken stream needs one that can resume).
   */
  next(now: number, only?: (b: LiveBackend, upstreamModel: string) => boolean): Step {
    if (this.#attempts >= this.cfg.max_attempts) return { kind: "exhausted", deadlineHit: false };
    if (now >= this.deadline) return { kind: "exhausted", deadlineHit: true };
    const hard = only ? this.#admitting(only) : this.#hardExclude();
    // The first attempt (most requests' only one) builds no set.
    if (this.#attempts === 0) {
      const first = this.registry.pick(this.model, now, hard);
      return first.kind === "backend" ? this.#attempt(first, 0) : this.#waitOrEnd(now, hard, first);
    }
    const candidates = this.registry.candidates(this.model);
    const pool = this.#pool;
    if (pool !== undefined) {
      // 1. The pool being worked: a backend not tried yet.
      const fresh = this.registry.pick(
        this.model,
        now,
        this.#excluding(hard, candidates, (b) => b.pool_id !== pool || this.#tried.has(b.id)),
      );
      if (fresh.kind === "backend") return this.#attempt(fresh, 0);
      // 2. The same pool again: a backend that failed transiently, after a backoff.
      const used = this.#poolRetries.get(pool) ?? 0;
      if (used < this.cfg.pool_retries) {
        const retry = this.registry.pick(
          this.model,
          now,
          this.#excluding(
            hard,
            candidates,
            (b) => b.pool_id !== pool || !this.#transient.has(b.id),
          ),
        );
        if (retry.kind === "backend") {
          this.#poolRetries.set(pool, used + 1);
          const backoff = Math.min(poolRetryBackoffMs(used, this.random), this.deadline - now);
          return this.#attempt(retry, backoff);
        }
      }
    }
    // 3. The next pool: anything not tried yet.
    const next = this.registry.pick(
      this.model,
      now,
      this.#excluding(hard, candidates, (b) => this.#tried.has(b.id)),
    );
    return next.kind === "backend" ? this.#attempt(next, 0) : this.#waitOrEnd(now, hard, next);
  }

  /** Takes the outcome of the attempt made through `lease`. */
  record(lease: BackendLease, outcome: FailureClass): void {
    const id = lease.backend.id;
    switch (outcome.disposition) {
      case "retry":
        this.#transient.add(id);
        break;
      case "next":
        this.#noRetry.add(id);
        this.#transient.delete(id);
        if (outcome.scope !== null && outcome.health.kind !== "failure") this.#cooledHere.add(id);
        break;
      case "other_model":
        this.#overflowed.add(lease.upstreamModel);
        break;
      case "commit":
      case "return":
        break;
    }
  }

  #attempt(
    pick: Extract<ReturnType<Registry["pick"]>, { kind: "backend" }>,
    backoffMs: number,
  ): Step {
    const b = pick.backend;
    this.#attempts++;
    this.#tried.add(b.id);
    this.#pool = b.pool_id;
    const lease = new BackendLease(b, pick.upstreamModel, pick.probe, this.registry, this.now);
    return pick.probeClaim
      ? { kind: "attempt", lease, backoffMs, probeClaim: pick.probeClaim }
      : { kind: "attempt", lease, backoffMs };
  }

  /**
   * The attempt through `lease` was never sent: another replica won its
   * probe. It does not count, and that backend is not tried again in this
   * request (it is being probed elsewhere).
   */
  forfeit(lease: BackendLease): void {
    this.#attempts--;
    this.#noRetry.add(lease.backend.id);
    lease.abandon();
  }

  /** Nothing to pick now: wait for tokens on their way, or for a cooldown within `max_wait_ms`, or end. */
  #waitOrEnd(
    now: number,
    hard: ReadonlySet<string>,
    none: Extract<ReturnType<Registry["pick"]>, { kind: "none" }>,
  ): Step {
    if (none.arriving) return { kind: "tokens", arriving: none.arriving };
    const waitable = new Set([...hard].filter((id) => !this.#cooledHere.has(id)));
    const readyAt = this.registry.readyAt(this.model, now, waitable);
    const waitMs = readyAt - now;
    if (
      (waitMs > 0 || this.#cooledHere.size > 0) && waitMs <= this.cfg.max_wait_ms &&
      readyAt < this.deadline
    ) {
      // After the wait, what this request cooled may be tried afresh; the
      // registry still keeps away any that is cooling then.
      for (const id of this.#cooledHere) {
        this.#noRetry.delete(id);
        this.#tried.delete(id);
      }
      this.#cooledHere.clear();
      this.#pool = undefined;
      return { kind: "wait", ms: Math.max(0, waitMs) };
    }
    return { kind: "exhausted", deadlineHit: false };
  }

  /** Backends never to pick again: `#noRetry`, and those whose upstream model overflowed. */
  #hardExclude(): ReadonlySet<string> {
    if (this.#overflowed.size === 0) return this.#noRetry.size === 0 ? NONE : this.#noRetry;
    const out = new Set(this.#noRetry);
    for (const b of this.registry.candidates(this.model)) {
      if (this.#overflowed.has(upstreamModel(b.model_map, this.model))) out.add(b.id);
    }
    return out;
  }

  #admitting(only: (b: LiveBackend, upstreamModel: string) => boolean): ReadonlySet<string> {
    return this.#excluding(
      this.#hardExclude(),
      this.registry.candidates(this.model),
      (b) => !only(b, upstreamModel(b.model_map, this.model)),
    );
  }

  #excluding(
    hard: ReadonlySet<string>,
    candidates: readonly LiveBackend[],
    leaveOut: (b: LiveBackend) => boolean,
  ): ReadonlySet<string> {
    const out = new Set(hard);
    for (const b of candidates) if (leaveOut(b)) out.add(b.id);
    return out;
  }
}

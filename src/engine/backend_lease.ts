/**
 * @module backend_lease
 * One attempt's claim on a backend, from the moment it is picked until the
 * answer is over: an in-flight slot, and for a half-open scope the probe
 * claim that only a health report gives back. Reporting and releasing each
 * happen once, so every path out of an attempt (an exception included) can
 * settle the lease without counting twice.
 */
import type { AttemptOutcome } from "./cooldown.ts";
import type { LiveBackend } from "./registry.ts";

/** Where a lease reports: the registry's health bookkeeping. */
export interface HealthSink {
  report(id: string, outcome: AttemptOutcome, now: number, upstreamModel?: string): void;
}

/** The outcome that frees a probe without judging the backend. */
export const NEUTRAL: AttemptOutcome = Object.freeze({ kind: "neutral" });

/** A picked backend held for one attempt at one upstream model. */
export class BackendLease {
  #reported = false;
  #released = false;

  /** Takes an in-flight slot on `backend` (its probe, if any, was claimed by the pick). */
  constructor(
    readonly backend: LiveBackend,
    /** The model name sent upstream: a 429 cools this (backend, model) pair. */
    readonly upstreamModel: string,
    /** This attempt is the half-open probe of a cooled scope. */
    readonly probe: boolean,
    private readonly health: HealthSink,
    private readonly now: () => number,
  ) {
    backend.slots.acquire();
  }

  /**
   * Reports the attempt's outcome, once: a committed answer reports success
   * before its body is relayed, so a probe ends as soon as it is answered.
   */
  report(outcome: AttemptOutcome): void {
    if (this.#reported) return;
    this.#reported = true;
    this.health.report(this.backend.id, outcome, this.now(), this.upstreamModel);
  }

  /** Gives the in-flight slot back, once: when the answer's body is over. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.backend.slots.release();
  }

  /**
   * The attempt was never sent (another replica won the probe): gives the
   * slot back and reports nothing, so the scope stays claimed here until the
   * winner's answer arrives from the cluster (or the probe times out).
   */
  abandon(): void {
    this.#reported = true;
    this.release();
  }

  /** The attempt is over: reports `outcome` (unless already reported) and releases. */
  done(outcome: AttemptOutcome): void {
    this.report(outcome);
    this.release();
  }
}

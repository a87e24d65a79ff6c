/**
 * @module attempt_lease
 * One attempt's claim on a backend, from the moment it is picked until the
 * answer is over: the in-flight count, and for a half-open backend the
 * probe slot that only a health report gives back. Settling is idempotent,
 * so every path (including an exception) can settle it without counting twice.
 */
import type { AttemptOutcome } from "../engine/cooldown.ts";
import type { LiveBackend, Registry } from "../engine/registry.ts";

/** The outcome that frees a probe without judging the backend. */
export const NEUTRAL: AttemptOutcome = Object.freeze({ kind: "neutral" });

/** A picked backend held for one attempt. */
export class AttemptLease {
  #reported = false;
  #released = false;

  /** Takes an in-flight slot on `backend` (already claimed by `Registry.pick`). */
  constructor(
    readonly backend: LiveBackend,
    private readonly registry: Pick<Registry, "report">,
    private readonly now: () => number,
  ) {
    backend.inFlight++;
  }

  /**
   * Reports the attempt's outcome to the backend's health, once: a committed
   * answer reports success before its body is relayed, and the probe ends then.
   */
  report(outcome: AttemptOutcome): void {
    if (this.#reported) return;
    this.#reported = true;
    this.registry.report(this.backend.id, outcome, this.now());
  }

  /** Gives the in-flight slot back, once: when the answer's body is over. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.backend.inFlight--;
  }

  /** The attempt is over: reports `outcome` (unless already reported) and releases. */
  done(outcome: AttemptOutcome): void {
    this.report(outcome);
    this.release();
  }
}

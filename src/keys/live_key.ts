/**
 * @module live_key
 * A client key as the request path holds it in memory: its policy, read
 * straight from the stored row, and the live state that policy needs (its
 * token buckets, its in-flight slots, its budget's ledger, when it was last
 * used). Rebuilt on every reload, but the state is carried over by id, so
 * an edit, a rotation or a config-file reload keeps the key's buckets,
 * in-flight count and spend, as the registry does for backends.
 */
import type { BudgetLedger } from "../state/budget_ledger.ts";
import type { InFlightSlots, LocalBucket, SharedState } from "../state/shared_state.ts";
import type { ClientKeyRecord } from "../store/rows.ts";
import { type KeyPolicy, parseIsoTime, policyOf } from "./key_policy.ts";

/** How often a key's last use is written to disk at most. */
export const LAST_USED_WRITE_MS = 60_000;

/** One client key, live. */
export class LiveKey {
  policy!: Readonly<KeyPolicy>;
  /** Epoch ms from which the key is refused; Infinity without `expires_at`. */
  expiresAt = Infinity;
  rpm: LocalBucket | undefined;
  tpm: LocalBucket | undefined;
  /** The spend and reservations of its budget; undefined without `budget_usd`. */
  budget: BudgetLedger | undefined;
  /** Requests of this key in flight (counted whether or not `max_concurrent` is set). */
  readonly slots: InFlightSlots;
  /** The last use seen, epoch ms (0: never). */
  lastUsed = 0;
  #lastWritten = 0;

  constructor(readonly id: string, shared: SharedState) {
    this.slots = shared.slots({ owner: "key", id });
  }

  /** Applies a stored row: its policy, buckets created, reconfigured or dropped to match. */
  apply(row: ClientKeyRecord, shared: SharedState, now: number): this {
    this.policy = Object.freeze(policyOf(row));
    this.expiresAt = row.expires_at === null ? Infinity : parseIsoTime(row.expires_at);
    this.rpm = bucket(this.rpm, shared, this.id, "rpm", row.rpm_limit, now);
    this.tpm = bucket(this.tpm, shared, this.id, "tpm", row.tpm_limit, now);
    // The same ledger whenever the period stays: a budget edited (or removed
    // and set again) keeps what was spent; a new period kind counts afresh.
    this.budget = row.budget_usd === null || row.budget_period === null
      ? undefined
      : shared.budget(this.id, {
        period: row.budget_period,
        createdAt: Date.parse(row.created_at),
      });
    const stored = row.last_used_at === null ? 0 : Date.parse(row.last_used_at);
    if (stored > this.lastUsed) this.lastUsed = stored;
    if (stored > this.#lastWritten) this.#lastWritten = stored;
    return this;
  }

  /**
   * Notes a use at `now`; true when it is due to be written (the first use,
   * then at most once per {@link LAST_USED_WRITE_MS}), so a busy key does not
   * write on every request.
   */
  noteUse(now: number): boolean {
    if (now > this.lastUsed) this.lastUsed = now;
    if (now - this.#lastWritten < LAST_USED_WRITE_MS) return false;
    this.#lastWritten = now;
    return true;
  }
}

function bucket(
  old: LocalBucket | undefined,
  shared: SharedState,
  id: string,
  limit: "rpm" | "tpm",
  capacity: number | null,
  now: number,
): LocalBucket | undefined {
  if (capacity === null) return undefined;
  // Per minute, as a backend's: full at the start, refilled continuously.
  if (!old) return shared.bucket({ owner: "key", id, limit }, capacity, capacity / 60, now);
  old.reconfigure(capacity, capacity / 60, now);
  return old;
}

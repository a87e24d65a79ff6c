/**
 * @module live_key
 * A client key as the request path holds it in memory: its policy, read
 * straight from the stored row, and the live state that policy needs (its
 * token buckets, its in-flight slots, when it was last used). Rebuilt on
 * every reload, but the state is carried over by id, so an edit, a rotation
 * or a config-file reload keeps the key's buckets and in-flight count, as
 * the registry does for backends.
 */
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

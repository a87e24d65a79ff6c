/**
 * @module request_writer_protocol
 * What the request writer (main thread) and its worker share: a ring of
 * request records and key spend in shared memory, two words saying how far
 * each side has got in it, and the messages for everything else.
 */

/**
 * The words of the control block (an Int32Array over a SharedArrayBuffer).
 * Byte counts grow without end and wrap at 2^32; only their difference (at
 * most the ring's size) is ever used.
 */
export const WORD = {
  /** The sequence number of the last message the worker has finished. */
  done: 0,
  /** Bytes of records the main thread has written into the ring. */
  written: 1,
  /** Bytes of records the worker has taken out of the ring (and committed, or reported). */
  read: 2,
} as const;

/** Words in the control block. */
export const CONTROL_WORDS = 3;

/** Records are JSON lines in the ring: `RequestEntry` JSON, then this byte. */
export const RECORD_END = 0x0a;

/** A line that starts with this is a key's spend (`SpendRow` JSON after it), not a request. */
export const SPEND_MARK = "S";

/**
 * Main thread → worker, handled in order. Each carries a sequence number
 * the worker publishes in {@link WORD.done} once it is done with it. Every
 * message but `open` first takes the records written so far out of the
 * ring, so a purge or a checkpoint comes after the records added before it.
 */
export type ToWriter =
  /** First message: the database, the control block and the ring, and how often to drain it unasked. */
  | {
    kind: "open";
    seq: number;
    path: string;
    control: SharedArrayBuffer;
    ring: SharedArrayBuffer;
    drainMs: number;
  }
  /** Commit the records in the ring now (flush, a full batch, a ring short of room). */
  | { kind: "drain"; seq: number }
  | { kind: "purge"; seq: number; before: number }
  /** Copy the WAL into the database file (PASSIVE: never waits on other connections). */
  | { kind: "checkpoint"; seq: number }
  /** Close the connection before the thread is terminated. */
  | { kind: "close"; seq: number };

/** Worker → main thread. */
export type FromWriter = { kind: "failed"; message: string; dropped: number };

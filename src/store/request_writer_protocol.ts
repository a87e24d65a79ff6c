/**
 * @module request_writer_protocol
 * Messages between the request writer (main thread) and its worker.
 */

/**
 * Main thread → worker, handled in order. Each carries a sequence number
 * the worker publishes in the shared word once it is done with it, so the
 * main thread knows how far behind the thread is without a reply message.
 */
export type ToWriter =
  /** First message: the database and the shared word the sequence is published in. */
  | { kind: "open"; seq: number; path: string; done: SharedArrayBuffer }
  /** `RequestEntry[]` as JSON: a string crosses threads for about half the cost of cloning objects. */
  | { kind: "insert"; seq: number; rows: string }
  | { kind: "purge"; seq: number; before: number }
  /** Copy the WAL into the database file (PASSIVE: never waits on other connections). */
  | { kind: "checkpoint"; seq: number }
  /** Close the connection before the thread is terminated. */
  | { kind: "close"; seq: number };

/** Worker → main thread. */
export type FromWriter = { kind: "failed"; message: string; dropped: number };

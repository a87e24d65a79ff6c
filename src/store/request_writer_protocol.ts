/**
 * @module request_writer_protocol
 * Messages between the request writer (main thread) and its worker.
 */
import type { RequestEntry } from "./request_repo.ts";

/** Main thread → worker, handled in order. */
export type ToWriter =
  /** First message: the database and the shared word `synced` is published in. */
  | { kind: "open"; path: string; synced: SharedArrayBuffer }
  /** `RequestEntry[]` as JSON: a string crosses threads for about half the cost of cloning objects. */
  | { kind: "insert"; rows: string }
  | { kind: "purge"; before: number }
  /** Copy the WAL into the database file (PASSIVE: never waits on other connections). */
  | { kind: "checkpoint" }
  /** Close the connection; the thread is terminated after the next sync. */
  | { kind: "close" }
  /** Publish `seq` once everything sent before it is committed. */
  | { kind: "sync"; seq: number };

/** Worker → main thread. */
export type FromWriter = { kind: "failed"; message: string; dropped: number };

/**
 * @module write_queue
 * The batched writer: the proxy enqueues writes and returns at once; a
 * flush runs everything queued in one transaction, on a short interval, when
 * the batch is full, and on shutdown. The request path never waits on disk.
 */
import type { DatabaseSync } from "node:sqlite";
import { mark, PHASE } from "../phase_trace.ts";
import { transaction } from "./connection.ts";

/** Options of {@link WriteQueue}. */
export interface WriteQueueOptions {
  /** Flush this often. @default 50 */
  intervalMs?: number;
  /** Flush early once this many writes are queued. @default 256 */
  maxBatch?: number;
  /** Called when a flush fails (the batch is dropped, never retried forever). */
  onError?: (err: unknown, dropped: number) => void;
}

/** A queue of deferred writes flushed in one transaction per batch. */
export class WriteQueue {
  #pending: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #onError: (err: unknown, dropped: number) => void;

  constructor(private readonly db: DatabaseSync, opts: WriteQueueOptions = {}) {
    this.#intervalMs = opts.intervalMs ?? 50;
    this.#maxBatch = opts.maxBatch ?? 256;
    this.#onError = opts.onError ?? (() => {});
  }

  /** Queues a write; it runs inside the next flush's transaction. */
  enqueue(write: () => void): void {
    if (this.#closed) {
      // After shutdown began, write straight through so nothing is lost.
      try {
        this.#write([write]);
      } catch (err) {
        this.#onError(err, 1);
      }
      return;
    }
    this.#pending.push(write);
    if (this.#pending.length >= this.#maxBatch) this.flush();
    else if (this.#timer === undefined) {
      const timer = setTimeout(() => this.flush(), this.#intervalMs);
      // The flush timer must not keep a finished process (or test) alive.
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Number of writes waiting. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Writes everything queued now, in one transaction. */
  flush(): void {
    const err = this.#take();
    if (err) this.#onError(err.cause, err.dropped);
  }

  /**
   * Like {@link flush}, but throws when the batch could not be written (after
   * reporting it): for answers that promise their change is on disk.
   */
  commit(): void {
    const err = this.#take();
    if (!err) return;
    this.#onError(err.cause, err.dropped);
    throw new Error(`Could not write ${err.dropped} change(s)`, { cause: err.cause });
  }

  /** Flushes and stops the timer; later writes go straight to disk. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /** Runs the queued batch; the failure, if any, for the caller to report. */
  #take(): { cause: unknown; dropped: number } | undefined {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.length === 0) return undefined;
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#write(batch);
      return undefined;
    } catch (cause) {
      return { cause, dropped: batch.length };
    }
  }

  #write(batch: (() => void)[]): void {
    mark(PHASE.writeQueueFlush);
    try {
      transaction(this.db, () => {
        for (const write of batch) write();
      });
    } finally {
      mark(PHASE.writeQueueFlushEnd);
    }
  }
}

/**
 * @module write_queue
 * The batched writer: the proxy enqueues writes and returns at once; a
 * flush runs everything queued in one transaction, on a short interval, when
 * the batch is full, and on shutdown. The request path never waits on disk.
 */
import type { DatabaseSync } from "node:sqlite";
import { transaction } from "./database.ts";

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
      this.#run([write]);
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
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#run(batch);
  }

  /** Flushes and stops the timer; later writes go straight to disk. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  #run(batch: (() => void)[]): void {
    try {
      transaction(this.db, () => {
        for (const write of batch) write();
      });
    } catch (err) {
      this.#onError(err, batch.length);
    }
  }
}

/**
 * @module request_writer
 * Request records, written off the event loop. The proxy hands each finished
 * request's record here; records are posted in batches to a worker thread
 * that owns a second SQLite connection and inserts each batch in one
 * transaction. The event loop never runs SQLite for a proxied request:
 * inserting on it cost ~16% of Sidecar's CPU per request under load (more
 * than the insert itself: SQLite's allocations and page walks evicted the
 * request path's caches), and a flush stalled every request in flight.
 *
 * `flush()` stays synchronous so readers keep read-your-writes: it posts a
 * sync mark and waits (Atomics.wait, bounded) until the worker has
 * committed everything before it. Only admin reads call it.
 */
import type { RequestEntry } from "./request_repo.ts";
import type { FromWriter, ToWriter } from "./request_writer_protocol.ts";

/** Options of {@link RequestWriter}. */
export interface RequestWriterOptions {
  /** Post a batch this often. @default 20 */
  intervalMs?: number;
  /** Post at once when this many records are waiting. @default 256 */
  maxBatch?: number;
  /** How long `flush()` waits for the worker. @default 5000 */
  flushTimeoutMs?: number;
  /** A batch the worker could not write (dropped, never retried forever). */
  onError?: (message: string, dropped: number) => void;
}

/** Batches request records to the writer thread. */
export class RequestWriter {
  #batch: RequestEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #worker: Worker | undefined;
  #synced = new Int32Array(new SharedArrayBuffer(4));
  #seq = 0;
  #closed = false;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #flushTimeoutMs: number;
  readonly #onError: (message: string, dropped: number) => void;

  /**
   * `path`: the database file, already prepared by `openDatabase`; `null`
   * for an in-memory database, which another thread cannot open, so
   * records cannot be written to it.
   */
  constructor(private readonly path: string | null, opts: RequestWriterOptions = {}) {
    this.#intervalMs = opts.intervalMs ?? 20;
    this.#maxBatch = opts.maxBatch ?? 256;
    this.#flushTimeoutMs = opts.flushTimeoutMs ?? 5000;
    this.#onError = opts.onError ?? (() => {});
  }

  /** Queues one record. */
  add(entry: RequestEntry): void {
    if (this.#closed) {
      this.#onError("request writer is closed", 1);
      return;
    }
    this.#batch.push(entry);
    if (this.#batch.length >= this.#maxBatch) this.#post();
    else if (this.#timer === undefined) {
      const timer = setTimeout(() => this.#post(), this.#intervalMs);
      // The batch timer must not keep a finished process (or test) alive.
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Deletes records older than `before` (epoch ms), on the writer thread. */
  purge(before: number): void {
    if (this.#closed) return;
    this.#post(); // records added before the purge are judged by it too
    this.#send({ kind: "purge", before });
  }

  /**
   * Copies the WAL into the database file on the writer thread, after the
   * records added so far. Does not wait: a later `flush()` does.
   */
  checkpoint(): void {
    if (this.#closed) return;
    this.#post();
    this.#send({ kind: "checkpoint" });
  }

  /** Returns once every record added so far is committed (or the wait timed out). */
  flush(): void {
    this.#post();
    if (!this.#worker) return; // nothing was ever written
    const seq = ++this.#seq;
    this.#send({ kind: "sync", seq });
    const deadline = performance.now() + this.#flushTimeoutMs;
    for (;;) {
      const seen = Atomics.load(this.#synced, 0);
      if (seen >= seq) return;
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#onError(`request writer did not answer within ${this.#flushTimeoutMs} ms`, 0);
        return;
      }
      Atomics.wait(this.#synced, 0, seen, left);
    }
  }

  /** Flushes, closes the thread's connection and stops it; later records are reported as dropped. */
  close(): void {
    if (this.#closed) return;
    this.#post();
    // Closed explicitly, so the last connection to close (the main one) checkpoints the WAL.
    if (this.#worker) this.#send({ kind: "close" });
    this.flush();
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #post(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#batch.length === 0) return;
    const rows = this.#batch;
    this.#batch = [];
    this.#send({ kind: "insert", rows: JSON.stringify(rows) });
  }

  #send(message: ToWriter): void {
    this.#ensureWorker().postMessage(message);
  }

  // Started on first use: most tests and CLI commands never write a request.
  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    if (this.path === null) throw new Error("request records need a database file, not :memory:");
    const worker = new Worker(new URL("./request_writer_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.onmessage = (e: MessageEvent<FromWriter>) =>
      this.#onError(e.data.message, e.data.dropped);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#onError(`request writer failed: ${e.message}`, 0);
      // The next record starts a fresh thread.
      worker.terminate();
      if (this.#worker === worker) this.#worker = undefined;
    };
    worker.postMessage(
      { kind: "open", path: this.path, synced: this.#synced.buffer } satisfies ToWriter,
    );
    this.#worker = worker;
    return worker;
  }
}

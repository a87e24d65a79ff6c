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
 * The thread publishes the sequence number of each message it has finished
 * in a shared word, which gives two things without reply messages:
 * - `flush()` stays synchronous, so readers keep read-your-writes: it waits
 *   (Atomics.wait, bounded) until everything sent so far is committed. Only
 *   admin reads and shutdown call it.
 * - Backpressure: when the thread falls more than `maxBacklog` batches
 *   behind (a slow disk), posting waits for it to catch up instead of
 *   queueing without bound, so memory stays bounded and nothing is dropped.
 */
import { mark, PHASE } from "../phase_trace.ts";
import type { RequestEntry } from "./request_repo.ts";
import type { FromWriter, ToWriter } from "./request_writer_protocol.ts";

/** Options of {@link RequestWriter}. */
export interface RequestWriterOptions {
  /** Post a batch this often. @default 20 */
  intervalMs?: number;
  /** Post at once when this many records are waiting. @default 256 */
  maxBatch?: number;
  /** Messages the thread may be behind before posting waits for it. @default 64 */
  maxBacklog?: number;
  /** How long one wait for the thread may last. @default 5000 */
  waitTimeoutMs?: number;
  /** Something could not be written (dropped, never retried forever). */
  onError?: (message: string, dropped: number) => void;
}

/** Message payloads, before the writer numbers them. */
type Unnumbered<T> = T extends unknown ? Omit<T, "seq"> : never;

/** Batches request records to the writer thread. */
export class RequestWriter {
  #batch: RequestEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #worker: Worker | undefined;
  /** The last sequence number the thread has finished. */
  #done = new Int32Array(new SharedArrayBuffer(4));
  #sent = 0;
  #closed = false;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #maxBacklog: number;
  readonly #waitTimeoutMs: number;
  readonly #onError: (message: string, dropped: number) => void;

  /**
   * `path`: the database file, already prepared by `openDatabase`; `null`
   * for an in-memory database, which another thread cannot open: records
   * are then reported as dropped through `onError`.
   */
  constructor(private readonly path: string | null, opts: RequestWriterOptions = {}) {
    this.#intervalMs = opts.intervalMs ?? 20;
    this.#maxBatch = opts.maxBatch ?? 256;
    this.#maxBacklog = opts.maxBacklog ?? 64;
    this.#waitTimeoutMs = opts.waitTimeoutMs ?? 5000;
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

  /** Messages sent to the thread that it has not finished yet. */
  get backlog(): number {
    return this.#sent - Atomics.load(this.#done, 0);
  }

  /** Returns once every record added so far is committed (or the wait timed out). */
  flush(): void {
    this.#post();
    if (this.#worker) this.#waitUntil(this.#sent);
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
    if (this.path === null) {
      // Reported, never thrown: this runs as a proxied request ends.
      this.#onError("request records need a database file, not :memory:", rows.length);
      return;
    }
    mark(PHASE.writerPost);
    this.#send({ kind: "insert", rows: JSON.stringify(rows) });
    if (this.backlog > this.#maxBacklog) {
      this.#waitUntil(this.#sent - Math.floor(this.#maxBacklog / 2));
    }
    mark(PHASE.writerPostEnd);
  }

  #send(message: Unnumbered<ToWriter>): void {
    if (this.path === null) return; // no file, no thread: nothing to purge or checkpoint
    const worker = this.#ensureWorker(this.path);
    worker.postMessage({ ...message, seq: ++this.#sent } as ToWriter);
  }

  /** Blocks until the thread has finished message `seq`, at most `waitTimeoutMs`. */
  #waitUntil(seq: number): void {
    const deadline = performance.now() + this.#waitTimeoutMs;
    for (;;) {
      const done = Atomics.load(this.#done, 0);
      if (done >= seq) return;
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#onError(`request writer did not answer within ${this.#waitTimeoutMs} ms`, 0);
        return;
      }
      Atomics.wait(this.#done, 0, done, left);
    }
  }

  // Started on first use: most tests and CLI commands never write a request.
  #ensureWorker(path: string): Worker {
    if (this.#worker) return this.#worker;
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
    this.#worker = worker;
    this.#send({ kind: "open", path, done: this.#done.buffer as SharedArrayBuffer });
    return worker;
  }
}

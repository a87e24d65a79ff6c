/**
 * @module request_writer
 * Request records and key spend, written off the event loop. The proxy
 * hands each finished request's record here, and a budgeted key's new spend
 * as the request settles; a worker thread that owns a second SQLite
 * connection inserts them, a batch per transaction (a key's spend at most
 * once an interval, its latest value). The event loop never runs SQLite for a proxied
 * request: inserting on it cost ~16% of Sidecar's CPU per request under
 * load (more than the insert itself: SQLite's allocations and page walks
 * evicted the request path's caches), and a flush stalled every request in
 * flight. A write from the event loop also waits for the thread's
 * transaction to end (SQLite's busy handler sleeps a millisecond or more):
 * the spend, written through the store's write queue on the event loop,
 * was 3.8% of a governed Sidecar's event loop that way.
 *
 * Records cross in shared memory, not in messages: each is written as a
 * JSON line into a ring (a few µs, as it is added), and the thread takes
 * what has accumulated every 20 ms on its own timer. Handing batches over
 * as messages held the event loop for the batch's serialisation and for
 * waking the thread (0.4 ms on average, up to 5 ms, 46 times a second at one
 * connection), and a request arriving then waited for it; now the event
 * loop only wakes the thread when asked to flush, when a full batch waits,
 * or when the ring is short of room.
 *
 * The thread publishes how far it has read in the ring and the sequence
 * number of each message it has finished, in shared words, which gives two
 * things without reply messages:
 * - `flush()` stays synchronous, so readers keep read-your-writes: it waits
 *   (Atomics.wait, bounded) until everything added so far is committed. Only
 *   admin reads and shutdown call it.
 * - Backpressure: when the ring is full (a slow disk), adding waits for the
 *   thread to make room instead of queueing without bound, so memory stays
 *   bounded and nothing is dropped.
 */
import { mark, PHASE } from "../phase_trace.ts";
import type { SpendRow } from "../state/in_process_budget.ts";
import type { RequestEntry } from "./request_repo.ts";
import {
  CONTROL_WORDS,
  type FromWriter,
  RECORD_END,
  SPEND_MARK,
  type ToWriter,
  WORD,
} from "./request_writer_protocol.ts";

/** Options of {@link RequestWriter}. */
export interface RequestWriterOptions {
  /**
   * The thread takes the records waiting this often. It costs the event loop
   * nothing; short, it keeps each insert short (the thread shares the two
   * cores with everything else) and a crash's loss small. @default 20
   */
  intervalMs?: number;
  /** Ask the thread at once when this many records wait. @default 1024 */
  maxBatch?: number;
  /** Bytes of records that may wait in the ring (rounded up to a power of two). @default 1 MiB */
  ringBytes?: number;
  /** How long one wait for the thread may last. @default 5000 */
  waitTimeoutMs?: number;
  /** Something could not be written (dropped, never retried forever). */
  onError?: (message: string, dropped: number) => void;
}

/** Message payloads, before the writer numbers them. */
type Unnumbered<T> = T extends unknown ? Omit<T, "seq"> : never;

const encoder = new TextEncoder();

/** Hands request records to the writer thread. */
export class RequestWriter {
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  readonly #ring: Uint8Array;
  /** Where each record is encoded before it is copied into the ring. */
  #scratch = new Uint8Array(16 * 1024);
  #worker: Worker | undefined;
  #sent = 0;
  /** Records added since the thread was last asked to take them. */
  #waiting = 0;
  /** Records for an in-memory database, to report at the next flush. */
  #unwritable = 0;
  #closed = false;
  /** Key spend not in the ring yet: the latest per key and period, put there once an interval. */
  readonly #spends = new Map<string, SpendRow>();
  #spendTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #waitTimeoutMs: number;
  readonly #onError: (message: string, dropped: number) => void;

  /**
   * `path`: the database file, already prepared by `openDatabase`; `null`
   * for an in-memory database, which another thread cannot open: records
   * are then reported as dropped through `onError`.
   */
  constructor(private readonly path: string | null, opts: RequestWriterOptions = {}) {
    this.#intervalMs = opts.intervalMs ?? 20;
    this.#maxBatch = opts.maxBatch ?? 1024;
    this.#waitTimeoutMs = opts.waitTimeoutMs ?? 5000;
    this.#onError = opts.onError ?? (() => {});
    const size = 2 ** Math.ceil(Math.log2(Math.max(1024, opts.ringBytes ?? 1024 * 1024)));
    this.#ring = new Uint8Array(path === null ? new ArrayBuffer(0) : new SharedArrayBuffer(size));
  }

  /** Queues one record. */
  add(entry: RequestEntry): void {
    if (this.#closed) {
      this.#onError("request writer is closed", 1);
      return;
    }
    if (this.path === null) {
      this.#unwritable++;
      return;
    }
    if (this.#put(JSON.stringify(entry)) && ++this.#waiting >= this.#maxBatch) this.#drain();
  }

  /**
   * Queues a key's new spend for a period. Only the latest per key and
   * period goes into the ring, once an interval (a line per settlement was
   * 2.5% of a governed Sidecar's event loop); the thread stores it with the
   * records. An in-memory database keeps nothing past the process, so there
   * it is not kept.
   */
  addSpend(row: SpendRow): void {
    if (this.#closed) {
      this.#onError("request writer is closed", 1);
      return;
    }
    if (this.path === null) return;
    this.#spends.set(`${row.key_id}\n${row.period}\n${row.period_start}`, row);
    if (this.#spendTimer === undefined) {
      this.#spendTimer = setTimeout(() => this.#putSpends(), this.#intervalMs);
      // Like the thread's own timer, it must not keep a finished process alive.
      Deno.unrefTimer(this.#spendTimer);
    }
  }

  #putSpends(): void {
    clearTimeout(this.#spendTimer);
    this.#spendTimer = undefined;
    for (const row of this.#spends.values()) this.#put(SPEND_MARK + JSON.stringify(row));
    this.#spends.clear();
  }

  // Copies one line into the ring; false (reported) when it cannot.
  #put(json: string): boolean {
    const record = this.#encode(json);
    if (record.length > this.#ring.length) {
      this.#onError("a request record is larger than the writer's ring", 1);
      return false;
    }
    this.#ensureWorker(this.path!);
    if (!this.#makeRoom(record.length)) return false;
    const written = Atomics.load(this.#control, WORD.written);
    const at = (written >>> 0) % this.#ring.length;
    const first = Math.min(record.length, this.#ring.length - at);
    this.#ring.set(record.subarray(0, first), at);
    if (first < record.length) this.#ring.set(record.subarray(first), 0);
    Atomics.store(this.#control, WORD.written, (written + record.length) | 0);
    return true;
  }

  /** Deletes records older than `before` (epoch ms), on the writer thread, after the records added so far. */
  purge(before: number): void {
    if (this.#closed) return;
    this.#reportUnwritable();
    this.#send({ kind: "purge", before });
  }

  /**
   * Copies the WAL into the database file on the writer thread, after the
   * records added so far. Does not wait: a later `flush()` does.
   */
  checkpoint(): void {
    if (this.#closed) return;
    this.#reportUnwritable();
    this.#send({ kind: "checkpoint" });
  }

  /** Bytes of records in the ring that the thread has not taken yet. */
  get backlog(): number {
    return (Atomics.load(this.#control, WORD.written) - Atomics.load(this.#control, WORD.read)) | 0;
  }

  /** Returns once every record added so far is committed (or the wait timed out). */
  flush(): void {
    this.#putSpends();
    this.#drain();
    if (this.#worker) this.#waitUntil(this.#sent);
  }

  /** Flushes, closes the thread's connection and stops it; later records are reported as dropped. */
  close(): void {
    if (this.#closed) return;
    // Into the ring before the close message, whose drain takes them.
    this.#putSpends();
    // Closed explicitly, so the last connection to close (the main one) checkpoints the WAL.
    if (this.#worker) this.#send({ kind: "close" });
    this.flush();
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  /** `json` and the record's end as bytes, in the scratch buffer when it fits. */
  #encode(json: string): Uint8Array {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (json.length * 3 + 1 > this.#scratch.length) return encoder.encode(json + "\n");
    const n = encoder.encodeInto(json, this.#scratch).written;
    this.#scratch[n] = RECORD_END;
    return this.#scratch.subarray(0, n + 1);
  }

  /** Waits, if it must, until `bytes` fit in the ring; false (the record reported) if they never did. */
  #makeRoom(bytes: number): boolean {
    if (this.#ring.length - this.backlog >= bytes) return true;
    mark(PHASE.writerPost);
    this.#drain();
    const deadline = performance.now() + this.#waitTimeoutMs;
    try {
      for (;;) {
        const read = Atomics.load(this.#control, WORD.read);
        if (this.#ring.length - this.backlog >= bytes) return true;
        const left = deadline - performance.now();
        if (left <= 0) {
          this.#onError(`request writer did not make room within ${this.#waitTimeoutMs} ms`, 1);
          return false;
        }
        Atomics.wait(this.#control, WORD.read, read, left);
      }
    } finally {
      mark(PHASE.writerPostEnd);
    }
  }

  /** Asks the thread to take the records waiting now. */
  #drain(): void {
    this.#reportUnwritable();
    this.#waiting = 0;
    if (this.#worker && this.backlog > 0) this.#send({ kind: "drain" });
  }

  #reportUnwritable(): void {
    if (this.#unwritable === 0) return;
    // Reported, never thrown: this runs as a proxied request ends.
    this.#onError("request records need a database file, not :memory:", this.#unwritable);
    this.#unwritable = 0;
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
      const done = Atomics.load(this.#control, WORD.done);
      if (done >= seq) return;
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#onError(`request writer did not answer within ${this.#waitTimeoutMs} ms`, 0);
        return;
      }
      Atomics.wait(this.#control, WORD.done, done, left);
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
      // The next record starts a fresh thread, which reads on from where this one stopped.
      worker.terminate();
      if (this.#worker === worker) this.#worker = undefined;
    };
    this.#worker = worker;
    this.#send({
      kind: "open",
      path,
      control: this.#control.buffer as SharedArrayBuffer,
      ring: this.#ring.buffer as SharedArrayBuffer,
      drainMs: this.#intervalMs,
    });
    return worker;
  }
}

/**
 * @module http1_connection
 * One upstream socket and its read buffer. Reads land in one reused buffer
 * that head and chunk parsing work on in place; at most one read is pending
 * at a time, and while the connection idles in the pool that read stays
 * pending, so a server closing an idle connection is seen at once (the read
 * ends) instead of on the next request.
 */
import { UpstreamConnectionError } from "./upstream_connection_error.ts";

/**
 * A connection's read buffer starts small: an SSE event fits, and each of
 * 1,000 open streams holds one (16 KiB each was 12 MB of the 1,000-stream
 * peak for nothing).
 */
const INITIAL_BYTES = 4 * 1024;
/** A read that fills the buffer doubles it up to this, so a large body takes fewer reads. */
const GROWN_BYTES = 16 * 1024;

/** A socket to one origin, read through {@link Http1Connection.fill}. */
export class Http1Connection {
  /** Bytes read and not yet consumed are `buf[start, end)`. */
  buf: Uint8Array<ArrayBuffer> = new Uint8Array(INITIAL_BYTES);
  start = 0;
  end = 0;
  /** The peer ended the stream (or the socket failed). */
  eof = false;
  closed = false;
  /** In the pool, waiting for a request. */
  idle = false;
  /** When it last went idle (epoch ms), for the pool's idle timeout. */
  idleSince = 0;
  /** How long it may idle: the client's limit, shortened by the server's `Keep-Alive: timeout`. */
  idleLimitMs = 0;
  #conn: Deno.Conn;
  #filling: Promise<boolean> | null = null;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Unconsumed bytes in the buffer. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** A read is in flight (so nothing else may read the socket). */
  get filling(): boolean {
    return this.#filling !== null;
  }

  /**
   * Reads more bytes into the buffer; false at end of stream. Concurrent
   * callers share the one pending read. `maxBytes` bounds how far the
   * buffer may grow to hold unconsumed bytes (a response head).
   */
  fill(maxBytes = GROWN_BYTES): Promise<boolean> {
    if (this.#filling) return this.#filling;
    if (this.eof) return Promise.resolve(false);
    this.#makeRoom(maxBytes);
    return this.#filling = this.#read();
  }

  async #read(): Promise<boolean> {
    try {
      const n = await this.#conn.read(this.buf.subarray(this.end));
      if (n === null) {
        this.eof = true;
        return false;
      }
      this.end += n;
      if (this.end === this.buf.length && this.buf.length < GROWN_BYTES) {
        this.#resize(Math.min(this.buf.length * 2, GROWN_BYTES));
      }
      return true;
    } catch (err) {
      this.eof = true;
      throw new UpstreamConnectionError("io", `Upstream read failed: ${errorText(err)}`, {
        cause: err,
      });
    } finally {
      this.#filling = null;
    }
  }

  #makeRoom(maxBytes: number): void {
    if (this.start === this.end) {
      this.start = this.end = 0;
      return;
    }
    if (this.end < this.buf.length) return;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      return;
    }
    if (this.buf.length >= maxBytes) {
      throw new UpstreamConnectionError("head_too_large", "Upstream response head too large");
    }
    this.#resize(Math.min(this.buf.length * 2, maxBytes));
  }

  // A bigger buffer holding the unconsumed bytes at its front.
  #resize(bytes: number): void {
    const bigger = new Uint8Array(bytes);
    bigger.set(this.buf.subarray(this.start, this.end));
    this.end -= this.start;
    this.start = 0;
    this.buf = bigger;
  }

  /**
   * Reads straight from the socket into `view` (a body the caller's buffer
   * can take whole, with nothing buffered): one copy fewer. Null at end.
   */
  async readInto(view: Uint8Array): Promise<number | null> {
    try {
      const n = await this.#conn.read(view);
      if (n === null) this.eof = true;
      return n;
    } catch (err) {
      this.eof = true;
      throw new UpstreamConnectionError("io", `Upstream read failed: ${errorText(err)}`, {
        cause: err,
      });
    }
  }

  /** Writes all of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    try {
      for (let off = 0; off < bytes.length;) {
        off += await this.#conn.write(off === 0 ? bytes : bytes.subarray(off));
      }
    } catch (err) {
      throw new UpstreamConnectionError("io", `Upstream write failed: ${errorText(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * Parks the connection: a read stays pending so that the server closing
   * it (or sending anything unasked) ends it at once via `onGone`. The
   * pending read does not keep the process alive.
   */
  park(now: number, onGone: (c: Http1Connection) => void): void {
    this.idle = true;
    this.idleSince = now;
    this.#conn.unref();
    this.fill().then(
      () => this.idle && (this.destroy(), onGone(this)),
      () => this.idle && (this.destroy(), onGone(this)),
    );
  }

  /** Takes the connection out of the pool for a request. */
  unpark(): void {
    this.idle = false;
    this.#conn.ref();
  }

  /** Closes the socket; a pending read or write fails. Idempotent. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.eof = true;
    try {
      // A parked read is unref'd: ref it, or its failure may never be delivered to settled().
      this.#conn.ref();
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
  }

  /** Settles once no read is pending (after {@link destroy}, promptly). */
  async settled(): Promise<void> {
    await this.#filling?.catch(() => {});
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

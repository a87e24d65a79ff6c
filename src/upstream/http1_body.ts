/**
 * @module http1_body
 * Reads one response body off a connection as its framing says (a length,
 * chunked, or until the close) and exposes it as a byte stream. Body bytes
 * go straight into the reader's buffer when it brings one (BYOB, as the
 * proxy's chunk reader does), and everything buffered is drained in one
 * read, so an SSE event costs one copy and no allocation.
 * Spec: https://www.rfc-editor.org/rfc/rfc9112#section-7.1 (chunked coding).
 */
import type { Http1Connection } from "./http1_connection.ts";
import type { BodyFraming } from "./http1_response_head.ts";
import { UpstreamConnectionError } from "./upstream_connection_error.ts";

/** A chunk-size or trailer line longer than this is refused. */
const LINE_LIMIT = 4096;
/** Trailer fields are skipped, but not without end. */
const TRAILER_LIMIT = 64;
const CR = 13;
const LF = 10;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/;

type ChunkState = "size" | "data" | "crlf" | "trailers";

/** The body of one response, read on demand. */
export class Http1Body {
  #conn: Http1Connection;
  #mode: BodyFraming["kind"];
  /** Bytes left: of the whole body (length) or of the current chunk (chunked). */
  #left: number;
  #state: ChunkState = "size";
  #trailers = 0;
  #ended = false;
  #onEnd: (clean: boolean) => void;

  /** `onEnd(clean)` is called once: clean when the body was read to its framed end. */
  constructor(conn: Http1Connection, framing: BodyFraming, onEnd: (clean: boolean) => void) {
    this.#conn = conn;
    this.#mode = framing.kind;
    this.#left = framing.kind === "length" ? framing.length : 0;
    this.#onEnd = onEnd;
    if (framing.kind === "none" || (framing.kind === "length" && framing.length === 0)) {
      this.#end(true);
    }
  }

  /** The whole body has been read. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The next bytes of the body, written into `view` when given (else a new
   * array); null at its end. Rejects when the connection fails or ends early.
   */
  async read(view?: Uint8Array): Promise<Uint8Array | null> {
    const c = this.#conn;
    for (;;) {
      if (this.#ended) return null;
      if (c.buffered > 0) {
        const out = view ?? new Uint8Array(c.buffered);
        let n: number;
        try {
          n = this.#drain(out);
        } catch (err) {
          this.#end(false);
          throw err;
        }
        if (n > 0) return out.subarray(0, n);
        if (this.#ended) return null;
      } else if (view && !c.filling && this.#directLimit() > 0) {
        // Nothing buffered: let the socket write into the reader's buffer itself.
        const n = await this.#guard(c.readInto(view.subarray(0, this.#directLimit())));
        if (n === null) {
          this.#atEof();
          continue;
        }
        this.#took(n);
        return view.subarray(0, n);
      }
      const more = await this.#guard(c.fill());
      if (!more) this.#atEof();
    }
  }

  /** Gives the body up: the connection is not reused. */
  cancel(): void {
    this.#end(false);
  }

  // How many bytes may be read straight into a caller's buffer: never past the body.
  #directLimit(): number {
    if (this.#mode === "close") return Infinity;
    if (this.#mode === "length") return this.#left;
    return this.#state === "data" ? this.#left : 0;
  }

  #took(n: number): void {
    if (this.#mode === "close") return;
    this.#left -= n;
    if (this.#mode === "length") {
      if (this.#left === 0) this.#end(true);
    } else if (this.#left === 0) this.#state = "crlf";
  }

  #atEof(): void {
    if (this.#mode === "close") return this.#end(true);
    this.#end(false);
    throw new UpstreamConnectionError(
      "closed_mid_body",
      "Upstream connection closed before the end of the body",
    );
  }

  async #guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      this.#end(false);
      throw err;
    }
  }

  // Moves what the buffer holds of the body into `out`, parsing chunk framing
  // on the way; returns the bytes written. Synchronous: no read happens here.
  #drain(out: Uint8Array): number {
    const c = this.#conn;
    if (this.#mode !== "chunked") {
      const n = Math.min(c.buffered, out.length, this.#mode === "length" ? this.#left : Infinity);
      out.set(c.buf.subarray(c.start, c.start + n));
      c.start += n;
      this.#took(n);
      return n;
    }
    let written = 0;
    for (;;) {
      switch (this.#state) {
        case "data": {
          const n = Math.min(c.buffered, out.length - written, this.#left);
          if (n === 0) return written;
          out.set(c.buf.subarray(c.start, c.start + n), written);
          c.start += n;
          written += n;
          this.#took(n);
          break;
        }
        case "crlf":
          if (c.buffered < 2) return written;
          if (c.buf[c.start] !== CR || c.buf[c.start + 1] !== LF) {
            malformed("chunk not ended by CRLF");
          }
          c.start += 2;
          this.#state = "size";
          break;
        case "size": {
          const line = this.#line();
          if (line === null) return written;
          const m = CHUNK_SIZE.exec(line);
          if (!m) malformed(`chunk size "${line.slice(0, 40)}"`);
          this.#left = parseInt(m[1]!, 16);
          this.#state = this.#left === 0 ? "trailers" : "data";
          break;
        }
        case "trailers": {
          const line = this.#line();
          if (line === null) return written;
          if (line === "") {
            this.#end(true);
            return written;
          }
          if (++this.#trailers > TRAILER_LIMIT) malformed("too many trailer fields");
          break;
        }
      }
    }
  }

  // One CRLF-ended line from the buffer (consumed), or null if not all here yet.
  #line(): string | null {
    const c = this.#conn;
    const lf = c.buf.subarray(c.start, c.end).indexOf(LF);
    if (lf === -1) {
      if (c.buffered > LINE_LIMIT) malformed("chunk line too long");
      return null;
    }
    if (lf === 0 || c.buf[c.start + lf - 1] !== CR) malformed("a chunk line ended by a bare LF");
    let line = "";
    for (let i = c.start; i < c.start + lf - 1; i++) line += String.fromCharCode(c.buf[i]!);
    c.start += lf + 1;
    return line;
  }

  #end(clean: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd(clean);
  }
}

// The body behind each stream bodyStream made, for a reader that can take it directly.
const bodies = new WeakMap<ReadableStream<Uint8Array>, Http1Body>();

/**
 * The body behind `stream` when it is one {@link bodyStream} made and
 * nothing has read it yet. Reading the body itself skips the byte stream's
 * machinery (a pull, a BYOB request and their promises for every chunk);
 * an aborted request still ends such a read, as the connection is closed.
 */
export function unreadBody(stream: ReadableStream<Uint8Array>): Http1Body | undefined {
  return stream.locked ? undefined : bodies.get(stream);
}

/** A body as a byte stream; `abort(reason)` errors it at once (the request's signal fired). */
export function bodyStream(body: Http1Body): {
  stream: ReadableStream<Uint8Array>;
  abort(reason: unknown): void;
} {
  let controller!: ReadableByteStreamController;
  let failed = false;
  const fail = (reason: unknown) => {
    if (failed) return;
    failed = true;
    body.cancel();
    try {
      controller.error(reason);
    } catch {
      // Already closed.
    }
  };
  const source: UnderlyingByteSource = {
    type: "bytes",
    start(c) {
      controller = c;
    },
    async pull(c) {
      const req = c.byobRequest;
      const v = req?.view;
      const view = v ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : undefined;
      let chunk: Uint8Array | null;
      try {
        chunk = await body.read(view);
      } catch (err) {
        return fail(err);
      }
      if (failed) return;
      if (chunk === null) {
        c.close();
        req?.respond(0);
        return;
      }
      if (req) req.respond(chunk.length);
      else c.enqueue(chunk);
      // Close now rather than on the next pull: the reader sees the end with the last bytes.
      if (body.ended) c.close();
    },
    cancel() {
      failed = true;
      body.cancel();
    },
  };
  const stream = new ReadableStream(source);
  bodies.set(stream, body);
  return { stream, abort: fail };
}

function malformed(what: string): never {
  throw new UpstreamConnectionError("malformed", `Malformed upstream body: ${what}`);
}

/**
 * @module A minimal HTTP/1.1 keep-alive client over a plain TCP socket, used
 * to time streamed answers without a full client's own overhead (Deno's
 * `fetch` adds about 0.6 ms of its own to every first byte on this machine,
 * more than the differences being measured).
 *
 * Framing: https://www.rfc-editor.org/rfc/rfc9112#section-6 (Content-Length,
 * chunked transfer coding, close-delimited).
 */

/** One answer as the socket delivered it. */
export interface RawResponse {
  status: number;
  headers: Map<string, string>;
}

const CRLF = 0x0d;
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

function indexOfSeq(hay: Uint8Array, seq: number[], from = 0): number {
  outer: for (let i = from; i <= hay.length - seq.length; i++) {
    for (let j = 0; j < seq.length; j++) {
      if (hay[i + j] !== seq[j]) continue outer;
    }
    return i;
  }
  return -1;
}

const HEAD_END = [CRLF, 0x0a, CRLF, 0x0a];
const LINE_END = [CRLF, 0x0a];

/** A keep-alive connection to one host; requests on it run one at a time. */
export class RawHttpClient {
  #conn: Deno.TcpConn | null = null;
  #pending = new Uint8Array(0);
  #lastReadAt = 0;
  readonly #hostname: string;
  readonly #port: number;

  constructor(url: string) {
    const u = new URL(url);
    this.#hostname = u.hostname;
    this.#port = Number(u.port || 80);
  }

  close(): void {
    try {
      this.#conn?.close();
    } catch {
      // Already closed.
    }
    this.#conn = null;
    this.#pending = new Uint8Array(0);
  }

  /** Reads more bytes; returns false at end of stream. */
  async #fill(conn: Deno.TcpConn): Promise<boolean> {
    const buf = new Uint8Array(65536);
    const n = await conn.read(buf);
    this.#lastReadAt = performance.now();
    if (n === null) return false;
    const next = new Uint8Array(this.#pending.length + n);
    next.set(this.#pending);
    next.set(buf.subarray(0, n), this.#pending.length);
    this.#pending = next;
    return true;
  }

  async #need(conn: Deno.TcpConn, seq: number[]): Promise<number> {
    let at: number;
    while ((at = indexOfSeq(this.#pending, seq)) < 0) {
      if (!(await this.#fill(conn))) {
        throw new Error("Connection closed mid-response");
      }
    }
    return at;
  }

  #take(n: number): Uint8Array {
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    return out;
  }

  /**
   * Sends one POST and calls `onData` with each piece of the decoded body and
   * the `performance.now()` at which its last byte arrived.
   */
  async post(
    path: string,
    headers: Record<string, string>,
    body: string,
    onData: (bytes: Uint8Array, atMs: number) => void,
    timeoutMs: number,
  ): Promise<RawResponse> {
    if (!this.#conn) {
      this.#conn = await Deno.connect({
        hostname: this.#hostname,
        port: this.#port,
      });
      this.#conn.setNoDelay(true);
    }
    const conn = this.#conn;
    const payload = encoder.encode(body);
    let head = `POST ${path} HTTP/1.1\r\nhost: ${this.#hostname}:${this.#port}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += `content-length: ${payload.length}\r\n\r\n`;
    const request = new Uint8Array(
      encoder.encode(head).length + payload.length,
    );
    request.set(encoder.encode(head));
    request.set(payload, request.length - payload.length);

    const timer = setTimeout(() => this.close(), timeoutMs);
    try {
      await conn.write(request);
      const headEnd = await this.#need(conn, HEAD_END);
      const lines = latin1.decode(this.#take(headEnd + 4)).split("\r\n");
      const status = Number(lines[0]?.split(" ")[1]);
      const map = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) {
          map.set(
            line.slice(0, colon).trim().toLowerCase(),
            line.slice(colon + 1).trim(),
          );
        }
      }
      await this.#readBody(conn, map, onData);
      if (map.get("connection")?.toLowerCase() === "close") this.close();
      return { status, headers: map };
    } catch (e) {
      this.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async #readBody(
    conn: Deno.TcpConn,
    headers: Map<string, string>,
    onData: (bytes: Uint8Array, atMs: number) => void,
  ): Promise<void> {
    if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) {
      while (true) {
        const lineEnd = await this.#need(conn, LINE_END);
        const size = parseInt(
          latin1.decode(this.#take(lineEnd + 2)).split(";")[0]!,
          16,
        );
        if (!Number.isFinite(size)) throw new Error("Bad chunk size");
        if (size === 0) {
          // Trailer section: header lines until an empty line.
          while (true) {
            const end = await this.#need(conn, LINE_END);
            this.#take(end + 2);
            if (end === 0) return;
          }
        }
        while (this.#pending.length < size + 2) {
          if (!(await this.#fill(conn))) {
            throw new Error("Connection closed mid-chunk");
          }
        }
        onData(this.#take(size).slice(), this.#lastReadAt);
        this.#take(2);
      }
    }
    const length = headers.get("content-length");
    if (length !== undefined) {
      let left = Number(length);
      while (left > 0) {
        if (this.#pending.length === 0 && !(await this.#fill(conn))) {
          throw new Error("Connection closed mid-body");
        }
        const piece = this.#take(Math.min(left, this.#pending.length));
        left -= piece.length;
        onData(piece.slice(), this.#lastReadAt);
      }
      return;
    }
    // Close-delimited body.
    while (true) {
      if (this.#pending.length) {
        onData(this.#take(this.#pending.length).slice(), this.#lastReadAt);
      }
      if (!(await this.#fill(conn))) break;
    }
    this.close();
  }
}

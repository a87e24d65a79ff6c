/**
 * @module mock_http_wire
 * The mock upstream's hand-written HTTP/1.1: one read loop per TCP
 * connection, request parsing (sized and chunked bodies) and response
 * framing. A raw socket, not Deno.serve, so the mock can reset a connection
 * before any header, cut a chunked body or stall it exactly.
 */

const enc = new TextEncoder();
const dec = new TextDecoder();
export const CRLF = enc.encode("\r\n");
export const LAST_CHUNK = enc.encode("0\r\n\r\n");

/** One TCP connection: a single read loop fills a buffer that request parsing drains. */
export class Wire {
  #buf: Uint8Array = new Uint8Array(0);
  #wake = () => {};
  #eof = false;
  /** Settles once the peer closes, the socket breaks or the mock closes it. */
  readonly gone: Promise<void>;

  constructor(readonly conn: Deno.TcpConn) {
    // Small SSE writes must leave at once, not wait for Nagle.
    conn.setNoDelay(true);
    this.gone = this.#pump();
  }

  async #pump(): Promise<void> {
    const chunk = new Uint8Array(16 * 1024);
    try {
      for (let n = await this.conn.read(chunk); n !== null; n = await this.conn.read(chunk)) {
        this.#buf = concat([this.#buf, chunk.subarray(0, n)]);
        this.#wake();
      }
    } catch {
      // Reset by the peer or closed by us: either way the client is gone.
    }
    this.#eof = true;
    this.#wake();
  }

  #more(): Promise<boolean> {
    return this.#eof ? Promise.resolve(false) : new Promise((r) => this.#wake = () => r(true));
  }

  /** The bytes before `sep` (consumed with it), or null if the connection ends first. */
  async until(sep: Uint8Array): Promise<Uint8Array | null> {
    for (let i = indexOf(this.#buf, sep);; i = indexOf(this.#buf, sep)) {
      if (i >= 0) return (await this.take(i + sep.length))?.subarray(0, i) ?? null;
      if (!await this.#more()) return null;
    }
  }

  async take(n: number): Promise<Uint8Array | null> {
    while (this.#buf.length < n) if (!await this.#more()) return null;
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

export interface Req {
  method: string;
  path: string;
  headers: Headers;
  /** The body parsed as JSON, or null. */
  body: unknown;
  /** The body as sent, for byte-level checks. */
  text: string;
}

export async function readRequest(wire: Wire): Promise<Req | null> {
  const head = await wire.until(enc.encode("\r\n\r\n"));
  if (!head) return null;
  const [start = "", ...lines] = dec.decode(head).split("\r\n");
  const [method = "GET", target = "/"] = start.split(" ");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const body = /chunked/i.test(headers.get("transfer-encoding") ?? "")
    ? await readChunked(wire)
    : await wire.take(Number(headers.get("content-length") ?? 0));
  if (!body) return null;
  const text = dec.decode(body);
  let json: unknown = null;
  try {
    json = text.length ? JSON.parse(text) : null;
  } catch {
    // Not JSON: recorded as null.
  }
  return { method, path: new URL(target, "http://mock").pathname, headers, body: json, text };
}

// https://www.rfc-editor.org/rfc/rfc9112#section-7.1 (chunk extensions and trailers ignored)
async function readChunked(wire: Wire): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  for (let line = await wire.until(CRLF); line; line = await wire.until(CRLF)) {
    const size = parseInt(dec.decode(line), 16);
    if (!(size > 0)) {
      while ((await wire.until(CRLF))?.length);
      return concat(parts);
    }
    const data = await wire.take(size + CRLF.length);
    if (!data) return null;
    parts.push(data.subarray(0, size));
  }
  return null;
}

export function head(status: number, name: string, headers: Record<string, string>, body?: string) {
  const bytes = body === undefined ? undefined : enc.encode(body);
  const all: Record<string, string> = { "x-mock-upstream": name, ...headers };
  // A body is either sized or, for streams, chunked.
  if (bytes) all["content-length"] = String(bytes.length);
  else all["transfer-encoding"] = "chunked";
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const top = enc.encode(`HTTP/1.1 ${status} ${status === 200 ? "OK" : "Mock"}\r\n${lines}\r\n`);
  return bytes ? concat([top, bytes]) : top;
}

export function chunk(text: string): Uint8Array {
  const bytes = enc.encode(text);
  return concat([enc.encode(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((off, p) => (out.set(p, off), off + p.length), 0);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

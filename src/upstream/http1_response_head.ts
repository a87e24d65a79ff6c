/**
 * @module http1_response_head
 * Parses an HTTP/1.1 response head (status line and header fields) strictly,
 * from the connection's buffer in place, and derives how the body is framed
 * and whether the connection may be reused. Anything that is not well-formed
 * HTTP/1.x is an error, never a guess: the connection is then dropped.
 * Spec: https://www.rfc-editor.org/rfc/rfc9112#section-4 (status line),
 * #section-5 (fields), #section-6.3 (message body length), #section-9.3 (persistence).
 */
import { UpstreamConnectionError } from "./upstream_connection_error.ts";

/** How the response body ends. */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Until the server closes the connection. */
  | { kind: "close" };

/** A parsed response head. */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** Field lines in order, names as sent; for `new Response(..., { headers })`. */
  headers: [string, string][];
  framing: BodyFraming;
  /** The server allows another request on this connection after the body. */
  keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N`, in ms, if it sent one. */
  keepAliveTimeoutMs: number | undefined;
}

const LF = 10;
const CR = 13;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: (.*))?$/;
// Field values: visible characters, obs-text, space and tab; no other controls.
// deno-lint-ignore no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^[0-9]+$/;

/**
 * Finds the end of a head in `buf[start, end)`: the index just past its
 * empty line, or -1 when more bytes are needed.
 */
export function headEnd(buf: Uint8Array, start: number, end: number): number {
  for (let i = buf.indexOf(LF, start); i !== -1 && i + 2 < end; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
  }
  return -1;
}

/**
 * Parses the head in `buf[start, stop)` (`stop` from {@link headEnd}).
 * `requestMethod` decides whether a body follows (never for HEAD).
 */
export function parseResponseHead(
  buf: Uint8Array,
  start: number,
  stop: number,
  requestMethod: string,
): ResponseHead {
  if (buf[stop - 4] !== CR) malformed("a line ended by a bare LF");
  const lines = latin1(buf, start, stop - 4).split("\r\n");
  const statusLine = STATUS_LINE.exec(lines[0] ?? "");
  if (!statusLine || BAD_VALUE.test(lines[0]!)) malformed(`status line "${clip(lines[0])}"`);
  const minor = statusLine[1];
  const status = Number(statusLine[2]);
  if (status < 100 || status > 599) malformed(`status ${status}`);
  const headers: [string, string][] = [];
  let lengths: string[] | undefined;
  let codings: string | undefined;
  let connection = "";
  let keepAliveTimeoutMs: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    // Obsolete line folding and a space before the colon are both refused (RFC 9112 §5.1-5.2).
    if (!TOKEN.test(name)) malformed(`header line "${clip(line)}"`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (BAD_VALUE.test(value)) malformed(`value of header "${clip(name)}"`);
    headers.push([name, value]);
    switch (name.length) {
      case 10:
        if (name.toLowerCase() === "connection") connection += `,${value.toLowerCase()}`;
        else if (name.toLowerCase() === "keep-alive") keepAliveTimeoutMs = timeoutOf(value);
        break;
      case 14:
        if (name.toLowerCase() === "content-length") (lengths ??= []).push(value);
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") {
          codings = codings === undefined ? value : `${codings},${value}`;
        }
        break;
    }
  }
  const tokens = connection.split(",").map((t) => t.trim());
  let keepAlive = minor === "1" ? !tokens.includes("close") : tokens.includes("keep-alive");
  let framing: BodyFraming;
  if (requestMethod === "HEAD" || status === 204 || status === 304 || status < 200) {
    framing = { kind: "none" };
  } else if (codings !== undefined) {
    // Transfer-Encoding wins over Content-Length; a body not chunked last runs to the close.
    const last = codings.split(",").map((t) => t.trim().toLowerCase()).pop();
    framing = last === "chunked" ? { kind: "chunked" } : { kind: "close" };
    if (framing.kind === "close" || lengths !== undefined || minor === "0") keepAlive = false;
  } else if (lengths !== undefined) {
    framing = { kind: "length", length: contentLength(lengths) };
  } else {
    framing = { kind: "close" };
    keepAlive = false;
  }
  return {
    status,
    statusText: statusLine[3] ?? "",
    headers,
    framing,
    keepAlive,
    keepAliveTimeoutMs,
  };
}

// One length, possibly repeated (`12, 12`); differing lengths are an error (RFC 9112 §6.3).
function contentLength(values: string[]): number {
  let length: number | undefined;
  for (const v of values.join(",").split(",")) {
    const t = v.trim();
    const n = Number(t);
    if (!DIGITS.test(t) || !Number.isSafeInteger(n) || (length !== undefined && n !== length)) {
      malformed(`content-length "${clip(values.join(", "))}"`);
    }
    length = n;
  }
  return length!;
}

function timeoutOf(value: string): number | undefined {
  const m = /(?:^|[,;\s])timeout=([0-9]+)/i.exec(value);
  return m ? Number(m[1]) * 1000 : undefined;
}

/** Bytes as a latin1 string: every byte one char, as Headers' ByteStrings want. */
function latin1(buf: Uint8Array, start: number, stop: number): string {
  let out = "";
  for (let i = start; i < stop; i += 4096) {
    out += String.fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(i + 4096, stop)) as unknown as number[],
    );
  }
  return out;
}

function clip(s: string | undefined): string {
  return (s ?? "").slice(0, 80);
}

function malformed(what: string): never {
  throw new UpstreamConnectionError("malformed", `Malformed upstream response: ${what}`);
}

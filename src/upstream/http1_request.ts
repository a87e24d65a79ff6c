/**
 * @module http1_request
 * Turns a `fetch`-style call into the bytes of one HTTP/1.1 request: the
 * target parsed once per URL, the caller's headers checked and written as
 * given, framing headers Sidecar's client owns (host, content-length,
 * connection) set by it, and head and body in one buffer for one write.
 * Spec: https://www.rfc-editor.org/rfc/rfc9112#section-3 (request line).
 */

/** Where a request goes, parsed from its URL. */
export interface Target {
  /** Pool key: scheme, host and port. */
  origin: string;
  hostname: string;
  port: number;
  tls: boolean;
  /** The `host` header value. */
  host: string;
  /** Path and query, as the request target. */
  path: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
/** Set by the client itself (framing and connection management), never copied from the caller. */
const OWNED = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
]);
const TARGET_CACHE_LIMIT = 1024;
const targets = new Map<string, Target>();
const utf8 = new TextEncoder();

/** The target of `url`; cached, since a backend's URLs repeat on every call. */
export function targetOf(url: string): Target {
  let t = targets.get(url);
  if (t) return t;
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new TypeError(`Unsupported upstream URL scheme "${u.protocol}"`);
  }
  if (u.username || u.password) throw new TypeError("Upstream URLs may not carry credentials");
  const tls = u.protocol === "https:";
  const port = u.port ? Number(u.port) : tls ? 443 : 80;
  t = {
    origin: `${u.protocol}//${u.host}`,
    hostname: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    tls,
    host: u.host,
    path: u.pathname + u.search,
  };
  if (targets.size >= TARGET_CACHE_LIMIT) targets.clear();
  targets.set(url, t);
  return t;
}

/** A request body as bytes, with the content type `fetch` would give it. */
export interface EncodedBody {
  bytes: Uint8Array;
  contentType: string | undefined;
}

/** The bytes of `body`; the shapes Sidecar sends are converted without a copy. */
export async function encodeBody(body: BodyInit | null | undefined): Promise<EncodedBody | null> {
  if (body === null || body === undefined) return null;
  if (body instanceof Uint8Array) return { bytes: body, contentType: undefined };
  if (typeof body === "string") {
    return { bytes: utf8.encode(body), contentType: "text/plain;charset=UTF-8" };
  }
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body), contentType: undefined };
  if (ArrayBuffer.isView(body)) {
    return {
      bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      contentType: undefined,
    };
  }
  // Blob, FormData, URLSearchParams, streams: let the platform serialise them.
  const init = { method: "POST", body, duplex: "half" } as RequestInit;
  const r = new Request("http://body.invalid/", init);
  return { bytes: await r.bytes(), contentType: r.headers.get("content-type") ?? undefined };
}

/**
 * The request head and body in one buffer. Sends `accept: *\/*` and the
 * client's user agent unless the caller set them, and no `accept-encoding`
 * unless the caller did: bodies then arrive as sent, uncompressed.
 */
export function encodeRequest(
  method: string,
  target: Target,
  headers: HeadersInit | undefined,
  body: EncodedBody | null,
  userAgent: string,
): Uint8Array {
  if (!TOKEN.test(method)) throw new TypeError(`Invalid method "${method}"`);
  let head = `${method} ${target.path} HTTP/1.1\r\nhost: ${target.host}\r\n`;
  const seen = { accept: false, ua: false, type: false };
  const add = (name: string, value: string) => {
    if (!TOKEN.test(name)) throw new TypeError(`Invalid header name "${name}"`);
    if (BAD_VALUE.test(value)) throw new TypeError(`Invalid value for header "${name}"`);
    const lower = name.toLowerCase();
    if (OWNED.has(lower)) return;
    if (lower === "accept") seen.accept = true;
    else if (lower === "user-agent") seen.ua = true;
    else if (lower === "content-type") seen.type = true;
    head += `${name}: ${value.trim()}\r\n`;
  };
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of headers) add(name!, value!);
  } else if (headers) {
    const record = headers as Record<string, string>;
    for (const name in record) add(name, record[name]!);
  }
  if (!seen.accept) head += "accept: */*\r\n";
  if (!seen.ua) head += `user-agent: ${userAgent}\r\n`;
  if (body?.contentType && !seen.type) head += `content-type: ${body.contentType}\r\n`;
  if (body) head += `content-length: ${body.bytes.length}\r\n`;
  else if (method !== "GET" && method !== "HEAD") head += "content-length: 0\r\n";
  head += "\r\n";
  const size = body ? body.bytes.length : 0;
  const out = new Uint8Array(head.length + size);
  if (NON_ASCII.test(head)) latin1Into(head, out);
  else utf8.encodeInto(head, out);
  if (body) out.set(body.bytes, head.length);
  return out;
}

// Header values are ByteStrings: one byte per char, as fetch sends them.
function latin1Into(s: string, out: Uint8Array): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new TypeError("Header values must be ByteStrings");
    out[i] = c;
  }
}

/**
 * @module http1_client
 * Sidecar's upstream HTTP client: HTTP/1.1 over `Deno.connect` /
 * `Deno.connectTls` with a keep-alive pool per origin, called like `fetch`.
 *
 * It exists for one rule: one call is one request on the wire. Deno's
 * `fetch` sends a POST again, unseen, when a reused connection closes after
 * the request went out (its stale-connection retry), so one recorded attempt
 * could be two billed upstream calls. This client never resends: a reset is
 * the call's outcome (an {@link UpstreamConnectionError}), and the proxy's
 * attempt loop decides what happens next. Stale connections are avoided
 * instead: idle ones keep a read pending so a server's close removes them
 * at once, and none idles longer than `idleTimeoutMs`, below the usual
 * 5 s server keep-alive.
 *
 * Differences from `fetch`, on purpose: redirects are not followed (a 3xx
 * comes back as it is); no `accept-encoding` is sent unless the caller sets
 * one, and a `content-encoding` the server sends anyway is passed through
 * with the body undecoded; `host`, `content-length`, `connection` and other
 * framing headers of the caller are ignored; 1xx answers are skipped.
 * Spec: https://www.rfc-editor.org/rfc/rfc9112
 */
import { bodyStream, Http1Body } from "./http1_body.ts";
import { Http1Connection } from "./http1_connection.ts";
import { OriginPool } from "./http1_pool.ts";
import { encodeBody, encodeRequest, type Target, targetOf } from "./http1_request.ts";
import { headEnd, parseResponseHead, type ResponseHead } from "./http1_response_head.ts";
import { UpstreamConnectionError } from "./upstream_connection_error.ts";
import { VERSION } from "../version.ts";

/** Options of {@link createHttp1Client}. */
export interface Http1ClientOptions {
  /** How long a connection may idle in the pool before it is closed instead of reused. @default 3_000 */
  idleTimeoutMs?: number;
  /** Idle connections kept per origin. @default 256 */
  maxIdlePerOrigin?: number;
  /** Largest response head (status line and headers) accepted. @default 65_536 */
  maxHeadBytes?: number;
  /** Extra CA certificates (PEM) trusted for `https` upstreams. @default none */
  caCerts?: string[];
  /** Sent when the caller sets no `user-agent`. @default `Sidecar/<version>` */
  userAgent?: string;
  /** Epoch ms, for idle timeouts. @default Date.now */
  now?: () => number;
}

/** A running client. */
export interface Http1Client {
  /** Sends one request, `fetch`'s call shape: `fetch(url, { method, headers, body, signal })`. */
  fetch: typeof fetch;
  /** Closes every connection, idle or busy; resolves once their reads have ended. */
  close(): Promise<void>;
  /** Idle pooled connections, over all origins. */
  readonly idle: number;
}

/** Statuses whose Response may carry no body. */
const NULL_BODY = new Set([204, 205, 304]);

/** Creates a client with its own connection pools. */
export function createHttp1Client(opts: Http1ClientOptions = {}): Http1Client {
  const idleTimeoutMs = opts.idleTimeoutMs ?? 3_000;
  const maxIdle = opts.maxIdlePerOrigin ?? 256;
  const maxHead = opts.maxHeadBytes ?? 65_536;
  const userAgent = opts.userAgent ?? `Sidecar/${VERSION}`;
  const now = opts.now ?? Date.now;
  const pools = new Map<string, OriginPool>();
  const busy = new Set<Http1Connection>();

  const poolOf = (origin: string) => {
    let pool = pools.get(origin);
    if (!pool) pools.set(origin, pool = new OriginPool(maxIdle));
    return pool;
  };

  async function connect(t: Target, signal: AbortSignal | null): Promise<Http1Connection> {
    let conn: Deno.Conn;
    try {
      conn = t.tls
        ? await Deno.connectTls({
          hostname: t.hostname,
          port: t.port,
          alpnProtocols: ["http/1.1"],
          ...(opts.caCerts && { caCerts: opts.caCerts }),
        })
        : await Deno.connect({ hostname: t.hostname, port: t.port, ...(signal && { signal }) });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new UpstreamConnectionError("io", `Could not connect to ${t.origin}: ${text(err)}`, {
        cause: err,
      });
    }
    if (signal?.aborted) {
      conn.close();
      throw signal.reason;
    }
    return new Http1Connection(conn);
  }

  async function readHead(conn: Http1Connection, method: string): Promise<ResponseHead> {
    for (;;) {
      const stop = headEnd(conn.buf, conn.start, conn.end);
      if (stop === -1) {
        if (conn.buffered >= maxHead) {
          throw new UpstreamConnectionError("head_too_large", "Upstream response head too large");
        }
        if (!await conn.fill(maxHead)) {
          throw new UpstreamConnectionError(
            "closed_before_response",
            "Upstream connection closed before a response",
          );
        }
        continue;
      }
      if (stop - conn.start > maxHead) {
        throw new UpstreamConnectionError("head_too_large", "Upstream response head too large");
      }
      const head = parseResponseHead(conn.buf, conn.start, stop, method);
      conn.start = stop;
      if (head.status >= 200) return head;
      // 100 Continue, 103 Early Hints: the real answer follows. 101 was never asked for.
      if (head.status === 101) {
        throw new UpstreamConnectionError("malformed", "Upstream switched protocols unasked");
      }
    }
  }

  async function send(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    let url: string;
    let method = init.method?.toUpperCase() ?? "GET";
    let headers = init.headers;
    let rawBody = init.body;
    let signal = init.signal ?? null;
    if (input instanceof Request) {
      url = input.url;
      if (init.method === undefined) method = input.method;
      headers ??= input.headers;
      rawBody ??= input.body ? await input.bytes() : null;
      signal ??= input.signal;
    } else url = String(input);
    if (signal?.aborted) throw signal.reason;
    if ((method === "GET" || method === "HEAD") && rawBody != null) {
      throw new TypeError(`A ${method} request cannot have a body`);
    }
    const target = targetOf(url);
    const bytes = encodeRequest(method, target, headers, await encodeBody(rawBody), userAgent);
    const pool = poolOf(target.origin);
    const conn = pool.take(now()) ?? await connect(target, signal);
    busy.add(conn);

    // The body stream, once there is one, fails at once on abort.
    const streaming: { abort?: (reason: unknown) => void } = {};
    const onAbort = () => {
      conn.destroy();
      streaming.abort?.(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let keepAlive = false;
    const done = (clean: boolean) => {
      signal?.removeEventListener("abort", onAbort);
      busy.delete(conn);
      if (clean && keepAlive && conn.buffered === 0 && !conn.closed) pool.put(conn, now());
      else conn.destroy();
    };

    let head: ResponseHead;
    try {
      await conn.write(bytes);
      head = await readHead(conn, method);
    } catch (err) {
      done(false);
      throw signal?.aborted ? signal.reason : err;
    }
    keepAlive = head.keepAlive;
    conn.idleLimitMs = head.keepAliveTimeoutMs === undefined
      ? idleTimeoutMs
      : Math.min(idleTimeoutMs, head.keepAliveTimeoutMs - 1_000);
    const resInit: ResponseInit = {
      status: head.status,
      statusText: head.statusText,
      headers: head.headers,
    };
    const { framing } = head;
    if (NULL_BODY.has(head.status)) {
      // A body where none may be (205 with content) cannot be skipped safely: drop the connection.
      done(framing.kind === "none" || (framing.kind === "length" && framing.length === 0));
      return new Response(null, resInit);
    }
    if (framing.kind === "length" && conn.buffered >= framing.length) {
      // The whole body is here already (the usual small JSON answer): no stream needed.
      const body = conn.buf.slice(conn.start, conn.start + framing.length);
      conn.start += framing.length;
      done(true);
      return new Response(body, resInit);
    }
    const body = new Http1Body(conn, framing, done);
    if (body.ended) return new Response(null, resInit);
    const relay = bodyStream(body);
    streaming.abort = relay.abort;
    return new Response(relay.stream, resInit);
  }

  return {
    fetch: send,
    async close() {
      const closing = [...pools.values()].map((p) => p.close());
      const active = [...busy];
      for (const c of active) c.destroy();
      await Promise.all([...closing, ...active.map((c) => c.settled())]);
    },
    get idle() {
      let n = 0;
      for (const p of pools.values()) n += p.size;
      return n;
    },
  };
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * @module http_server
 * Sidecar's HTTP server: its own accept loop on `Deno.listen`, each
 * connection served by the runtime's HTTP/1.1 server, and a table of open
 * connections that bounds them (header timeout, idle timeout, a cap). One
 * coarse sweep enforces the timeouts and, while some request has waited
 * over a second for its response to start, asks the kernel whether its
 * client is still there (see tcp_sockets.ts): the hot path only counts,
 * and stamps when a connection's request starts to wait.
 */
import type { Logger } from "../log.ts";
import { mark, PHASE } from "../phase_trace.ts";
import { acceptLoop, shedConnection } from "./accept_loop.ts";
import { type Connection, type ConnectionLimits, ConnectionTable } from "./connection_table.ts";
import {
  type ConnectionHttp,
  connectionServer,
  type ServeHandler,
  type ServeOnConnection,
} from "./serve_connection.ts";
import { peerGone, peerKey, readTcpTables, socketStates } from "./tcp_sockets.ts";

/** A request waiting this long for its response to start gets its client checked. */
const WATCH_AFTER_MS = 1000;

/** The longest the accept loop waits for an evicted connection's socket to close. */
const CLOSE_WAIT_MS = 250;

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  hostname: string;
  port: number;
  handler: ServeHandler;
  limits: ConnectionLimits;
  log: Logger;
  /** Monotonic milliseconds. @default performance.now */
  now?: () => number;
  /** Sweep period. @default a quarter of the shorter timeout, within 50-1000 ms */
  sweepMs?: number;
  /** The kernel's socket tables. @default readTcpTables (Linux /proc) */
  readTcpTables?: () => Promise<string[] | undefined>;
  /** @default the runtime's, from connectionServer() */
  serveOnConnection?: ServeOnConnection;
}

/** A running server. */
export interface HttpServer {
  readonly addr: Deno.NetAddr;
  /** Open client connections now. */
  readonly connections: number;
  /** Settles once shut down and every connection has closed. */
  readonly finished: Promise<void>;
  /** Stops accepting, closes idle connections, lets in-flight requests finish. */
  shutdown(): Promise<void>;
}

/** Listens and serves until {@link HttpServer.shutdown}. */
export function startHttpServer(opts: HttpServerOptions): HttpServer {
  const { handler, limits, log } = opts;
  const serveOn = opts.serveOnConnection ?? connectionServer();
  const now = opts.now ?? (() => performance.now());
  const readTables = opts.readTcpTables ?? readTcpTables;
  const listener = Deno.listen({ hostname: opts.hostname, port: opts.port, transport: "tcp" });
  const addr = listener.addr;
  const table = new ConnectionTable(limits);
  // Said once at start rather than found out when a client hangs up.
  readTables().then((tables) => {
    if (tables) return;
    log.warn("client hang-up watch unavailable: the kernel's socket tables are unreadable", {
      fix: "run on Linux with --allow-all (deno task start does)",
    });
  }, () => {});
  /** Each open connection's HTTP server, and a promise that settles (never rejects) when it closes. */
  const served = new Map<Connection, { http: ConnectionHttp; closed: Promise<void> }>();
  // Idle times are stamped from this, refreshed by each accept and sweep: no clock read per
  // response. A request's wait is stamped from the clock: a stamp up to a sweep old would make
  // the next sweep take a request that has just started for one that has waited a second.
  let coarse = now();

  const onError = (err: unknown) => {
    log.error("request handler failed", { error: (err as Error)?.message ?? String(err) });
    return new Response("Internal Server Error", { status: 500 });
  };

  const onConnection = (conn: Deno.Conn) => {
    coarse = now();
    const admission = table.admit();
    if (admission.kind === "shed") return shedConnection(conn);
    // The victim's descriptor is freed when the runtime has closed it, a moment later.
    const evicted = admission.kind === "evict" ? drop(admission.victim) : undefined;
    const stop = new AbortController();
    const c = table.add(coarse, conn.remoteAddr as Deno.NetAddr, () => stop.abort());
    // One pair of callbacks per connection, shared by all its requests.
    const onSent = () => {
      mark(PHASE.sent);
      c.inFlight--;
      c.lastActive = coarse;
    };
    const onAnswer = () => {
      mark(PHASE.answered);
      c.awaiting--;
    };
    const http = serveOn(conn, stop.signal, (req, info) => {
      mark(PHASE.received);
      c.requests++;
      c.inFlight++;
      if (c.awaiting++ === 0) c.awaitingSince = now();
      info.completed.then(onSent, onSent);
      let res;
      try {
        res = handler(req, info);
      } catch (err) {
        c.awaiting--;
        throw err;
      }
      if (res instanceof Promise) res.then(onAnswer, onAnswer);
      else c.awaiting--;
      return res;
    }, onError);
    // `finished` rejects when the client resets the connection: unhandled, that would end the process.
    const forget = () => {
      table.delete(c);
      served.delete(c);
    };
    served.set(c, { http, closed: http.finished.then(forget, forget) });
    return evicted;
  };

  /** Closes `c` at once; settles when its socket is closed (or soon, whatever happens). */
  const drop = (c: Connection): Promise<void> | undefined => {
    table.delete(c);
    c.close();
    const closed = served.get(c)?.closed;
    return closed && Promise.race([closed, new Promise<void>((r) => setTimeout(r, CLOSE_WAIT_MS))]);
  };

  let watching = false;
  const watchPeers = async (waiting: Connection[]) => {
    watching = true;
    try {
      const tables = await readTables();
      // Only what runs on this thread: reading the files does not.
      mark(PHASE.hangUpWatch);
      if (!tables) return;
      const states = socketStates(tables, addr.port);
      for (const c of waiting) {
        if (c.awaiting === 0 || !c.remote) continue;
        if (peerGone(states, peerKey(c.remote.hostname, c.remote.port))) {
          log.debug("client closed its connection while its request waited", {
            peer: `${c.remote.hostname}:${c.remote.port}`,
          });
          drop(c);
        }
      }
    } catch (err) {
      log.warn("could not read the socket table", { error: (err as Error).message });
    } finally {
      watching = false;
      mark(PHASE.hangUpWatchEnd);
    }
  };

  const sweep = () => {
    mark(PHASE.connectionSweep);
    coarse = now();
    for (const c of table.expired(coarse)) drop(c);
    if (!watching) {
      const waiting = table.waiting(coarse, WATCH_AFTER_MS);
      if (waiting.length > 0) void watchPeers(waiting);
    }
    mark(PHASE.connectionSweepEnd);
  };

  const sweepMs = opts.sweepMs ??
    Math.max(
      50,
      Math.min(1000, Math.floor(Math.min(limits.headerTimeoutMs, limits.idleTimeoutMs) / 4)),
    );
  const sweeper = setInterval(sweep, sweepMs);
  Deno.unrefTimer(sweeper);

  const accepting = acceptLoop(listener, onConnection, { log, now });
  let finished: Promise<void> | undefined;
  let resolveFinished: () => void;
  const done = new Promise<void>((r) => (resolveFinished = r));

  return {
    addr,
    get connections() {
      return table.size;
    },
    finished: done,
    shutdown() {
      finished ??= (async () => {
        listener.close();
        await accepting;
        clearInterval(sweeper);
        await Promise.all([...served.values()].map(({ http }) => http.shutdown().catch(() => {})));
        resolveFinished();
      })();
      return finished;
    },
  };
}

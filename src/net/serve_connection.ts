/**
 * @module serve_connection
 * HTTP on one TCP connection we accepted ourselves, through Deno's internal
 * `serveHttpOnConnection` (the function `Deno.serve` runs per connection).
 * `Deno.serve` owns its accept loop and offers no header or idle timeout, no
 * per-connection hook, and ends on the first accept error (EMFILE included);
 * serving each connection ourselves gives all of that back. The function is
 * internal, so this relies on the pinned Deno 2.9.6 and
 * {@link connectionServer} refuses to start on a runtime without it.
 */
import { StartupError } from "../errors.ts";

/** What Deno hands the handler beside the request. */
export interface ServeInfo {
  readonly remoteAddr: Deno.NetAddr;
  /** Settles once the response (a streamed body included) is sent; rejects if the client left. */
  readonly completed: Promise<void>;
}

/** A request handler as `Deno.serve` takes it. */
export type ServeHandler = (req: Request, info: ServeInfo) => Response | Promise<Response>;

/** HTTP being served on one connection. */
export interface ConnectionHttp {
  /** Settles when the connection has closed. */
  readonly finished: Promise<void>;
  /** Finishes what is in flight, then closes (keep-alive off). */
  shutdown(): Promise<void>;
}

/**
 * Serves `handler` on `conn` until it closes. Aborting `signal` drops the
 * connection at once; an in-flight request's `signal` then aborts.
 */
export type ServeOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: ServeHandler,
  onError: (err: unknown) => Response,
) => ConnectionHttp;

type Internal = {
  serveHttpOnConnection?: (
    conn: Deno.Conn,
    signal: AbortSignal,
    handler: ServeHandler,
    onError: (err: unknown) => Response,
    onListen: (scheme: string) => void,
  ) => ConnectionHttp;
};

/** The runtime's per-connection server; throws a {@link StartupError} if it has none. */
export function connectionServer(): ServeOnConnection {
  const internal = (Deno as unknown as Record<symbol, Internal | undefined>)[
    (Deno as unknown as { internal: symbol }).internal
  ];
  const serveOn = internal?.serveHttpOnConnection;
  if (typeof serveOn !== "function") {
    throw new StartupError(
      `This Deno (${Deno.version.deno}) lacks the per-connection HTTP server Sidecar needs: run it on Deno 2.9.6`,
    );
  }
  return (conn, signal, handler, onError) => serveOn(conn, signal, handler, onError, noop);
}

function noop(): void {}

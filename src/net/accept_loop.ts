/**
 * @module accept_loop
 * Accepting client connections without ever dying of it. When the process
 * is out of file descriptors (EMFILE, or ENFILE for the whole system),
 * `accept()` fails while the connection waits in the backlog; `Deno.serve`
 * would end its loop and Sidecar would exit. Here the loop sheds instead:
 * it frees a descriptor held in reserve for the purpose, accepts the waiting
 * connection, answers it 503 and closes it (so the client hears a refusal
 * rather than waiting in the backlog), and keeps going. An episode is logged
 * once when it starts and once when accepting works again.
 */
import type { Logger } from "../log.ts";

/** Pause after a failed accept with no reserve descriptor to spend. */
const BACKOFF_MS = 50;

const SHED_BODY = JSON.stringify({
  error: {
    message: "Sidecar has too many open connections; retry shortly",
    type: "server_error",
    param: null,
    code: "too_many_connections",
  },
});

// https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4 (503) and #section-10.2.3 (Retry-After)
const SHED_RESPONSE = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\n" +
    "Connection: close\r\n" +
    "Retry-After: 1\r\n" +
    "Content-Type: application/json\r\n" +
    `Content-Length: ${SHED_BODY.length}\r\n\r\n${SHED_BODY}`,
);

/**
 * Answers a connection that will not be served with a bare 503 and closes
 * it. The response fits any fresh socket's send buffer, so the write does
 * not wait on the client.
 */
export async function shedConnection(conn: Deno.Conn): Promise<void> {
  try {
    await conn.write(SHED_RESPONSE);
  } catch {
    // The client is already gone.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** Options of {@link acceptLoop}. */
export interface AcceptLoopOptions {
  log: Logger;
  /** Milliseconds, for the length of an episode in the log. @default performance.now */
  now?: () => number;
  /** Opens the spare descriptor. @default opens /dev/null; undefined where it cannot */
  openReserve?: () => Disposable | undefined;
}

/**
 * Accepts connections from `listener` and hands each to `onConnection`
 * until the listener is closed. Never throws for a failed accept. A promise
 * from `onConnection` (a connection being shed) is awaited before the next
 * accept, so refusals in a burst cannot pile up descriptors.
 */
export async function acceptLoop(
  listener: Deno.Listener,
  onConnection: (conn: Deno.Conn) => void | Promise<void>,
  opts: AcceptLoopOptions,
): Promise<void> {
  const { log } = opts;
  const now = opts.now ?? (() => performance.now());
  const openReserve = opts.openReserve ?? openDevNull;
  let reserve = openReserve();
  let episode: { since: number; shed: number } | undefined;
  for (;;) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (listenerClosed(err)) return;
      const code = (err as { code?: unknown }).code;
      if (code !== "EMFILE" && code !== "ENFILE") {
        // ECONNABORTED and the like: one connection's problem, not the listener's.
        // A pause all the same, so an error that persists cannot spin the loop.
        log.debug("accept failed", { error: (err as Error).message });
        await pause();
        continue;
      }
      if (!episode) {
        episode = { since: now(), shed: 0 };
        log.warn("out of file descriptors: shedding new connections", { code });
      }
      if (reserve) {
        reserve[Symbol.dispose]();
        reserve = undefined;
        try {
          await shedConnection(await listener.accept());
          episode.shed++;
        } catch (err) {
          if (listenerClosed(err)) return;
        }
        reserve = openReserve();
      }
      if (!reserve) {
        await pause();
        reserve = openReserve();
      }
      continue;
    }
    if (episode) {
      log.info("accepting connections again", {
        shed: episode.shed,
        ms: Math.round(now() - episode.since),
      });
      episode = undefined;
    }
    try {
      const shedding = onConnection(conn);
      if (shedding) await shedding;
    } catch (err) {
      // One connection's failure must not end the loop, and with it the server.
      log.error("could not serve a connection", { error: (err as Error)?.message ?? String(err) });
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }
}

function pause(): Promise<void> {
  return new Promise((r) => setTimeout(r, BACKOFF_MS));
}

function listenerClosed(err: unknown): boolean {
  return err instanceof Deno.errors.BadResource || err instanceof Deno.errors.Interrupted;
}

function openDevNull(): Disposable | undefined {
  try {
    const file = Deno.openSync("/dev/null");
    return { [Symbol.dispose]: () => file.close() };
  } catch {
    return undefined;
  }
}

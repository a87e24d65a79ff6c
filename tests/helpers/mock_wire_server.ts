/**
 * @module mock_wire_server
 * The accept loop of a hand-written HTTP/1.1 mock on 127.0.0.1: one
 * {@link Wire} per connection, requests read one after another (keep-alive),
 * each handed to `respond`; `close()` drops every connection, including the
 * ones a handler keeps hanging, and waits until all is released.
 */
import { readRequest, type Req, Wire } from "./mock_http_wire.ts";

/** Answers one request; resolves whether the connection may carry another. */
export type Respond = (wire: Wire, req: Req) => Promise<boolean>;

export interface WireServer {
  port: number;
  /** TCP connections accepted so far: shows whether clients keep connections alive. */
  readonly connections: number;
  /** Stops listening, drops every connection and waits until all is released. */
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1. */
export function serveWire(respond: Respond): WireServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const wires = new Set<Wire>();
  const tasks = new Set<Promise<void>>();
  let connections = 0;
  let stopping = false;
  let closed: Promise<void> | undefined;

  async function serveConn(wire: Wire): Promise<void> {
    try {
      for (;;) {
        const req = await readRequest(wire);
        if (!req) break;
        const keepAlive = await respond(wire, req);
        const clientCloses = /close/i.test(req.headers.get("connection") ?? "");
        if (!keepAlive || stopping || clientCloses) break;
      }
    } catch {
      // A request this parser cannot read: drop the connection, like a strict server.
    }
    wire.close();
    await wire.gone;
  }

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        if (stopping) {
          conn.close();
          continue;
        }
        connections++;
        const wire = new Wire(conn);
        wires.add(wire);
        const task = serveConn(wire).finally(() => (wires.delete(wire), tasks.delete(task)));
        tasks.add(task);
      }
    } catch {
      // The listener was closed.
    }
  })();

  return {
    port: listener.addr.port,
    get connections() {
      return connections;
    },
    close() {
      if (!closed) {
        stopping = true;
        listener.close();
        for (const wire of wires) wire.close();
        closed = accepting.then(() => Promise.all(tasks)).then(() => {});
      }
      return closed;
    },
  };
}

/** Waits `ms`, or less if the client goes away first. */
export function pause(ms: number, gone: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([timeout, gone]).finally(() => clearTimeout(timer));
}

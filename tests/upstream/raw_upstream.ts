/**
 * @module raw_upstream
 * A loopback HTTP/1.1 server for the upstream client's tests whose every
 * answer is written by hand: per request the test's handler gets the wire
 * and says whether the connection stays open, so it can close, reset, stall
 * or send malformed bytes exactly when a test needs it.
 */
import { readRequest, type Req, Wire } from "../helpers/mock_http_wire.ts";

/** Where a request arrived: the connection's number (from 1) and its number on it (from 1). */
export interface Arrival {
  conn: number;
  onConn: number;
  /** Requests received by the server so far, this one included. */
  total: number;
}

/** Answers one request; resolves true to keep the connection for another. */
export type RawHandler = (wire: Wire, req: Req, at: Arrival) => Promise<boolean>;

/** A running server. */
export interface RawUpstream extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** TCP connections accepted. */
  readonly connections: number;
  /** Requests read off the wire (whole, body included). */
  readonly requests: Req[];
  /** Settles when connection `n` (from 1) is gone. */
  gone(n: number): Promise<void>;
  close(): Promise<void>;
}

const enc = new TextEncoder();

/** A response with a content-length body. */
export function sized(body: string, headers: Record<string, string> = {}, status = 200) {
  const bytes = enc.encode(body);
  const lines = Object.entries({ "content-type": "application/json", ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const top = enc.encode(
    `HTTP/1.1 ${status} OK\r\n${lines}content-length: ${bytes.length}\r\n\r\n`,
  );
  const out = new Uint8Array(top.length + bytes.length);
  out.set(top);
  out.set(bytes, top.length);
  return out;
}

/** Starts a server on a free port of 127.0.0.1. */
export function startRawUpstream(handler: RawHandler): RawUpstream {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const wires: Wire[] = [];
  const tasks: Promise<void>[] = [];
  const requests: Req[] = [];
  const serve = async (wire: Wire, conn: number) => {
    try {
      for (let onConn = 1;; onConn++) {
        const req = await readRequest(wire);
        if (!req) break;
        requests.push(req);
        if (!await handler(wire, req, { conn, onConn, total: requests.length })) break;
      }
    } catch {
      // A broken connection ends its loop.
    }
    wire.close();
    await wire.gone;
  };
  const accepting = (async () => {
    try {
      for await (const c of listener) {
        const wire = new Wire(c);
        wires.push(wire);
        tasks.push(serve(wire, wires.length));
      }
    } catch {
      // Listener closed.
    }
  })();
  let closing: Promise<void> | undefined;
  const close = () => {
    if (!closing) {
      listener.close();
      for (const w of wires) w.close();
      closing = accepting.then(() => Promise.all(tasks)).then(() => {});
    }
    return closing;
  };
  return {
    origin: `http://127.0.0.1:${listener.addr.port}`,
    get connections() {
      return wires.length;
    },
    requests,
    gone: (n) => wires[n - 1]!.gone,
    close,
    [Symbol.asyncDispose]: close,
  };
}

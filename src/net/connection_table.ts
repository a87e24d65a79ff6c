/**
 * @module connection_table
 * The open client connections and the rules that bound them: how long one
 * may take to send its first request's headers, how long it may sit idle
 * between requests, and which one gives way when the table is full. Time is
 * an argument; the server calls {@link ConnectionTable.sweep} on a coarse
 * timer, so no request pays for a timer of its own.
 */

/** One client connection, as the table sees it. */
export interface Connection {
  /** When it was accepted. */
  readonly acceptedAt: number;
  /** Requests received so far; 0 means its first headers are still awaited. */
  requests: number;
  /** Requests received whose response has not been fully sent. */
  inFlight: number;
  /** Requests whose handler has not yet returned a response. */
  awaiting: number;
  /** When `awaiting` last went from 0 to 1. */
  awaitingSince: number;
  /** When the last response was fully sent (or `acceptedAt`). */
  lastActive: number;
  /** The peer's address, to find its socket in the kernel's table. */
  readonly remote: { hostname: string; port: number } | undefined;
  /** Drops the connection at once, aborting what is in flight on it. */
  readonly close: () => void;
}

/** Limits of a {@link ConnectionTable}. */
export interface ConnectionLimits {
  /** Open connections allowed; the next one evicts an idle one or is shed. */
  maxConnections: number;
  /** Time from accept to the first request's headers. @default 20000 */
  headerTimeoutMs: number;
  /** Time a connection may wait for its next request after a response. @default 60000 */
  idleTimeoutMs: number;
}

/** What to do with a connection just accepted. */
export type Admission =
  | { kind: "admit" }
  /** Full: drop this idle connection (nothing in flight), then admit. */
  | { kind: "evict"; victim: Connection }
  /** Full and every connection is busy: refuse the new one. */
  | { kind: "shed" };

/** The set of open client connections. */
export class ConnectionTable {
  readonly #open = new Set<Connection>();

  constructor(readonly limits: ConnectionLimits) {}

  /** Connections open now. */
  get size(): number {
    return this.#open.size;
  }

  /** Registers a connection accepted at `now`. */
  add(
    now: number,
    remote: Connection["remote"],
    close: () => void,
  ): Connection {
    const conn: Connection = {
      acceptedAt: now,
      requests: 0,
      inFlight: 0,
      awaiting: 0,
      awaitingSince: now,
      lastActive: now,
      remote,
      close,
    };
    this.#open.add(conn);
    return conn;
  }

  /** Forgets a connection that has ended. */
  delete(conn: Connection): void {
    this.#open.delete(conn);
  }

  /**
   * Decides about one more connection. At the cap the longest-idle connection
   * with nothing in flight gives way (a client holding sockets open for
   * nothing must not lock out the next one); if all are busy, the new one is
   * shed. The scan is linear, and runs only at the cap.
   */
  admit(): Admission {
    if (this.#open.size < this.limits.maxConnections) return { kind: "admit" };
    let victim: Connection | undefined;
    for (const c of this.#open) {
      if (c.inFlight === 0 && (!victim || c.lastActive < victim.lastActive)) victim = c;
    }
    return victim ? { kind: "evict", victim } : { kind: "shed" };
  }

  /**
   * The connections past their time at `now`: never sent a request within
   * the header timeout, or idle since their last response beyond the idle
   * timeout. A connection with a request in flight never expires here, so a
   * stream that lasts minutes is never cut.
   */
  expired(now: number): Connection[] {
    const { headerTimeoutMs, idleTimeoutMs } = this.limits;
    const out: Connection[] = [];
    for (const c of this.#open) {
      if (c.inFlight > 0) continue;
      const limit = c.requests === 0
        ? c.acceptedAt + headerTimeoutMs
        : c.lastActive + idleTimeoutMs;
      if (now >= limit) out.push(c);
    }
    return out;
  }

  /** Connections with a request that has waited at least `ms` for its response to start. */
  waiting(now: number, ms: number): Connection[] {
    const out: Connection[] = [];
    for (const c of this.#open) {
      if (c.awaiting > 0 && now - c.awaitingSince >= ms) out.push(c);
    }
    return out;
  }

  /** Every open connection (for shutdown). */
  all(): Connection[] {
    return [...this.#open];
  }
}

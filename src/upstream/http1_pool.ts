/**
 * @module http1_pool
 * Idle keep-alive connections to one origin. The most recently used is
 * handed out first (the least likely to have been closed by the server);
 * one idle longer than its limit is closed instead of used, and one the
 * server closes while idle leaves the pool at once (its pending read ends).
 */
import type { Http1Connection } from "./http1_connection.ts";

/** The idle connections of one origin. */
export class OriginPool {
  #idle: Http1Connection[] = [];
  #max: number;

  /** Keeps at most `max` idle connections. */
  constructor(max: number) {
    this.#max = max;
  }

  /** Idle connections now held. */
  get size(): number {
    return this.#idle.length;
  }

  /** A live idle connection, taken out of the pool; undefined if none. */
  take(now: number): Http1Connection | undefined {
    for (let c = this.#idle.pop(); c; c = this.#idle.pop()) {
      if (!c.closed && !c.eof && now - c.idleSince < c.idleLimitMs) {
        c.unpark();
        return c;
      }
      c.destroy();
    }
    return undefined;
  }

  /** Parks `c` for reuse, or closes it when the pool is full. */
  put(c: Http1Connection, now: number): void {
    // The oldest sit at the bottom, where take() never reaches: expire them here.
    while (this.#idle.length > 0 && now - this.#idle[0]!.idleSince >= this.#idle[0]!.idleLimitMs) {
      this.#idle.shift()!.destroy();
    }
    if (this.#idle.length >= this.#max || c.idleLimitMs <= 0) return c.destroy();
    this.#idle.push(c);
    c.park(now, (gone) => {
      const i = this.#idle.indexOf(gone);
      if (i !== -1) this.#idle.splice(i, 1);
    });
  }

  /** Closes every idle connection; resolves once their reads have ended. */
  async close(): Promise<void> {
    const all = this.#idle.splice(0);
    for (const c of all) c.destroy();
    await Promise.all(all.map((c) => c.settled()));
  }
}

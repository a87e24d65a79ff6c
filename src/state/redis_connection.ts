/**
 * @module redis_connection
 * The one connection to the shared state's Redis (docs/cluster.md,
 * "Connecting"). It never stops Sidecar: built at once whether Redis is
 * there or not, it reconnects behind the scenes with a capped, jittered
 * backoff, and says `up` or down once per change (a log line and
 * `onChange`), not once per retry. Commands fail at once while it is down
 * (no offline queue), so nothing waits on an absent Redis.
 *
 * The URL is logged in its display form only; the password never is.
 */
import { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import type { RedisTarget } from "./redis_url.ts";

/** Options for {@link RedisConnection}. */
export interface RedisConnectionOptions {
  target: RedisTarget;
  log: Logger;
  /** The longest wait between two reconnection attempts. @default 5000 */
  maxRetryMs?: number;
  /** The first wait after a connection is lost; it doubles up to `maxRetryMs`. @default 100 */
  firstRetryMs?: number;
  /** How long one connection attempt may take. @default 2000 */
  connectTimeoutMs?: number;
  /** How long a command may wait for its reply. @default 1000 */
  commandTimeoutMs?: number;
  /** [0, 1), for the backoff's jitter. @default Math.random */
  random?: () => number;
}

/** Where the link to Redis is: not yet known, up, or down. */
export type LinkState = "connecting" | "up" | "down";

/** A Redis connection that survives Redis being away. */
export class RedisConnection {
  /** The ioredis client; its commands reject at once while the link is down. */
  readonly client: Redis;
  readonly #log: Logger;
  readonly #display: string;
  readonly #password: string | undefined;
  readonly #listeners = new Set<(up: boolean) => void>();
  #state: LinkState = "connecting";
  #closing = false;
  #settled: Promise<void>;
  #settle!: () => void;

  constructor(opts: RedisConnectionOptions) {
    const { target } = opts;
    const random = opts.random ?? Math.random;
    const first = opts.firstRetryMs ?? 100;
    const max = opts.maxRetryMs ?? 5_000;
    this.#log = opts.log;
    this.#display = target.display;
    this.#password = target.password;
    this.#settled = new Promise((r) => this.#settle = r);
    this.client = new Redis({
      host: target.host,
      port: target.port,
      db: target.db,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.tls ? { tls: { servername: target.host } } : {}),
      connectTimeout: opts.connectTimeoutMs ?? 2_000,
      commandTimeout: opts.commandTimeoutMs ?? 1_000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Half to all of the doubled wait: replicas that lost Redis together do not return in step.
      retryStrategy: (times) => {
        const wait = Math.min(first * 2 ** (times - 1), max);
        return Math.round(wait / 2 + random() * wait / 2);
      },
    });
    this.client.on("ready", () => this.#set("up"));
    // Every failed attempt is an error event: only a change of state is worth a line.
    this.client.on("error", (err: Error) => this.#set("down", err.message));
    this.client.on("close", () => this.#set("down", "connection closed"));
  }

  /** True while commands can reach Redis. */
  get up(): boolean {
    return this.#state === "up";
  }

  /** `connecting` until the first attempt ended, then `up` or `down`. */
  get state(): LinkState {
    return this.#state;
  }

  /** Calls `fn` on every change between up and down; returns the unsubscribe. */
  onChange(fn: (up: boolean) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Resolves once the first attempt succeeded or failed, or after `ms`, whichever is first. */
  async settled(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#settled, new Promise((r) => timer = setTimeout(r, ms))]);
    clearTimeout(timer);
  }

  /** Says goodbye to Redis (QUIT, bounded by `ms`), then drops the socket and stops reconnecting. */
  async close(ms = 500): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.up) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.client.quit().catch(() => {}),
        new Promise((r) => timer = setTimeout(r, ms)),
      ]);
      clearTimeout(timer);
    }
    this.client.disconnect();
    this.#settle();
  }

  #set(next: "up" | "down", reason?: string): void {
    if (this.#closing || next === this.#state) return;
    this.#state = next;
    this.#settle();
    if (next === "up") this.#log.info("shared state up", { redis: this.#display });
    else {
      this.#log.warn("shared state down: serving on this replica's own state", {
        redis: this.#display,
        error: this.#scrub(reason ?? "unknown"),
      });
    }
    for (const fn of this.#listeners) fn(next === "up");
  }

  /** A server's message never holds our password, but a driver's might; it is never logged. */
  #scrub(text: string): string {
    return this.#password ? text.replaceAll(this.#password, "…") : text;
  }
}

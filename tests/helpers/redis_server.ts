/**
 * @module redis_server
 * A real `redis-server` for tests of the shared state: on a free loopback
 * port, in a temp dir, persisting nothing, and stopped or restarted on the
 * same port for outage tests. Tests that need it are ignored (not failed)
 * when the binary is missing; `.ci/run` installs it.
 */

import { createLogger } from "../../src/log.ts";
import { RedisConnection } from "../../src/state/redis_connection.ts";
import { parseRedisUrl } from "../../src/state/redis_url.ts";

/** The redis-server binary on PATH, or undefined. */
export const REDIS_SERVER_BIN: string | undefined = findOnPath("redis-server");

/** For `Deno.test({ ignore })`: true when no redis-server can be run. */
export const NO_REDIS_SERVER = REDIS_SERVER_BIN === undefined;

/** A server that answers PING later than this failed to start. */
const READY_MS = 10_000;

/** A running redis-server; `url` is its `redis://127.0.0.1:PORT`. */
export class RedisServer implements AsyncDisposable {
  #child: Deno.ChildProcess | undefined;
  #log: Promise<string> = Promise.resolve("");

  private constructor(readonly port: number, readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port and waits until it answers PING. */
  static async start(): Promise<RedisServer> {
    if (!REDIS_SERVER_BIN) throw new Error("redis-server is not installed");
    const dir = await Deno.makeTempDir({ prefix: "sidecar-redis-" });
    const server = new RedisServer(freePort(), dir);
    await server.restart();
    return server;
  }

  /** True while the server process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts the server (again) on the same port and waits for PING. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error("redis-server is already running");
    const child = new Deno.Command(REDIS_SERVER_BIN!, {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.dir,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const out = new Response(child.stdout).text();
    const err = new Response(child.stderr).text();
    this.#log = Promise.all([out, err]).then(([o, e]) => o + e);
    const deadline = Date.now() + READY_MS;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`redis-server did not answer PING on ${this.port}:\n${await this.#log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops the server (SIGTERM) and waits until it exited; the port is free after. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await this.#log;
  }

  /** Runs one command over raw RESP and returns the reply as sent, for tests to look inside Redis. */
  command(...args: string[]): Promise<string> {
    return send(this.port, args);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** A port nothing listens on now (bound, then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await send(port, ["PING"])) === "+PONG";
  } catch {
    return false;
  }
}

/**
 * One command in RESP (https://redis.io/docs/latest/develop/reference/protocol-spec/),
 * the reply read until the server has sent a whole one; returned raw, CRLFs trimmed.
 */
async function send(port: number, args: string[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const enc = new TextEncoder();
    let req = `*${args.length}\r\n`;
    for (const a of args) req += `$${enc.encode(a).length}\r\n${a}\r\n`;
    const bytes = enc.encode(req);
    for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    const dec = new TextDecoder();
    let reply = "";
    const buf = new Uint8Array(65536);
    const signal = AbortSignal.timeout(5_000);
    while (!complete(reply)) {
      if (signal.aborted) throw new Error(`No whole reply to ${args[0]}: ${reply}`);
      const n = await conn.read(buf);
      if (n === null) break;
      reply += dec.decode(buf.subarray(0, n));
    }
    return reply.replace(/\r\n$/, "");
  } finally {
    conn.close();
  }
}

/** Whether `text` holds one whole RESP reply (simple types, bulk strings, flat or nested arrays). */
function complete(text: string): boolean {
  return parseAt(text, 0) !== -1;
}

function parseAt(text: string, at: number): number {
  const eol = text.indexOf("\r\n", at);
  if (eol === -1) return -1;
  const type = text[at];
  const head = text.slice(at + 1, eol);
  if (type === "$") {
    const len = Number(head);
    if (len < 0) return eol + 2;
    const end = eol + 2 + len + 2;
    return text.length >= end ? end : -1;
  }
  if (type === "*") {
    let next = eol + 2;
    for (let i = 0; i < Number(head); i++) {
      next = parseAt(text, next);
      if (next === -1) return -1;
    }
    return next;
  }
  return eol + 2;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const path = `${dir}/${name}`;
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return undefined;
}

/**
 * A connection to `url` as the shared-state tests use one: quiet, and
 * retrying within 100 ms, so a test's outage ends as soon as the server is
 * back. Resolves once it is up (or gave up after 2 s).
 */
export async function connectRedis(url: string): Promise<RedisConnection> {
  const conn = new RedisConnection({
    target: parseRedisUrl(url),
    log: createLogger("error", () => {}),
    firstRetryMs: 20,
    maxRetryMs: 100,
  });
  await conn.settled(2_000);
  return conn;
}

/**
 * @module http_server_test
 * startHttpServer()'s hang-up watch on an injected clock and socket table:
 * a request that has waited a second for its response gets its client
 * checked, and one that has only just started does not, however long ago the
 * last sweep stamped the time (it once took the sweep's stale time for the
 * request's start, and read the kernel's socket tables about once a second
 * under load).
 */
import assert from "node:assert/strict";
import { createLogger } from "../../src/log.ts";
import { startHttpServer } from "../../src/net/http_server.ts";

const SWEEP_MS = 50;

/** A server whose clock the test sets, counting the reads of the socket tables. */
function server(handler: (req: Request) => Promise<Response>) {
  const clock = { ms: 0, reads: 0 };
  const s = startHttpServer({
    hostname: "127.0.0.1",
    port: 0,
    handler,
    limits: { maxConnections: 16, headerTimeoutMs: 600_000, idleTimeoutMs: 600_000 },
    log: createLogger("error", () => {}),
    now: () => clock.ms,
    sweepMs: SWEEP_MS,
    readTcpTables: () => {
      clock.reads++;
      return Promise.resolve(undefined);
    },
  });
  return { s, clock, url: `http://127.0.0.1:${s.addr.port}/` };
}

const sweeps = (n: number) => new Promise((r) => setTimeout(r, n * SWEEP_MS + SWEEP_MS / 2));

/** A handler that answers the first `free` requests at once and holds the others until `release()`. */
function held(free = 0) {
  let release = () => {};
  const entered = Promise.withResolvers<void>();
  const gate = new Promise<void>((r) => (release = r));
  let seen = 0;
  const handler = async () => {
    if (seen++ < free) return new Response("ok");
    entered.resolve();
    await gate;
    return new Response("ok");
  };
  return { handler, entered: entered.promise, release: () => release() };
}

Deno.test("a request that has waited a second for its response gets its client checked", async () => {
  const h = held();
  const { s, clock, url } = server(h.handler);
  try {
    const res = fetch(url);
    await h.entered;
    const before = clock.reads;
    clock.ms += 1_000;
    await sweeps(2);
    assert.ok(clock.reads > before, "the socket tables were read");
    h.release();
    assert.equal(await (await res).text(), "ok");
  } finally {
    h.release();
    await s.shutdown();
  }
});

Deno.test("a request that has just started is not checked, however old the last sweep's time", async () => {
  const h = held(1);
  const { s, clock, url } = server(h.handler);
  try {
    // The connection is accepted and used at 0, and the sweeps stamp 0.
    assert.equal(await (await fetch(url)).text(), "ok");
    await sweeps(1);
    // A second passes before the next sweep; the next request comes on the same connection.
    clock.ms = 5_000;
    const res = fetch(url);
    await h.entered;
    const before = clock.reads;
    await sweeps(3);
    assert.equal(clock.reads, before, "no read of the socket tables");
    assert.equal(s.connections, 1, "the request came on the first connection");
    h.release();
    assert.equal(await (await res).text(), "ok");
  } finally {
    h.release();
    await s.shutdown();
  }
});

/**
 * @module accept_loop_test
 * acceptLoop() against a scripted listener: EMFILE spends the reserve
 * descriptor on answering the waiting connection 503, one warning per
 * episode and one line when accepting works again; the loop ends only when
 * the listener is closed.
 */
import assert from "node:assert/strict";
import { acceptLoop } from "../../src/net/accept_loop.ts";
import { createLogger } from "../../src/log.ts";

type Step = "emfile" | "enfile" | "aborted" | "closed" | "conn";

class FakeConn {
  written = "";
  closed = false;
  write(b: Uint8Array): Promise<number> {
    this.written += new TextDecoder().decode(b);
    return Promise.resolve(b.length);
  }
  close(): void {
    this.closed = true;
  }
}

function script(steps: Step[]) {
  const conns: FakeConn[] = [];
  const listener = {
    accept(): Promise<Deno.Conn> {
      const step = steps.shift() ?? "closed";
      const fail = (code: string) => Promise.reject(Object.assign(new Error(code), { code }));
      switch (step) {
        case "emfile":
          return fail("EMFILE");
        case "enfile":
          return fail("ENFILE");
        case "aborted":
          return fail("ECONNABORTED");
        case "closed":
          return Promise.reject(new Deno.errors.BadResource("Listener has been closed"));
        case "conn": {
          const c = new FakeConn();
          conns.push(c);
          return Promise.resolve(c as unknown as Deno.Conn);
        }
      }
    },
  } as unknown as Deno.Listener;
  return { listener, conns };
}

function logged() {
  const lines: { level: string; msg: string; shed?: number }[] = [];
  const log = createLogger("debug", (l) => lines.push(JSON.parse(l)), () => 0);
  return { log, lines };
}

Deno.test("acceptLoop() hands accepted connections on and ends when the listener closes", async () => {
  const { listener, conns } = script(["conn", "aborted", "conn"]);
  const got: unknown[] = [];
  await acceptLoop(listener, (c) => void got.push(c), {
    log: logged().log,
    openReserve: () => undefined,
  });
  assert.deepEqual(got, conns);
});

Deno.test("acceptLoop() on EMFILE frees its reserve descriptor, answers the waiting connection 503 and reopens the reserve", async () => {
  // EMFILE, then the waiting connection (accepted with the reserve's descriptor), then recovery.
  const { listener, conns } = script(["emfile", "conn", "enfile", "conn", "conn"]);
  const reserves: { open: boolean }[] = [];
  const openReserve = () => {
    const r = { open: true };
    reserves.push(r);
    return { [Symbol.dispose]: () => (r.open = false) };
  };
  const served: unknown[] = [];
  const { log, lines } = logged();
  let t = 0;
  await acceptLoop(listener, (c) => void served.push(c), {
    log,
    openReserve,
    now: () => (t += 10),
  });
  const [shed1, shed2, ok] = conns;
  for (const c of [shed1!, shed2!]) {
    assert.match(c.written, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(c.written, /\r\nRetry-After: 1\r\n/);
    assert.ok(c.closed);
  }
  assert.deepEqual(served, [ok]);
  assert.equal(reserves.length, 3, "reopened after each use");
  assert.deepEqual(reserves.map((r) => r.open), [false, false, true]);
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg, l.shed]),
    [
      ["warn", "out of file descriptors: shedding new connections", undefined],
      ["info", "accepting connections again", 2],
    ],
    "one warning for the episode, not one per connection",
  );
});

Deno.test("acceptLoop() without a reserve backs off and keeps accepting", async () => {
  const { listener, conns } = script(["emfile", "emfile", "conn"]);
  const served: unknown[] = [];
  await acceptLoop(listener, (c) => void served.push(c), {
    log: logged().log,
    openReserve: () => undefined,
  });
  assert.deepEqual(served, conns);
});

/**
 * @module connection_limits_test
 * A real Sidecar process against hostile clients: floods of idle TCP
 * connections under a low `ulimit -n` (with the cap, and with the cap set
 * above the limit so accept() really fails with EMFILE), connections that
 * never send their headers or sit idle after a response, a full table of
 * busy connections, and a stream that outlives every timeout.
 */
import assert from "node:assert/strict";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { LimitedSidecar, readUntilClosed, writeAll } from "../helpers/limited_sidecar.ts";

const TOKEN = "sc-admin-e2e-limits";

async function openIdle(port: number, n: number): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < n; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
  return conns;
}

function closeAll(conns: Deno.Conn[]): void {
  for (const c of conns) {
    try {
      c.close();
    } catch {
      // Closed by the server already.
    }
  }
}

async function healthz(base: string): Promise<number> {
  const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
  await res.body?.cancel();
  return res.status;
}

/** How many of `conns` the server has closed, each given `ms` to show it. */
async function countClosed(conns: Deno.Conn[], ms: number): Promise<number> {
  const results = await Promise.all(conns.map((c) => readUntilClosed(c, ms)));
  return results.filter((r) => r.closed).length;
}

async function withDataDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-e2e-limits-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sidecar serve under ulimit -n 256: 600 idle connections are capped, /healthz still answers, the process survives", async () => {
  await withDataDir(async (dataDir) => {
    await using sidecar = await LimitedSidecar.start({ dataDir, token: TOKEN, openFiles: 256 });
    assert.match(sidecar.output, /"max_connections":96\b/, "the cap is derived from the limit");
    const conns = await openIdle(sidecar.port, 600);
    try {
      assert.equal(await healthz(sidecar.url), 200, "answers while flooded");
      // The cap holds 96; every older one was evicted to make room.
      const closed = await countClosed(conns, 1_000);
      assert.ok(closed >= 600 - 96, `closed ${closed}`);
    } finally {
      closeAll(conns);
    }
    assert.equal(await healthz(sidecar.url), 200);
    assert.equal(sidecar.exited, undefined, sidecar.output);
    assert.doesNotMatch(sidecar.output, /out of file descriptors/, "the cap kept it below EMFILE");
    assert.equal((await sidecar.terminate()).code, 0, sidecar.output);
  });
});

Deno.test("sidecar serve with SIDECAR_MAX_CONNECTIONS above ulimit -n 128 survives EMFILE: sheds, logs once per episode, recovers", async () => {
  await withDataDir(async (dataDir) => {
    await using sidecar = await LimitedSidecar.start({
      dataDir,
      token: TOKEN,
      openFiles: 128,
      env: { SIDECAR_MAX_CONNECTIONS: "10000" },
    });
    // Let start-up finish loading modules (the writer thread's among them): out of
    // descriptors, every open fails, and this test is about accept().
    assert.equal(await healthz(sidecar.url), 200);
    await new Promise((r) => setTimeout(r, 1_000));
    const conns = await openIdle(sidecar.port, 300);
    try {
      const shed = await Promise.all(conns.slice(-20).map((c) => readUntilClosed(c, 2_000)));
      const refused = shed.filter((r) => r.closed && r.text.startsWith("HTTP/1.1 503"));
      assert.ok(refused.length > 0, "connections beyond the descriptors are answered 503");
      assert.match(refused[0]!.text, /\r\nRetry-After: 1\r\n/);
      assert.equal(sidecar.exited, undefined, sidecar.output);
    } finally {
      closeAll(conns);
    }
    // Descriptors free as the clients close: a new connection is served again.
    let answer = "";
    for (let i = 0; i < 50 && !answer.startsWith("HTTP/1.1 200"); i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: sidecar.port });
      await writeAll(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      answer = (await readUntilClosed(conn, 2_000)).text;
      closeAll([conn]);
      if (!answer.startsWith("HTTP/1.1 200")) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(answer, /^HTTP\/1\.1 200/, sidecar.output);
    await new Promise((r) => setTimeout(r, 200)); // the log line's way through the pipe
    // One warning per episode, not per refused connection.
    const episodes = sidecar.output.match(/out of file descriptors/g)?.length ?? 0;
    const shed = [...sidecar.output.matchAll(/"accepting connections again","shed":(\d+)/g)]
      .reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(episodes >= 1 && episodes <= 3, sidecar.output);
    assert.ok(shed >= 100, sidecar.output);
    assert.doesNotMatch(sidecar.output, /unexpected error|panicked/);
    assert.equal((await sidecar.terminate()).code, 0, sidecar.output);
  });
});

Deno.test("sidecar serve closes a connection without headers after SIDECAR_HEADER_TIMEOUT_MS and an idle keep-alive one after SIDECAR_IDLE_TIMEOUT_MS; a longer stream is not cut", async () => {
  const upstream = await startMockUpstream({ name: "up" });
  await withDataDir(async (dataDir) => {
    await using sidecar = await LimitedSidecar.start({
      dataDir,
      token: TOKEN,
      env: { SIDECAR_HEADER_TIMEOUT_MS: "800", SIDECAR_IDLE_TIMEOUT_MS: "1200" },
    });
    const created = await fetch(`${sidecar.url}/api/backends`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "b1", name: "b1", base_url: upstream.url, models: ["*"] }),
    });
    assert.equal(created.status, 201, await created.text());

    const silent = await Deno.connect({ hostname: "127.0.0.1", port: sidecar.port });
    const slowloris = await Deno.connect({ hostname: "127.0.0.1", port: sidecar.port });
    await writeAll(slowloris, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const idle = await Deno.connect({ hostname: "127.0.0.1", port: sidecar.port });
    await writeAll(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");

    upstream.script({ kind: "stream", chunks: ["a", "b", "c", "d", "e", "f"], delayMs: 500 });
    const streamed = fetch(`${sidecar.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, messages: [] }),
    }).then((r) => r.text());

    const [s, l, i] = await Promise.all([
      readUntilClosed(silent, 5_000),
      readUntilClosed(slowloris, 5_000),
      readUntilClosed(idle, 5_000),
    ]);
    assert.ok(s.closed && s.afterMs >= 700 && s.afterMs < 2_500, `no headers: ${s.afterMs} ms`);
    assert.ok(l.closed && l.afterMs >= 700 && l.afterMs < 2_500, `partial headers: ${l.afterMs}`);
    assert.equal(l.text, "", "nothing is answered to half a request");
    assert.match(i.text, /^HTTP\/1\.1 200/);
    assert.ok(i.closed && i.afterMs >= 1_000 && i.afterMs < 3_000, `idle: ${i.afterMs} ms`);

    const text = await streamed;
    assert.match(text, /data: \[DONE\]/, "a stream of ~3.5 s outlives both timeouts");
    for (const piece of ["a", "f"]) assert.ok(text.includes(`"content":"${piece}"`), text);
    for (const c of [silent, slowloris, idle]) closeAll([c]);
    assert.equal((await sidecar.terminate()).code, 0, sidecar.output);
  });
  await upstream.close();
});

Deno.test("sidecar serve at SIDECAR_MAX_CONNECTIONS with every connection busy answers the next one 503, and SIGTERM lets the busy ones finish", async () => {
  const upstream = await startMockUpstream({ name: "up" });
  await withDataDir(async (dataDir) => {
    await using sidecar = await LimitedSidecar.start({
      dataDir,
      token: TOKEN,
      env: { SIDECAR_MAX_CONNECTIONS: "2" },
    });
    const created = await fetch(`${sidecar.url}/api/backends`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "b1", name: "b1", base_url: upstream.url, models: ["*"] }),
    });
    assert.equal(created.status, 201, await created.text());
    // The admin call's keep-alive connection is idle: the first busy one evicts it.
    upstream.setDefault({ kind: "stream", chunks: ["x", "y", "z"], delayMs: 700 });
    const busy = [0, 1].map(() =>
      fetch(`${sidecar.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", stream: true, messages: [] }),
      }).then((r) => r.text())
    );
    for (let i = 0; i < 50 && upstream.requests.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(upstream.requests.length, 2);

    const third = await Deno.connect({ hostname: "127.0.0.1", port: sidecar.port });
    const refused = await readUntilClosed(third, 3_000);
    closeAll([third]);
    assert.ok(refused.closed);
    assert.match(refused.text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(refused.text, /\r\nConnection: close\r\n/);
    assert.match(refused.text, /"code":"too_many_connections"/);

    const status = sidecar.terminate();
    for (const text of await Promise.all(busy)) assert.match(text, /data: \[DONE\]/);
    assert.equal((await status).code, 0, sidecar.output);
  });
  await upstream.close();
});

Deno.test("sidecar serve survives clients that reset their connections with answers unread", async () => {
  await withDataDir(async (dataDir) => {
    await using sidecar = await LimitedSidecar.start({ dataDir, token: TOKEN });
    const pipelined = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".repeat(50);
    for (let i = 0; i < 200; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: sidecar.port });
      await writeAll(conn, pipelined);
      if (i % 2) await new Promise((r) => setTimeout(r, 1));
      conn.close(); // with answers unread, the kernel resets the connection
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await healthz(sidecar.url), 200, sidecar.output);
    assert.doesNotMatch(sidecar.output, /Uncaught|unexpected error/);
    assert.equal((await sidecar.terminate()).code, 0, sidecar.output);
  });
});

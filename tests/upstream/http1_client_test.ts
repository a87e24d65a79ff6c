import assert from "node:assert/strict";
import { chunk, LAST_CHUNK } from "../helpers/mock_http_wire.ts";
import { createHttp1Client, type Http1Client } from "../../src/upstream/http1_client.ts";
import { UpstreamConnectionError } from "../../src/upstream/upstream_connection_error.ts";
import { type RawHandler, sized, startRawUpstream } from "./raw_upstream.ts";

const enc = new TextEncoder();
const OK = '{"ok":true}';
const post = (body = '{"model":"m"}', signal?: AbortSignal) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: enc.encode(body),
  ...(signal && { signal }),
});

/** Answers three requests per connection, then reads the fourth whole and closes. */
const closesFourth: RawHandler = async (wire, _req, at) => {
  if (at.onConn === 4) return false;
  return await wire.write(sized(OK));
};

async function callsAgainst(doFetch: typeof fetch, calls: number) {
  await using server = startRawUpstream(closesFourth);
  const outcomes: string[] = [];
  for (let i = 0; i < calls; i++) {
    try {
      const res = await doFetch(`${server.origin}/v1/chat/completions`, post());
      outcomes.push(`${res.status} ${await res.text()}`);
    } catch (err) {
      outcomes.push(err instanceof Error ? err.name : "error");
    }
  }
  return { outcomes, received: server.requests.length, connections: server.connections };
}

async function withClient<T>(fn: (c: Http1Client) => Promise<T>, opts = {}): Promise<T> {
  const client = createHttp1Client(opts);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

Deno.test("globalThis.fetch sends a POST twice when a reused connection closes after it (why Http1Client exists)", async () => {
  const { outcomes, received } = await callsAgainst(fetch, 8);
  assert.ok(outcomes.every((o) => o.startsWith("200")), outcomes.join(", "));
  assert.ok(received > 8, `fetch made ${received} requests for 8 calls`);
});

Deno.test("Http1Client.fetch() puts exactly one request on the wire per call: a reused connection closed after the request fails the call", async () => {
  const { outcomes, received, connections } = await withClient((c) => callsAgainst(c.fetch, 8));
  const ok = `200 ${OK}`;
  const failed = "UpstreamConnectionError";
  assert.deepEqual(outcomes, [ok, ok, ok, failed, ok, ok, ok, failed]);
  assert.equal(received, 8);
  assert.equal(connections, 2);
});

Deno.test("Http1Client.fetch() reuses one keep-alive connection for sequential requests", async () => {
  await using server = startRawUpstream((wire) => wire.write(sized(OK)));
  await withClient(async (c) => {
    for (let i = 0; i < 50; i++) {
      const res = await c.fetch(`${server.origin}/v1/x`, post());
      assert.equal(await res.text(), OK);
    }
    assert.equal(c.idle, 1);
  });
  assert.equal(server.connections, 1);
  assert.equal(server.requests.length, 50);
});

Deno.test("Http1Client.fetch() sends the caller's headers, host and content-length, and no accept-encoding", async () => {
  await using server = startRawUpstream((wire) => wire.write(sized(OK)));
  await withClient(async (c) => {
    const body = '{"model":"é"}';
    const res = await c.fetch(`${server.origin}/v1/chat?x=1`, {
      method: "POST",
      headers: { authorization: "Bearer sk-1", "content-type": "application/json" },
      body,
    });
    await res.body?.cancel();
  });
  const req = server.requests[0]!;
  assert.equal(req.method, "POST");
  assert.equal(req.headers.get("host"), new URL(server.origin).host);
  assert.equal(req.headers.get("authorization"), "Bearer sk-1");
  assert.equal(req.headers.get("content-length"), String(enc.encode('{"model":"é"}').length));
  assert.equal(req.headers.get("accept-encoding"), null);
  assert.equal(req.text, '{"model":"é"}');
});

Deno.test("Http1Client.fetch() reads a content-length body larger than one read, then reuses the connection", async () => {
  const big = "x".repeat(1_000_000);
  await using server = startRawUpstream((wire) => wire.write(sized(big, { "x-big": "1" })));
  await withClient(async (c) => {
    for (let i = 0; i < 2; i++) {
      const res = await c.fetch(`${server.origin}/big`);
      assert.equal(res.headers.get("x-big"), "1");
      assert.equal(res.headers.get("content-length"), String(big.length));
      assert.equal((await res.bytes()).length, big.length);
    }
  });
  assert.equal(server.connections, 1);
});

Deno.test("Http1Client.fetch() decodes a chunked body (extensions, trailers) and reuses the connection", async () => {
  await using server = startRawUpstream(async (wire) => {
    const top = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
    const ext = enc.encode("5;name=value\r\nHello\r\n");
    return await wire.write(enc.encode(top)) && await wire.write(ext) &&
      await wire.write(chunk(", chunked ")) && await wire.write(chunk("world")) &&
      await wire.write(enc.encode("0\r\nx-trailer: 1\r\n\r\n"));
  });
  await withClient(async (c) => {
    for (let i = 0; i < 3; i++) {
      const res = await c.fetch(`${server.origin}/chunked`);
      assert.equal(await res.text(), "Hello, chunked world");
    }
  });
  assert.equal(server.connections, 1);
});

Deno.test("Http1Client.fetch() reads a close-delimited body to the close and does not reuse that connection", async () => {
  await using server = startRawUpstream(async (wire) => {
    await wire.write(enc.encode("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npart one, "));
    await wire.write(enc.encode("part two"));
    return false;
  });
  await withClient(async (c) => {
    for (let i = 0; i < 2; i++) {
      assert.equal(await (await c.fetch(`${server.origin}/close`)).text(), "part one, part two");
    }
    assert.equal(c.idle, 0);
  });
  assert.equal(server.connections, 2);
});

Deno.test("Http1Client.fetch() streams SSE chunk by chunk: the first event arrives before the server finishes", async () => {
  let release = () => {};
  const released = new Promise<void>((r) => release = r);
  await using server = startRawUpstream(async (wire) => {
    const top =
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
    await wire.write(enc.encode(top));
    await wire.write(chunk('data: {"n":1}\n\n'));
    await released; // the rest only once the client has seen the first event
    await wire.write(chunk('data: {"n":2}\n\n'));
    return await wire.write(LAST_CHUNK);
  });
  await withClient(async (c) => {
    const res = await c.fetch(`${server.origin}/v1/chat/completions`, post());
    const reader = res.body!.getReader({ mode: "byob" });
    const first = await reader.read(new Uint8Array(1024));
    assert.equal(new TextDecoder().decode(first.value), 'data: {"n":1}\n\n');
    release();
    const second = await reader.read(new Uint8Array(1024));
    assert.equal(new TextDecoder().decode(second.value), 'data: {"n":2}\n\n');
    assert.equal((await reader.read(new Uint8Array(1024))).done, true);
    assert.equal(c.idle, 1);
  });
});

Deno.test("Http1Client.fetch() rejects with the abort reason when aborted before the headers, and closes the socket", async () => {
  await using server = startRawUpstream((wire) => wire.gone.then(() => false));
  await withClient(async (c) => {
    const ctl = new AbortController();
    const call = c.fetch(`${server.origin}/hang`, post("{}", ctl.signal));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    await assert.rejects(call, { name: "AbortError" });
    await server.gone(1);
  });
});

Deno.test("Http1Client.fetch() fails a pending body read when aborted mid-body, and closes the socket", async () => {
  await using server = startRawUpstream(async (wire) => {
    await wire.write(enc.encode("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nsome"));
    await wire.gone;
    return false;
  });
  await withClient(async (c) => {
    const ctl = new AbortController();
    const res = await c.fetch(`${server.origin}/cut`, post("{}", ctl.signal));
    const reader = res.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "some");
    const pending = reader.read();
    ctl.abort();
    await assert.rejects(pending, { name: "AbortError" });
    await server.gone(1);
    assert.equal(c.idle, 0);
  });
});

Deno.test("Http1Client.fetch() fails a body cut short by the server with closed_mid_body", async () => {
  await using server = startRawUpstream(async (wire) => {
    await wire.write(enc.encode("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort"));
    return false;
  });
  await withClient(async (c) => {
    const res = await c.fetch(`${server.origin}/cut`);
    await assert.rejects(res.bytes(), (e) => {
      assert.ok(e instanceof UpstreamConnectionError);
      assert.equal(e.reason, "closed_mid_body");
      return true;
    });
  });
});

Deno.test("Http1Client drops an idle connection the server closed, and the next call opens a new one", async () => {
  await using server = startRawUpstream(async (wire) => {
    await wire.write(sized(OK));
    await new Promise((r) => setTimeout(r, 20));
    return false; // an idle close, as a server's keep-alive timeout does
  });
  await withClient(async (c) => {
    assert.equal(await (await c.fetch(`${server.origin}/a`, post())).text(), OK);
    await server.gone(1);
    for (let i = 0; i < 100 && c.idle > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(c.idle, 0);
    assert.equal(await (await c.fetch(`${server.origin}/b`, post())).text(), OK);
  });
  assert.equal(server.connections, 2);
  assert.equal(server.requests.length, 2);
});

Deno.test("Http1Client does not reuse a connection idle longer than idleTimeoutMs", async () => {
  let now = 0;
  await using server = startRawUpstream((wire) => wire.write(sized(OK)));
  await withClient(async (c) => {
    await (await c.fetch(`${server.origin}/a`)).text();
    now += 999;
    await (await c.fetch(`${server.origin}/b`)).text();
    assert.equal(server.connections, 1);
    now += 1000;
    await (await c.fetch(`${server.origin}/c`)).text();
    assert.equal(server.connections, 2);
  }, { idleTimeoutMs: 1000, now: () => now });
});

Deno.test("Http1Client honours the server's Keep-Alive timeout when shorter than its own", async () => {
  let now = 0;
  await using server = startRawUpstream((wire) =>
    wire.write(sized(OK, { "keep-alive": "timeout=2" }))
  );
  await withClient(async (c) => {
    await (await c.fetch(`${server.origin}/a`)).text();
    now += 1500; // past the server's 2 s less a second of margin
    await (await c.fetch(`${server.origin}/b`)).text();
  }, { idleTimeoutMs: 3000, now: () => now });
  assert.equal(server.connections, 2);
});

Deno.test("Http1Client honours connection: close from the server even if it keeps the socket open", async () => {
  await using server = startRawUpstream((wire) => wire.write(sized(OK, { connection: "close" })));
  await withClient(async (c) => {
    for (let i = 0; i < 3; i++) assert.equal(await (await c.fetch(`${server.origin}/`)).text(), OK);
    assert.equal(c.idle, 0);
  });
  assert.equal(server.connections, 3);
});

Deno.test("Http1Client skips 1xx informational responses", async () => {
  await using server = startRawUpstream(async (wire) => {
    await wire.write(
      enc.encode("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n"),
    );
    return await wire.write(sized(OK, {}, 201));
  });
  await withClient(async (c) => {
    const res = await c.fetch(`${server.origin}/`, post());
    assert.equal(res.status, 201);
    assert.equal(await res.text(), OK);
  });
});

Deno.test("Http1Client passes a content-encoding it did not ask for through with the body as sent", async () => {
  await using server = startRawUpstream((wire) =>
    wire.write(sized("raw", { "content-encoding": "gzip" }))
  );
  await withClient(async (c) => {
    const res = await c.fetch(`${server.origin}/`);
    assert.equal(res.headers.get("content-encoding"), "gzip");
    assert.equal(await res.text(), "raw");
  });
});

for (
  const [name, bytes, reason] of [
    ["a malformed status line", "HTTP/1.1 20 OK\r\n\r\n", "malformed"],
    ["a header without a colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", "malformed"],
    ["a space before a header's colon", "HTTP/1.1 200 OK\r\nx-a : 1\r\n\r\n", "malformed"],
    [
      "a folded header line",
      "HTTP/1.1 200 OK\r\nx-a: 1\r\n 2\r\ncontent-length: 0\r\n\r\n",
      "malformed",
    ],
    [
      "two different content-lengths",
      "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
      "malformed",
    ],
    ["a non-numeric content-length", "HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n", "malformed"],
    [
      "a head over 64 KiB",
      `HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\n\r\n`,
      "head_too_large",
    ],
    ["nothing at all", "", "closed_before_response"],
  ] as const
) {
  Deno.test(`Http1Client rejects ${name} as a connection error (${reason})`, async () => {
    await using server = startRawUpstream(async (wire) => {
      await wire.write(enc.encode(bytes));
      return false;
    });
    await withClient(async (c) => {
      await assert.rejects(c.fetch(`${server.origin}/`, post()), (e) => {
        assert.ok(e instanceof UpstreamConnectionError, String(e));
        assert.equal(e.reason, reason);
        return true;
      });
      assert.equal(c.idle, 0);
    });
  });
}

Deno.test("Http1Client rejects a malformed chunk size mid-body and drops the connection", async () => {
  await using server = startRawUpstream(async (wire) => {
    await wire.write(enc.encode("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"));
    await wire.gone;
    return false;
  });
  await withClient(async (c) => {
    const res = await c.fetch(`${server.origin}/`);
    await assert.rejects(res.text(), { reason: "malformed" });
    await server.gone(1);
  });
});

Deno.test("Http1Client keeps at most maxIdlePerOrigin idle connections", async () => {
  await using server = startRawUpstream(async (wire) => {
    await new Promise((r) => setTimeout(r, 20));
    return await wire.write(sized(OK));
  });
  await withClient(async (c) => {
    const all = Array.from({ length: 3 }, () => c.fetch(`${server.origin}/`).then((r) => r.text()));
    assert.deepEqual(await Promise.all(all), [OK, OK, OK]);
    assert.equal(c.idle, 2);
  }, { maxIdlePerOrigin: 2 });
  assert.equal(server.connections, 3);
});

Deno.test("Http1Client fails a refused connection with an UpstreamConnectionError", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  await withClient(async (c) => {
    await assert.rejects(c.fetch(`http://127.0.0.1:${port}/`), { reason: "io" });
  });
});

import assert from "node:assert/strict";
import { chunk, LAST_CHUNK } from "../helpers/mock_http_wire.ts";
import { chunkReader } from "../../src/proxy/chunk_reader.ts";
import { createHttp1Client, type Http1Client } from "../../src/upstream/http1_client.ts";
import { type RawHandler, startRawUpstream } from "../upstream/raw_upstream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const SSE_HEAD =
  "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";

async function withClient<T>(fn: (c: Http1Client) => Promise<T>): Promise<T> {
  const client = createHttp1Client();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** One event, then nothing until the client goes: a stream open mid-answer. */
const firstEventThenHold: RawHandler = async (wire) => {
  await wire.write(enc.encode(SSE_HEAD));
  await wire.write(chunk('data: {"n":1}\n\n'));
  await wire.gone;
  return false;
};

async function readAll(read: () => Promise<ReadableStreamReadResult<Uint8Array>>) {
  let text = "";
  for (;;) {
    const next = await read();
    if (next.done) return text;
    text += dec.decode(next.value, { stream: true });
  }
}

Deno.test("chunkReader reads the HTTP/1.1 client's body itself: the stream stays unread, every byte arrives, the connection is reused", async () => {
  // Bigger than the connection's first buffer and the reader's, so both loop and the buffer grows.
  const events = Array.from(
    { length: 40 },
    (_, i) => `data: {"n":${i},"pad":"${"x".repeat(400)}"}\n\n`,
  );
  await using server = startRawUpstream(async (wire) => {
    await wire.write(enc.encode(SSE_HEAD));
    await wire.write(chunk(events.slice(0, 30).join("")));
    for (const ev of events.slice(30)) await wire.write(chunk(ev));
    return await wire.write(LAST_CHUNK);
  });
  await withClient(async (c) => {
    for (let i = 0; i < 2; i++) {
      const res = await c.fetch(`${server.origin}/v1/chat/completions`);
      const reader = chunkReader(res.body!);
      assert.equal(await readAll(() => reader.read()), events.join(""));
      assert.equal(res.body!.locked, false, "the byte stream was never read");
    }
    assert.equal(c.idle, 1);
  });
  assert.equal(server.connections, 1);
});

Deno.test("chunkReader on the client's body: an abort ends a pending read at once and closes the socket", async () => {
  await using server = startRawUpstream(firstEventThenHold);
  await withClient(async (c) => {
    const ctl = new AbortController();
    const res = await c.fetch(`${server.origin}/v1/chat/completions`, { signal: ctl.signal });
    const reader = chunkReader(res.body!);
    const first = await reader.read();
    assert.equal(dec.decode(first.value), 'data: {"n":1}\n\n');
    const pending = reader.read().then((r) => (r.done ? "done" : "more"), () => "failed");
    ctl.abort();
    assert.equal(await pending, "failed");
    await server.gone(1);
    assert.equal(c.idle, 0);
  });
});

Deno.test("chunkReader on the client's body: cancel gives the connection up (the server sees it close)", async () => {
  await using server = startRawUpstream(firstEventThenHold);
  await withClient(async (c) => {
    const res = await c.fetch(`${server.origin}/v1/chat/completions`);
    const reader = chunkReader(res.body!);
    await reader.read();
    await reader.cancel();
    await server.gone(1);
    assert.equal(c.idle, 0);
  });
});

Deno.test("chunkReader reads other streams through their reader: a byte stream by BYOB, a plain one as it comes", async () => {
  const parts = ["data: a\n\n", "data: b\n\n", "data: c\n\n"];
  const bytes = new ReadableStream({
    type: "bytes",
    pull(ctl) {
      const next = parts.shift();
      if (next === undefined) {
        ctl.close();
        return ctl.byobRequest?.respond(0); // a BYOB read waits for its view to come back
      }
      ctl.enqueue(enc.encode(next));
    },
  });
  const byob = chunkReader(bytes);
  assert.equal(await readAll(() => byob.read()), "data: a\n\ndata: b\n\ndata: c\n\n");
  assert.equal(bytes.locked, true);
  const plain = chunkReader(
    ReadableStream.from([enc.encode("data: x\n\n"), enc.encode("data: y\n\n")]),
  );
  assert.equal(await readAll(() => plain.read()), "data: x\n\ndata: y\n\n");
});

/**
 * @module json_body_test
 * readJsonBody() / readBodyBytes(): size cap (declared and streamed),
 * empty and malformed bodies as clear 4xx errors.
 */
import assert from "node:assert/strict";
import { BadRequestError, PayloadTooLargeError, SidecarError } from "../../src/errors.ts";
import { assertJsonContentType, readBodyBytes, readJsonBody } from "../../src/http/json_body.ts";

const enc = new TextEncoder();

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  // A string body would otherwise be sent as text/plain, which readJsonBody refuses.
  return new Request("http://localhost/x", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A body streamed in the given chunks, with no content-length; records cancellation. */
function streamed(
  chunks: string[],
): { req: Request; cancelled: () => boolean; pulled: () => number } {
  let cancelled = false;
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[pulled++];
      if (next === undefined) controller.close();
      else controller.enqueue(enc.encode(next));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { req: post(stream), cancelled: () => cancelled, pulled: () => pulled };
}

Deno.test("readJsonBody() parses a JSON body", async () => {
  assert.deepEqual(await readJsonBody(post('{"a":[1,2],"b":"é"}'), 1024), { a: [1, 2], b: "é" });
  assert.equal(await readJsonBody(post("42"), 1024), 42);
});

Deno.test("readJsonBody() assembles a body streamed in many chunks", async () => {
  const { req } = streamed(['{"mo', 'del":', '"gpt-', '4o"}']);
  assert.deepEqual(await readJsonBody(req, 1024), { model: "gpt-4o" });
});

Deno.test("readJsonBody() refuses an empty or missing body with a 400", async () => {
  for (const req of [post(""), post(null), new Request("http://localhost/x")]) {
    await assert.rejects(() => readJsonBody(req, 1024), (err) => {
      assert.ok(err instanceof BadRequestError);
      assert.equal(err.status, 400);
      assert.match(err.message, /empty/);
      return true;
    });
  }
});

Deno.test("readJsonBody() refuses malformed JSON with a 400 invalid_request_error", async () => {
  for (const text of ["{", "{'a':1}", "[1,]", "undefined", "\u00ff\u00fe", '{"a":1}{"b":2}']) {
    await assert.rejects(() => readJsonBody(post(text), 1024), (err) => {
      assert.ok(err instanceof BadRequestError);
      assert.equal(err.type, "invalid_request_error");
      assert.equal(err.param, null);
      assert.equal(err.message, "Request body is not valid JSON");
      return true;
    });
  }
});

Deno.test("readBodyBytes() accepts a body of exactly maxBytes", async () => {
  const bytes = await readBodyBytes(post("x".repeat(100)), 100);
  assert.equal(bytes.length, 100);
});

Deno.test("readBodyBytes() refuses a declared content-length over the cap without reading", async () => {
  const { req, pulled } = streamed(["{}"]);
  const headers = new Headers(req.headers);
  headers.set("content-length", "101");
  const declared = new Request(req, { headers });
  await assert.rejects(() => readBodyBytes(declared, 100), (err) => {
    assert.ok(err instanceof PayloadTooLargeError);
    assert.equal(err.status, 413);
    assert.equal(err.code, "request_too_large");
    assert.match(err.message, /max_body_bytes \(100\)/);
    return true;
  });
  assert.equal(pulled(), 0);
  await declared.body?.cancel();
});

Deno.test("readBodyBytes() stops reading and cancels a streamed body once over the cap", async () => {
  const { req, cancelled, pulled } = streamed([
    "x".repeat(60),
    "x".repeat(60),
    "x".repeat(60),
    "x",
  ]);
  await assert.rejects(() => readBodyBytes(req, 100), PayloadTooLargeError);
  assert.equal(cancelled(), true);
  assert.ok(pulled() <= 3, `read ${pulled()} chunks`);
});

Deno.test("readBodyBytes() ignores a non-numeric content-length and counts real bytes", async () => {
  const req = new Request("http://localhost/x", {
    method: "POST",
    body: "x".repeat(10),
    headers: { "content-length": "ten" },
  });
  assert.equal((await readBodyBytes(req, 100)).length, 10);
});

Deno.test("readJsonBody() refuses a body nested too deep before parsing it", async () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const req = new Request("http://x/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: deep,
  });
  await assert.rejects(
    () => readJsonBody(req, 1024 * 1024),
    (e) => e instanceof BadRequestError && /deeper/.test(e.message),
  );
});

Deno.test("assertJsonContentType() accepts JSON types and none, and refuses others with a 415", () => {
  const req = (type?: string) =>
    new Request("http://localhost/x", {
      method: "POST",
      body: new Uint8Array(),
      headers: type ? { "content-type": type } : {},
    });
  for (
    const t of [
      undefined,
      "application/json",
      "Application/JSON; charset=utf-8",
      "application/vnd.api+json",
    ]
  ) {
    assertJsonContentType(req(t));
  }
  for (
    const t of ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", "text/json"]
  ) {
    assert.throws(
      () => assertJsonContentType(req(t)),
      (e) => e instanceof SidecarError && e.status === 415,
      t,
    );
  }
});

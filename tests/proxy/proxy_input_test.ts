/**
 * @module proxy_input_test
 * Errors (docs/api.md) and client auth: what Sidecar refuses itself, always
 * in the contract's error shape, without calling any upstream.
 */
import assert from "node:assert/strict";
import OpenAI from "npm:openai@7.59.0";
import { apiError, assertErrorShape, chat, ok, type Proxy, startProxy } from "./proxy_harness.ts";

async function refused(res: Response, status: number) {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.match(res.headers.get("x-request-id") ?? "", /^req_/);
  const body = await res.json();
  assertErrorShape(body);
  return body.error;
}

function noUpstream(p: Proxy) {
  assert.equal(p.mock("b1").requests.length, 0, "a refused request reached the upstream");
}

Deno.test("malformed JSON: 400 invalid_request_error", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  for (const body of ["{not json", "", '"a string"', "[1,2]", "null"]) {
    const error = await refused(await p.post("/chat/completions", body), 400);
    assert.equal(error.type, "invalid_request_error");
  }
  noUpstream(p);
});

Deno.test("missing model: 400 with param model", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  for (const body of [{ messages: [] }, { model: "", messages: [] }, { model: 4 }]) {
    const error = await refused(await p.post("/chat/completions", body), 400);
    assert.equal(error.type, "invalid_request_error");
    assert.equal(error.param, "model");
  }
  const error = await refused(await p.post("/embeddings", { input: "x" }), 400);
  assert.equal(error.param, "model");
  noUpstream(p);
});

Deno.test("body over max_body_bytes: 413, declared or streamed", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }], config: { max_body_bytes: 1024 } });
  const big = chat({ messages: [{ role: "user", content: "x".repeat(2000) }] });
  const error = await refused(await p.post("/chat/completions", big), 413);
  assert.equal(error.type, "invalid_request_error");

  // Without a content-length the limit holds while reading.
  const bytes = new TextEncoder().encode(JSON.stringify(big));
  const streamed = await fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.key}`, "content-type": "application/json" },
    body: new ReadableStream({
      start(c) {
        c.enqueue(bytes.subarray(0, 900));
        c.enqueue(bytes.subarray(900));
        c.close();
      },
    }),
  });
  await refused(streamed, 413);

  const okSized = await p.post("/chat/completions", chat());
  assert.equal(okSized.status, 200);
  await okSized.body?.cancel();
  assert.equal(p.mock("b1").requests.length, 1);
});

Deno.test("missing or wrong client key: 401 invalid_api_key", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const url = `${p.baseURL}/chat/completions`;
  const body = JSON.stringify(chat());
  const cases: Record<string, string>[] = [
    {},
    { authorization: "Bearer sk-sc-not-a-key" },
    { authorization: "Basic abc" },
    { "x-api-key": "sk-sc-not-a-key" },
  ];
  for (const headers of cases) {
    const res = await fetch(url, { method: "POST", headers, body });
    const error = await refused(res, 401);
    assert.equal(error.code, "invalid_api_key");
  }
  const models = await fetch(`${p.baseURL}/models`);
  assert.equal((await refused(models, 401)).code, "invalid_api_key");

  const wrong = new OpenAI({ apiKey: "sk-sc-wrong", baseURL: p.baseURL, maxRetries: 0 });
  const err = await apiError(() => wrong.chat.completions.create(chat()));
  assert.ok(err instanceof OpenAI.AuthenticationError);
  assert.equal(err.code, "invalid_api_key");
  noUpstream(p);
});

Deno.test("a deleted client key is refused at once", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const created = (await ok(p.rt.admin("POST", "/api/keys", { name: "temp" }))).data;
  const client = new OpenAI({ apiKey: created.key, baseURL: p.baseURL, maxRetries: 0 });
  await client.chat.completions.create(chat());
  assert.equal((await p.rt.admin("DELETE", `/api/keys/${created.id}`)).status, 204);
  const err = await apiError(() => client.chat.completions.create(chat()));
  assert.equal(err.status, 401);
  assert.equal(p.mock("b1").requests.length, 1);
});

Deno.test("an upstream URL or key in the request body is ignored for routing", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const res = await p.post(
    "/chat/completions",
    chat({ base_url: "http://127.0.0.1:1/v1", api_key: "sk-from-body" }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-sidecar-backend"), "b1");
  await res.body?.cancel();
  assert.equal(p.mock("b1").requests[0]?.headers.get("authorization"), "Bearer sk-upstream-b1");
});

Deno.test("an unknown /v1 route is a 404 in the error shape", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const res = await p.post("/audio/speech", { model: "gpt-test" });
  await refused(res, 404);
  noUpstream(p);
});

Deno.test("a body declared as anything but JSON is a 415 on /v1 and /api", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const body = JSON.stringify(chat());
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) {
    const error = await refused(
      await p.post("/chat/completions", body, { "content-type": type }),
      415,
    );
    assert.equal(error.type, "invalid_request_error");
    const api = await p.rt.app.request("/api/pools", {
      method: "POST",
      headers: { authorization: "Bearer sc-admin-test-token", "content-type": type },
      body: JSON.stringify({ id: "p2", name: "p2", priority: 5 }),
    });
    assert.equal(api.status, 415);
    assertErrorShape(await api.json());
  }
  noUpstream(p);
  for (const type of ["application/json; charset=utf-8", "application/merge-patch+json"]) {
    const res = await p.post("/chat/completions", body, { "content-type": type });
    assert.equal(res.status, 200, type);
    await res.body?.cancel();
  }
  // No content type claims no other format.
  const bare = await fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.key}` },
    body: new TextEncoder().encode(body),
  });
  assert.equal(bare.status, 200);
  await bare.body?.cancel();
});

Deno.test("a wrong method on a known path is a 405 with Allow", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const get = await fetch(`${p.baseURL}/chat/completions`, {
    headers: { authorization: `Bearer ${p.key}` },
  });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  assertErrorShape(await get.json());
  const del = await p.rt.admin("DELETE", "/api/pools");
  assert.equal(del.status, 405);
  assert.equal(del.headers.get("allow"), "GET, POST");
  await del.body?.cancel();
  const patch = await p.rt.admin("PUT", "/api/pools/primary");
  assert.equal(patch.headers.get("allow"), "GET, PATCH, DELETE");
  await patch.body?.cancel();
  const unknown = await p.rt.admin("GET", "/api/nothing");
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
  noUpstream(p);
});

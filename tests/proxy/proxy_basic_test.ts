/**
 * @module proxy_basic_test
 * The happy paths (docs/routing.md) through the official `openai` client over
 * real HTTP: each endpoint, the added headers, credentials and `model_map`.
 */
import assert from "node:assert/strict";
import { ADMIN_TOKEN } from "../helpers/test_runtime.ts";
import { chat, startProxy } from "./proxy_harness.ts";

Deno.test("POST /v1/chat/completions relays a non-stream answer with Sidecar's headers", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const { data, response } = await p.client.chat.completions.create(chat()).withResponse();

  assert.equal(data.object, "chat.completion");
  assert.equal(data.choices[0]?.message.content, "Hello from b1");
  assert.deepEqual(data.usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  assert.equal(response.headers.get("x-sidecar-backend"), "b1");
  assert.equal(response.headers.get("x-sidecar-attempts"), "1");
  const requestId = response.headers.get("x-request-id");
  assert.match(requestId ?? "", /^req_[0-9a-f]{32}$/);

  const rec = await p.record(requestId);
  assert.equal(rec.status, 200);
  assert.equal(rec.outcome, "ok");
  assert.equal(rec.stream, false);
  assert.equal(rec.backend_id, "b1");
  assert.equal(rec.pool_id, "primary");
  assert.equal(rec.model, "gpt-test");
  assert.equal(rec.upstream_model, "gpt-test");
  assert.ok(rec.key_id?.startsWith("key_"));
  assert.deepEqual(rec.attempts.map((a) => [a.backend_id, a.status, a.reason]), [
    ["b1", 200, "ok"],
  ]);
  assert.deepEqual(
    [rec.prompt_tokens, rec.completion_tokens, rec.total_tokens],
    [10, 5, 15],
  );
  assert.equal(rec.error, null);
});

Deno.test("proxy sends the backend's key upstream, never the client's credentials", async () => {
  await using p = await startProxy({ backends: [{ id: "b1", api_key: "sk-backend-secret" }] });
  await p.client.chat.completions.create(chat());
  // The client key may also come as x-api-key.
  const viaHeader = await fetch(`${p.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "x-api-key": p.key, "content-type": "application/json" },
    body: JSON.stringify(chat()),
  });
  assert.equal(viaHeader.status, 200);
  await viaHeader.body?.cancel();

  const seen = p.mock("b1").requests;
  assert.equal(seen.length, 2);
  for (const req of seen) {
    assert.equal(req.headers.get("authorization"), "Bearer sk-backend-secret");
    assert.equal(req.headers.get("x-api-key"), null);
    for (const [name, value] of req.headers) {
      assert.ok(!value.includes(p.key), `client key leaked upstream in ${name}`);
    }
  }
});

Deno.test("proxy accepts the admin token as a client credential", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const res = await p.post("/chat/completions", chat(), { authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.equal(p.mock("b1").requests[0]?.headers.get("authorization"), "Bearer sk-upstream-b1");
  const rec = (await p.records())[0];
  assert.equal(rec?.key_id, null);
});

Deno.test("model_map rewrites the model sent upstream; the upstream body comes back unchanged", async () => {
  await using p = await startProxy({
    backends: [{
      id: "b1",
      models: ["gpt-test", "gpt-4o*"],
      model_map: { "gpt-test": "gpt-test-2024-08-06", "*": "fb-ok" },
    }],
  });
  const exact = await p.client.chat.completions.create(chat()).withResponse();
  const glob = await p.client.chat.completions.create(chat({ model: "gpt-4o-mini" }))
    .withResponse();

  const [first, second] = p.mock("b1").requests;
  assert.equal((first?.body as { model: string }).model, "gpt-test-2024-08-06");
  assert.equal((second?.body as { model: string }).model, "fb-ok");
  // The upstream's own `model` field is passed on, not put back to the requested name.
  assert.equal(exact.data.model, "gpt-test-2024-08-06");
  assert.equal(glob.data.model, "fb-ok");

  const rec = await p.record(exact.response.headers.get("x-request-id"));
  assert.equal(rec.model, "gpt-test");
  assert.equal(rec.upstream_model, "gpt-test-2024-08-06");
  const recGlob = await p.record(glob.response.headers.get("x-request-id"));
  assert.equal(recGlob.model, "gpt-4o-mini");
  assert.equal(recGlob.upstream_model, "fb-ok");

  // Byte for byte: whatever the upstream says, including its `model`, reaches the client.
  const body = {
    id: "chatcmpl-fixed",
    object: "chat.completion",
    created: 1,
    model: "what-upstream-says",
    choices: [{ index: 0, message: { role: "assistant", content: "x" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    system_fingerprint: "fp_mock",
  };
  p.mock("b1").script({ kind: "status", status: 200, body });
  const raw = await p.client.chat.completions.create(chat()).asResponse();
  assert.equal(await raw.text(), JSON.stringify(body));
});

Deno.test("a body with nothing to change goes upstream byte for byte", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const sent = `{ "model": "gpt-test", "seed": 12345678901234567890, "temperature": 1.0,
    "messages": [{"role": "user", "content": "caf\u00e9"}] }`;
  const res = await p.post("/chat/completions", sent);
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.equal(p.mock("b1").requests[0]?.text, sent);
});

Deno.test("a body Sidecar re-serialises keeps numbers beyond 2^53 exactly", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", model_map: { "gpt-test": "gpt-test-2024-08-06" } }],
  });
  // Streamed: Sidecar adds stream_options; mapped: it rewrites the model. Both re-serialise.
  const stream = await p.post(
    "/chat/completions",
    `{"model":"gpt-test","stream":true,"seed":12345678901234567890,"logprobs":false,` +
      `"top_logprobs":null,"n":1,"temperature":0.7,"messages":[{"role":"user","content":"hi"}]}`,
  );
  assert.equal(stream.status, 200);
  await stream.text();
  const upstream = p.mock("b1").requests[0]!;
  assert.match(upstream.text, /"seed":12345678901234567890[,}]/);
  assert.match(upstream.text, /"temperature":0\.7[,}]/);
  assert.deepEqual((upstream.body as { stream_options: unknown }).stream_options, {
    include_usage: true,
  });
  assert.equal((upstream.body as { model: string }).model, "gpt-test-2024-08-06");
});

Deno.test("stream chat: chunks arrive and the usage chunk Sidecar asked for is hidden", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "stream", chunks: ["Hel", "lo", "!"] });
  const { data: stream, response } = await p.client.chat.completions
    .create(chat({ stream: true }))
    .withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "b1");
  assert.equal(response.headers.get("x-sidecar-attempts"), "1");
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);

  let text = "";
  const finishes: (string | null | undefined)[] = [];
  let usageChunks = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finishes.push(chunk.choices[0]?.finish_reason);
    if (chunk.usage) usageChunks++;
    assert.equal(chunk.choices.length, 1, "a usage-only chunk reached the client");
  }
  assert.equal(text, "Hello!");
  assert.equal(finishes.at(-1), "stop");
  assert.equal(usageChunks, 0);

  // Sidecar asked upstream for the usage chunk so it can account the stream.
  const upstream = p.mock("b1").requests[0]?.body as { stream_options?: unknown };
  assert.deepEqual(upstream.stream_options, { include_usage: true });
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.equal(rec.outcome, "ok");
  assert.equal(rec.stream, true);
  assert.deepEqual([rec.prompt_tokens, rec.completion_tokens, rec.total_tokens], [10, 3, 13]);
  assert.notEqual(rec.ttfb_ms, null);
});

Deno.test("stream chat: the usage chunk is forwarded when the client asked for it", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b"] });
  const stream = await p.client.chat.completions.create(
    chat({ stream: true, stream_options: { include_usage: true } }),
  );
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const last = chunks.at(-1);
  assert.deepEqual(last?.choices, []);
  assert.deepEqual(last?.usage, { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
  assert.equal(chunks.filter((c) => c.usage).length, 1);
});

Deno.test("stream chat: events are relayed as they arrive, not buffered whole", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }],
    config: { stream_idle_timeout_ms: 2000 },
  });
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b", "c"], delayMs: 120 });
  const stream = await p.client.chat.completions.create(chat({ stream: true }));
  const arrivals: number[] = [];
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content) arrivals.push(performance.now());
  }
  assert.equal(arrivals.length, 3);
  // Upstream pauses 120 ms before each piece: buffering would deliver them together.
  assert.ok(arrivals[2]! - arrivals[0]! >= 180, `pieces arrived together: ${arrivals}`);
});

Deno.test("POST /v1/embeddings and /v1/completions are routed by model", async () => {
  await using p = await startProxy({
    backends: [
      { id: "emb", models: ["text-embedding-3-small"] },
      { id: "txt", models: ["gpt-3.5-turbo-instruct"] },
    ],
  });
  const emb = await p.client.embeddings.create({
    model: "text-embedding-3-small",
    input: ["one", "two"],
  }).withResponse();
  assert.equal(emb.response.headers.get("x-sidecar-backend"), "emb");
  assert.equal(emb.data.data.length, 2);
  assert.deepEqual(emb.data.data[1]?.embedding, [0.1, 0.2, 0.3]);
  assert.equal(p.mock("emb").requests[0]?.path, "/v1/embeddings");

  const cmpl = await p.client.completions.create({
    model: "gpt-3.5-turbo-instruct",
    prompt: "Say hi",
  }).withResponse();
  assert.equal(cmpl.response.headers.get("x-sidecar-backend"), "txt");
  assert.equal(cmpl.data.choices[0]?.text, "Hello from txt");
  assert.equal(p.mock("txt").requests[0]?.path, "/v1/completions");

  const embRec = await p.record(emb.response.headers.get("x-request-id"));
  assert.deepEqual([embRec.prompt_tokens, embRec.completion_tokens, embRec.total_tokens], [
    10,
    0,
    10,
  ]);
  const cmplRec = await p.record(cmpl.response.headers.get("x-request-id"));
  assert.equal(cmplRec.total_tokens, 15);
});

Deno.test("POST /v1/responses is routed by model", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }] });
  const { data, response } = await p.client.responses.create({
    model: "gpt-test",
    input: "hi",
  }).withResponse();
  assert.equal(response.headers.get("x-sidecar-backend"), "b1");
  assert.equal(data.output_text, "Hello from b1");
  assert.equal(p.mock("b1").requests[0]?.path, "/v1/responses");
  const rec = await p.record(response.headers.get("x-request-id"));
  assert.equal(rec.total_tokens, 15);
});

Deno.test("GET /v1/models lists the exact names enabled backends serve", async () => {
  await using p = await startProxy({
    backends: [
      { id: "b1", models: ["gpt-test", "gpt-4o*"] },
      { id: "b2", models: ["text-embedding-3-small", "gpt-test"] },
      { id: "off", models: ["hidden-model"], enabled: false },
    ],
  });
  const ids = [];
  for await (const m of p.client.models.list()) {
    assert.equal(m.object, "model");
    assert.equal(typeof m.owned_by, "string");
    ids.push(m.id);
  }
  assert.deepEqual(ids.sort(), ["gpt-test", "text-embedding-3-small"]);

  const res = await fetch(`${p.baseURL}/models`, { headers: { authorization: `Bearer ${p.key}` } });
  assert.equal(res.status, 200);
  assert.ok(res.headers.get("x-request-id"));
  const body = await res.json();
  assert.equal(body.object, "list");
  // Models are listed from the routing table: no upstream is asked.
  assert.equal(p.mock("b1").requests.length + p.mock("b2").requests.length, 0);
});

Deno.test("GET /metrics counts requests and shows no key", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1", api_key: "sk-backend-secret-1" }, {
      id: "b2",
      pool: "fallback",
      api_key: "sk-backend-secret-2",
    }],
  });
  // Twice: the first 500 is retried on b1 (pool_retries), the second moves to b2.
  p.mock("b1").script({ kind: "status", status: 500 }, { kind: "status", status: 500 });
  await p.client.chat.completions.create(chat());
  await p.client.chat.completions.create(chat());

  const res = await fetch(`${p.origin}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /^sidecar_requests_total\{backend="b1",outcome="ok"\} 1$/m);
  assert.match(text, /^sidecar_requests_total\{backend="b2",outcome="ok"\} 1$/m);
  assert.match(
    text,
    /^sidecar_upstream_failures_total\{backend="b1",reason="server_error"\} 2$/m,
  );
  assert.match(text, /^sidecar_tokens_total\{backend="b1",kind="prompt"\} 10$/m);
  for (const secret of ["sk-backend-secret-1", "sk-backend-secret-2", p.key, ADMIN_TOKEN]) {
    assert.ok(!text.includes(secret), "a secret is in /metrics");
  }
});

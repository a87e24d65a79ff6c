/**
 * @module mock_upstream_test
 * What a plain `fetch` client sees from each mock upstream script: these are
 * the behaviours the proxy end-to-end tests rely on.
 */
import assert from "node:assert/strict";
import type { ChunkInfo } from "../../src/api_formats/chunk_info.ts";
import { classifyEvent } from "../../src/api_formats/openai/openai_events.ts";
import { SseSplitter } from "../../src/proxy/sse.ts";
import { createHttp1Client } from "../../src/upstream/http1_client.ts";
import { type MockUpstream, startMockUpstream } from "./mock_upstream.ts";

async function withMock(
  fn: (mock: MockUpstream) => Promise<void>,
  opts?: Parameters<typeof startMockUpstream>[0],
): Promise<void> {
  const mock = await startMockUpstream(opts);
  try {
    await fn(mock);
  } finally {
    await mock.close();
  }
}

function post(mock: MockUpstream, path: string, body: unknown, init: RequestInit = {}) {
  return fetch(`${mock.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-upstream" },
    body: JSON.stringify(body),
    ...init,
  });
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: "gpt-test",
  messages: [{ role: "user", content: "hi" }],
  ...extra,
});

/** Reads a whole SSE body; `error` is set when the body broke off. */
async function readEvents(res: Response): Promise<{ events: ChunkInfo[]; error?: unknown }> {
  const splitter = new SseSplitter();
  const events: ChunkInfo[] = [];
  try {
    for await (const bytes of res.body ?? []) {
      events.push(...splitter.push(bytes).map(classifyEvent));
    }
  } catch (error) {
    return { events, error };
  }
  events.push(...splitter.flush().map(classifyEvent));
  return { events };
}

function summary(events: ChunkInfo[]): string[] {
  return events.map((e) => {
    if (e.kind !== "data") return e.kind;
    if (e.usageOnly) return "usage";
    if (e.finished) return "finish";
    const choice = (e.json.choices as { delta?: { content?: string; role?: string } }[])?.[0];
    if (choice?.delta?.role) return "role";
    return `text:${choice?.delta?.content ?? e.json.delta ?? e.json.type}`;
  });
}

Deno.test("mock ok answers a chat.completion echoing the model", async () => {
  await withMock(async (mock) => {
    const res = await post(mock, "/chat/completions", chat());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-mock-upstream"), "b1");
    const body = await res.json();
    assert.equal(body.object, "chat.completion");
    assert.equal(body.model, "gpt-test");
    assert.equal(body.choices[0].message.content, "Hello from b1");
    assert.equal(body.choices[0].finish_reason, "stop");
    assert.deepEqual(body.usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    const [req] = mock.requests;
    assert.equal(req?.path, "/v1/chat/completions");
    assert.equal(req?.method, "POST");
    assert.equal(req?.backend, "b1");
    assert.equal(req?.headers.get("authorization"), "Bearer sk-upstream");
    assert.deepEqual(req?.body, chat());
  }, { name: "b1" });
});

Deno.test("mock ok streams chunks, usage and [DONE] when asked", async () => {
  await withMock(async (mock) => {
    const res = await post(
      mock,
      "/chat/completions",
      chat({ stream: true, stream_options: { include_usage: true } }),
    );
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const { events, error } = await readEvents(res);
    assert.equal(error, undefined);
    assert.deepEqual(summary(events), [
      "role",
      "text:Hello",
      "text: from ",
      "text:b2",
      "finish",
      "usage",
      "done",
    ]);
    const usage = events.find((e) => e.kind === "data" && e.usageOnly);
    assert.deepEqual(usage?.kind === "data" && usage.usage?.total_tokens, 13);
  }, { name: "b2", default: { kind: "ok" } });
});

Deno.test("mock stream sends no usage chunk unless include_usage", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "stream", chunks: ["a", "b"] });
    const { events } = await readEvents(await post(mock, "/chat/completions", chat()));
    assert.deepEqual(summary(events), ["role", "text:a", "text:b", "finish", "done"]);
  });
});

Deno.test("mock ok answers embeddings, completions, responses and models", async () => {
  await withMock(async (mock) => {
    const emb = await (await post(mock, "/embeddings", { model: "e", input: ["a", "b"] })).json();
    assert.equal(emb.object, "list");
    assert.equal(emb.data.length, 2);
    assert.deepEqual(emb.data[1].embedding, [0.1, 0.2, 0.3]);
    assert.deepEqual(emb.usage, { prompt_tokens: 10, total_tokens: 10 });
    const cmpl = await (await post(mock, "/completions", { model: "c", prompt: "x" })).json();
    assert.equal(cmpl.object, "text_completion");
    assert.equal(cmpl.choices[0].text, "Hello from mock");
    mock.script({ kind: "ok", content: "R", usage: { prompt_tokens: 1, completion_tokens: 2 } });
    const resp = await (await post(mock, "/responses", { model: "r", input: "x" })).json();
    assert.equal(resp.object, "response");
    assert.equal(resp.model, "r");
    assert.equal(resp.output[0].content[0].text, "R");
    assert.deepEqual(resp.usage, { input_tokens: 1, output_tokens: 2, total_tokens: 3 });
    const models = await (await fetch(`${mock.url}/models`)).json();
    assert.equal(models.object, "list");
    assert.equal(models.data[0].object, "model");
    assert.equal(mock.requests.at(-1)?.method, "GET");
  });
});

Deno.test("mock stream on /responses sends Responses API events", async () => {
  await withMock(async (mock) => {
    const res = await post(mock, "/responses", { model: "r", input: "x", stream: true });
    const { events } = await readEvents(res);
    assert.deepEqual(
      events.map((e) => e.kind === "data" && e.json.type),
      ["response.created", ...Array(3).fill("response.output_text.delta"), "response.completed"],
    );
    const last = events.at(-1);
    assert.ok(last?.kind === "data" && last.finished);
    assert.deepEqual(last.usage, { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
  });
});

Deno.test("mock scripts are used first in first out, then the default", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "status", status: 503 }, { kind: "rate_limit" });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      if (i === 3) mock.setDefault({ kind: "status", status: 500 });
      const res = await post(mock, "/chat/completions", chat());
      await res.body?.cancel();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [503, 429, 200, 500]);
    assert.equal(mock.requests.length, 4);
  });
});

Deno.test("mock error scripts send OpenAI error bodies and headers", async () => {
  await withMock(async (mock) => {
    mock.script(
      { kind: "status", status: 401 },
      { kind: "status", status: 418, body: { custom: true }, headers: { "x-extra": "1" } },
      { kind: "rate_limit", retryAfter: "7", retryAfterMs: "6500" },
      { kind: "quota" },
      { kind: "context_length" },
    );
    const read = async () => {
      const res = await post(mock, "/chat/completions", chat());
      return { status: res.status, headers: res.headers, body: await res.json() };
    };
    const auth = await read();
    assert.equal(auth.status, 401);
    assert.equal(auth.body.error.code, "invalid_api_key");
    assert.equal(auth.headers.get("x-mock-upstream"), "mock");
    const custom = await read();
    assert.deepEqual([custom.status, custom.body], [418, { custom: true }]);
    assert.equal(custom.headers.get("x-extra"), "1");
    const limited = await read();
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, "rate_limit_exceeded");
    assert.equal(limited.headers.get("retry-after"), "7");
    assert.equal(limited.headers.get("retry-after-ms"), "6500");
    const quota = await read();
    assert.deepEqual([quota.status, quota.body.error.type, quota.body.error.code], [
      429,
      "insufficient_quota",
      "insufficient_quota",
    ]);
    const context = await read();
    assert.deepEqual([context.status, context.body.error.code], [400, "context_length_exceeded"]);
  });
});

Deno.test("mock reset makes fetch reject before any response", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "reset" });
    await assert.rejects(post(mock, "/chat/completions", chat()), TypeError);
    const res = await post(mock, "/chat/completions", chat());
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.equal(mock.requests.length, 2);
  });
});

// Sidecar's own client never resends, so a reset lands on the connection the
// request came on, reused or fresh, and every reset request is recorded.
Deno.test("mock reset drops the connection the request came on, reused or not", async () => {
  const client = createHttp1Client();
  try {
    await withMock(async (mock) => {
      mock.script({ kind: "ok" }, { kind: "reset" }, { kind: "status", status: 500 }, {
        kind: "reset",
      }, { kind: "ok" });
      const outcomes: (number | string)[] = [];
      for (let i = 0; i < 5; i++) {
        outcomes.push(
          await client.fetch(`${mock.url}/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(chat()),
          }).then((res) => res.text().then(() => res.status), () => "reset"),
        );
      }
      assert.deepEqual(outcomes, [200, "reset", 500, "reset", 200]);
      assert.equal(mock.requests.length, 5);
      // The first reset came on the connection the 200 had used.
      assert.equal(mock.connections, 3);
    });
  } finally {
    await client.close();
  }
});

Deno.test("mock hang never answers until the client aborts", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "hang" });
    const started = Date.now();
    await assert.rejects(
      post(mock, "/chat/completions", chat(), { signal: AbortSignal.timeout(150) }),
      (e: unknown) => e instanceof DOMException && e.name === "TimeoutError",
    );
    assert.ok(Date.now() - started >= 140);
  });
});

Deno.test("mock close() releases a request that still hangs", async () => {
  const mock = await startMockUpstream({ default: { kind: "hang" } });
  const pending = post(mock, "/chat/completions", chat());
  while (mock.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  await mock.close();
  await assert.rejects(pending, TypeError);
});

Deno.test("mock stream cutAfter breaks the body before any finish_reason", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "stream", chunks: ["a", "b", "c"], cutAfter: 2 });
    const res = await post(mock, "/chat/completions", chat({ stream: true }));
    assert.equal(res.status, 200);
    const { events, error } = await readEvents(res);
    assert.ok(error instanceof TypeError, `expected a body error, got ${error}`);
    assert.deepEqual(summary(events), ["role", "text:a", "text:b"]);
  });
});

Deno.test("mock stream stallAfter sends nothing more until the client aborts", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "stream", chunks: ["a", "b"], stallAfter: 1 });
    const abort = new AbortController();
    const res = await post(mock, "/chat/completions", chat({ stream: true }), {
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    const splitter = new SseSplitter();
    const seen: ChunkInfo[] = [];
    while (seen.length < 2) {
      const { value } = await reader.read();
      seen.push(...splitter.push(value ?? new Uint8Array()).map(classifyEvent));
    }
    assert.deepEqual(summary(seen), ["role", "text:a"]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<"quiet">((r) => timer = setTimeout(() => r("quiet"), 300));
    const next = reader.read();
    assert.equal(await Promise.race([next, quiet]), "quiet");
    clearTimeout(timer);
    abort.abort();
    await assert.rejects(next);
  });
});

Deno.test("mock stream malformedAt inserts one event that is not JSON", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "stream", chunks: ["a", "b"], malformedAt: 1 });
    const { events } = await readEvents(await post(mock, "/chat/completions", chat()));
    assert.deepEqual(summary(events), ["role", "text:a", "malformed", "text:b", "finish", "done"]);
  });
});

Deno.test("mock stream errorFirst sends an error as the first event", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "stream", errorFirst: { type: "server_error", code: "overloaded" } });
    const res = await post(mock, "/chat/completions", chat({ stream: true }));
    assert.equal(res.status, 200);
    const { events } = await readEvents(res);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0], {
      kind: "error",
      error: {
        message: "Mock upstream mock failed mid-stream",
        type: "server_error",
        code: "overloaded",
      },
    });
  });
});

Deno.test("mock stream omitDone ends after the finish chunk", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "stream", chunks: ["a"], omitDone: true });
    const { events, error } = await readEvents(await post(mock, "/chat/completions", chat()));
    assert.equal(error, undefined);
    assert.deepEqual(summary(events), ["role", "text:a", "finish"]);
  });
});

Deno.test("mock stream firstChunkDelayMs sends headers first, events later", async () => {
  await withMock(async (mock) => {
    mock.script({ kind: "stream", firstChunkDelayMs: 200, delayMs: 10 });
    const started = Date.now();
    const res = await post(mock, "/chat/completions", chat());
    const headersAt = Date.now() - started;
    const { events } = await readEvents(res);
    assert.ok(headersAt < 150, `headers took ${headersAt} ms`);
    assert.ok(Date.now() - started >= 200);
    assert.equal(events.length, 6);
  });
});

Deno.test("mock keeps connections alive across requests", async () => {
  await withMock(async (mock) => {
    for (let i = 0; i < 3; i++) {
      const res = await post(mock, "/chat/completions", chat({ stream: i === 1 }));
      await res.arrayBuffer();
    }
    assert.equal(mock.connections, 1);
  });
});

Deno.test("mock reads a chunked request body", async () => {
  await withMock(async (mock) => {
    const body = new Blob([JSON.stringify(chat())]).stream();
    const res = await fetch(`${mock.url}/chat/completions`, { method: "POST", body });
    await res.body?.cancel();
    assert.deepEqual(mock.requests[0]?.body, chat());
    assert.equal(mock.requests[0]?.headers.get("transfer-encoding"), "chunked");
  });
});

/**
 * @module restart_test
 * Cooldowns persist across restarts (docs/cooldowns.md): a
 * backend cooled by a 429 is still cooling after the process is restarted on
 * the same data dir, and its cooldown event is still listed.
 */
import assert from "node:assert/strict";
import OpenAI from "npm:openai@7.59.0";
import { type MockUpstream, startMockUpstream } from "../helpers/mock_upstream.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

const chat = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] };

async function json(res: Promise<Response>) {
  const r = await res;
  const body = await r.json();
  assert.ok(r.ok, `${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** Serves `rt` over HTTP for the duration of `fn`, with an openai client on `key`. */
async function served(
  rt: TestRuntime,
  key: string,
  fn: (client: OpenAI) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, rt.app.fetch);
  try {
    const baseURL = `http://127.0.0.1:${server.addr.port}/v1`;
    await fn(new OpenAI({ apiKey: key, baseURL, maxRetries: 0 }));
  } finally {
    await server.shutdown();
  }
}

Deno.test("a 429 cooldown survives a restart on the same data dir", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-restart-" });
  const clock = new FakeClock();
  const mocks: MockUpstream[] = [];
  try {
    const b1 = await startMockUpstream({ name: "b1" });
    const b2 = await startMockUpstream({ name: "b2" });
    mocks.push(b1, b2);
    let key = "";

    // First life: b1 answers 429 with Retry-After: 3600.
    {
      await using rt = await startTestRuntime({ dataDir, now: clock.now });
      for (const [id, mock, pool_id] of [["b1", b1, "primary"], ["b2", b2, "fallback"]] as const) {
        await json(rt.admin("POST", "/api/backends", {
          id,
          name: id,
          base_url: mock.url,
          api_key: `sk-upstream-${id}`,
          pool_id,
          models: ["gpt-test"],
        }));
      }
      key = (await json(rt.admin("POST", "/api/keys", { name: "restart" }))).data.key;
      b1.script({ kind: "rate_limit", retryAfter: "3600" });
      await served(rt, key, async (client) => {
        const { response } = await client.chat.completions.create(chat).withResponse();
        assert.equal(response.headers.get("x-sidecar-backend"), "b2");
      });
      const status = (await json(rt.admin("GET", "/api/status"))).data;
      assert.equal(
        status.find((s: { backend_id: string }) => s.backend_id === "b1").models_cooling.length,
        1,
      );
    }

    // Second life, an hour less a minute later: same dir, same master key file, same clock.
    clock.advance(3540 * 1000);
    await using rt = await startTestRuntime({ dataDir, now: clock.now });
    const status = (await json(rt.admin("GET", "/api/status"))).data;
    const row = status.find((s: { backend_id: string }) => s.backend_id === "b1");
    // A 429 cools the (backend, model) pair: the backend is active, its model still cools.
    assert.equal(row.status, "active");
    assert.equal(row.consecutive_429, 1);
    const [pair] = row.models_cooling;
    assert.equal(pair.model, "gpt-test");
    assert.equal(pair.consecutive_429, 1);
    assert.equal(Date.parse(pair.cooldown_until) - clock.ms, 60 * 1000);

    const events = (await json(rt.admin("GET", "/api/cooldowns?backend_id=b1"))).data;
    assert.equal(events.length, 1);
    assert.equal(events[0].reason, "429");
    assert.equal(events[0].model, "gpt-test");
    assert.equal(events[0].consecutive, 1);
    assert.equal(events[0].seconds, 3600);

    // Requests still avoid b1, and the client key still works after the restart.
    await served(rt, key, async (client) => {
      const { response } = await client.chat.completions.create(chat).withResponse();
      assert.equal(response.headers.get("x-sidecar-backend"), "b2");
    });
    assert.equal(b1.requests.length, 1);

    // Once the cooldown is over b1 is probed and heals.
    clock.advance(60 * 1000);
    await served(rt, key, async (client) => {
      const { response } = await client.chat.completions.create(chat).withResponse();
      assert.equal(response.headers.get("x-sidecar-backend"), "b1");
    });
  } finally {
    await Promise.all(mocks.map((m) => m.close()));
    await Deno.remove(dataDir, { recursive: true });
  }
});

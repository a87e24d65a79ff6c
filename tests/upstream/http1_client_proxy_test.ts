import assert from "node:assert/strict";
import { createHttp1Client } from "../../src/upstream/http1_client.ts";
import type { RequestRecord } from "../../src/store/rows.ts";
import { FAST_CONFIG, ok } from "../proxy/proxy_harness.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";
import { type RawHandler, sized, startRawUpstream } from "./raw_upstream.ts";

const COMPLETION = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-test",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

/** Three answers per connection; the fourth request is read whole, then the connection closes. */
const resetsFourth: RawHandler = async (wire, _req, at) => {
  if (at.onConn === 4) return false;
  return await wire.write(sized(COMPLETION));
};

/** Sends `calls` chat requests through a Sidecar whose upstream client is `upstreamFetch`. */
async function throughSidecar(upstreamFetch: typeof fetch, calls: number) {
  await using upstream = startRawUpstream(resetsFourth);
  await using rt = await startTestRuntime({ fetch: upstreamFetch, random: () => 0 });
  await ok(rt.admin("PATCH", "/api/config", FAST_CONFIG));
  await ok(rt.admin("POST", "/api/backends", {
    id: "b1",
    name: "b1",
    base_url: `${upstream.origin}/v1`,
    api_key: "sk-upstream",
    pool_id: "primary",
    models: ["gpt-test"],
  }));
  const key: string = (await ok(rt.admin("POST", "/api/keys", { name: "t" }))).data.key;
  let headerAttempts = 0;
  for (let i = 0; i < calls; i++) {
    const res = await rt.app.request("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    headerAttempts += Number(res.headers.get("x-sidecar-attempts"));
  }
  rt.deps.store.flush();
  const records: RequestRecord[] = (await ok(rt.admin("GET", "/api/requests?limit=100"))).data;
  const recorded = records.reduce((n, r) => n + r.attempts.length, 0);
  const reasons = records.flatMap((r) => r.attempts.map((a) => a.reason)).sort();
  return { headerAttempts, recorded, received: upstream.requests.length, reasons };
}

Deno.test("Sidecar over Http1Client: x-sidecar-attempts and recorded attempts equal the requests the upstream received when it resets a reused connection", async () => {
  const client = createHttp1Client();
  try {
    const got = await throughSidecar(client.fetch, 8);
    // Calls 4 and 7 each meet a closing connection: one failed attempt, then one on a new connection.
    assert.equal(got.received, 10);
    assert.equal(got.headerAttempts, got.received);
    assert.equal(got.recorded, got.received);
    assert.deepEqual(got.reasons.filter((r) => r !== "ok"), [
      "connection_error",
      "connection_error",
    ]);
  } finally {
    await client.close();
  }
});

Deno.test("Sidecar over globalThis.fetch records fewer attempts than the upstream received (the replay Http1Client removes)", async () => {
  const got = await throughSidecar(fetch, 8);
  assert.equal(got.headerAttempts, 8);
  assert.equal(got.recorded, 8);
  assert.ok(got.received > got.recorded, `upstream received ${got.received}`);
});

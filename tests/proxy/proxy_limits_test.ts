/**
 * @module proxy_limits_test
 * Rate limits (docs/limits.md: rpm/tpm token buckets skip a backend without
 * cooling it) and the half-open probe after a cooldown expires.
 */
import assert from "node:assert/strict";
import { apiError, type BackendDef, chat, startProxy } from "./proxy_harness.ts";
import { eventually } from "../helpers/until.ts";

async function servedBy(p: Awaited<ReturnType<typeof startProxy>>): Promise<string | null> {
  const { response } = await p.client.chat.completions.create(chat()).withResponse();
  return response.headers.get("x-sidecar-backend");
}

Deno.test("rpm_limit 2: the third request in the minute goes to the other backend", async () => {
  const backends: BackendDef[] = [{ id: "b1", rpm_limit: 2 }, { id: "b2", pool: "fallback" }];
  await using p = await startProxy({ backends });
  assert.equal((await p.status("b1")).rpm_tokens_left, 2);
  assert.deepEqual(
    [await servedBy(p), await servedBy(p), await servedBy(p)],
    ["b1", "b1", "b2"],
  );
  // Skipped, not cooled.
  const s = await p.status("b1");
  assert.equal(s.status, "active");
  assert.equal(s.cooldown_until, null);
  assert.equal(s.rpm_tokens_left, 0);
  assert.equal(s.consecutive_429, 0);
  assert.deepEqual(await p.cooldowns(), []);
  assert.equal((await p.status("b2")).rpm_tokens_left, null);

  // The bucket refills at rpm/60 per second: one token after 30 s.
  p.clock.advance(30_000);
  assert.equal(await servedBy(p), "b1");
  assert.equal(await servedBy(p), "b2");
});

Deno.test("all rpm buckets empty: 429 all_backends_unavailable, and no cooldown", async () => {
  const backends: BackendDef[] = [{ id: "b1", rpm_limit: 1 }, { id: "b2", rpm_limit: 1 }];
  await using p = await startProxy({ backends });
  assert.deepEqual([await servedBy(p), await servedBy(p)].sort(), ["b1", "b2"]);

  const err = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(err.status, 429);
  assert.equal(err.code, "all_backends_unavailable");
  assert.equal(err.type, "rate_limit_error");
  // One token per 60 s.
  assert.equal(err.headers?.get("retry-after"), "60");
  assert.equal(err.headers?.get("x-sidecar-attempts"), "0");
  assert.equal(p.mock("b1").requests.length, 1);
  assert.equal(p.mock("b2").requests.length, 1);
  assert.deepEqual(await p.cooldowns(), []);
  for (const id of ["b1", "b2"]) {
    const s = await p.status(id);
    assert.equal(s.status, "active");
    assert.equal(s.rpm_tokens_left, 0);
  }
  const rec = await p.record(err.headers?.get("x-request-id"));
  assert.equal(rec.outcome, "rate_limited");
  assert.deepEqual(rec.attempts, []);

  p.clock.advance(30_000);
  const later = await apiError(() => p.client.chat.completions.create(chat()));
  assert.equal(later.headers?.get("retry-after"), "30");
});

Deno.test("tpm_limit is charged with the real usage after each response", async () => {
  const backends: BackendDef[] = [{ id: "b1", tpm_limit: 20 }, { id: "b2", pool: "fallback" }];
  await using p = await startProxy({ backends });
  assert.equal((await p.status("b1")).tpm_tokens_left, 20);
  assert.equal(await servedBy(p), "b1"); // 15 tokens
  assert.equal((await p.status("b1")).tpm_tokens_left, 5);
  assert.equal(await servedBy(p), "b1"); // 5 left was enough to start; now in debt
  assert.equal((await p.status("b1")).tpm_tokens_left, 0);
  assert.equal(await servedBy(p), "b2");
  const s = await p.status("b1");
  assert.equal(s.status, "active");
  assert.deepEqual(await p.cooldowns(), []);
});

Deno.test("tpm_limit is charged with a stream's usage too", async () => {
  const backends: BackendDef[] = [{ id: "b1", tpm_limit: 100 }];
  await using p = await startProxy({ backends });
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b", "c", "d"] });
  const stream = await p.client.chat.completions.create(chat({ stream: true }));
  for await (const _ of stream) { /* drain */ }
  // 10 prompt + 4 completion, from the usage chunk the client never saw.
  const left = await eventually("the tpm charge", async () => {
    const n = (await p.status("b1")).tpm_tokens_left;
    return n === 100 ? undefined : n;
  });
  assert.equal(left, 86);
});

Deno.test("after a cooldown expires exactly one request probes; its success heals", async () => {
  await using p = await startProxy({
    backends: [{ id: "b1" }, { id: "b2", pool: "fallback" }],
    config: { first_chunk_timeout_ms: 5000 },
  });
  p.mock("b1").script({ kind: "rate_limit" });
  assert.equal(await servedBy(p), "b2");
  assert.deepEqual((await p.status("b1")).models_cooling.map((m) => m.model), ["gpt-test"]);

  p.clock.advance(5_000);
  // The probe answers slowly, so other requests arrive while it is out.
  p.mock("b1").script({ kind: "stream", firstChunkDelayMs: 500 });
  const probe = p.client.chat.completions.create(chat({ stream: true })).withResponse();
  await eventually("the probe upstream", () => p.mock("b1").requests[1]);
  // The pair's probe is out: listed, with no end yet.
  assert.deepEqual((await p.status("b1")).models_cooling, [
    { model: "gpt-test", cooldown_until: null, consecutive_429: 1 },
  ]);
  assert.equal(await servedBy(p), "b2");
  assert.equal(await servedBy(p), "b2");
  assert.equal(p.mock("b1").requests.length, 2, "a second request probed b1");

  const { data: stream, response } = await probe;
  assert.equal(response.headers.get("x-sidecar-backend"), "b1");
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  assert.equal(text, "Hello from b1");

  const s = await p.status("b1");
  assert.equal(s.status, "active");
  assert.equal(s.consecutive_429, 0);
  assert.deepEqual(s.models_cooling, []);
  assert.equal(await servedBy(p), "b1");
});

Deno.test("a probe that 429s cools again with n + 1", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }, { id: "b2", pool: "fallback" }] });
  p.mock("b1").script({ kind: "rate_limit" }, { kind: "rate_limit" });
  assert.equal(await servedBy(p), "b2");
  p.clock.advance(5_000);
  assert.equal(await servedBy(p), "b2");
  const [pair] = (await p.status("b1")).models_cooling;
  assert.equal(pair?.consecutive_429, 2);
  assert.equal(Date.parse(pair!.cooldown_until!) - p.clock.ms, 10_000);
  assert.equal(p.mock("b1").requests.length, 2);
});

Deno.test("clear-cooldown puts a cooling backend back at once", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }, { id: "b2", pool: "fallback" }] });
  p.mock("b1").script({ kind: "rate_limit", retryAfter: "600" });
  assert.equal(await servedBy(p), "b2");
  const res = await p.rt.admin("POST", "/api/backends/b1/clear-cooldown");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).data.status, "active");
  assert.equal(await servedBy(p), "b1");
  const [event] = await p.cooldowns("b1");
  assert.equal(event?.ended_at, new Date(p.clock.ms).toISOString());
});

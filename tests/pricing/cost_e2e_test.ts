/**
 * @module cost_e2e_test
 * Cost end to end: a real Sidecar served on loopback, real upstreams that
 * report usage (or break off without it), and the cost read back where an
 * operator reads it: /api/requests, /api/usage and /metrics.
 */
import assert from "node:assert/strict";
import type { RequestRecord } from "../../src/store/rows.ts";
import { type BackendDef, chat, ok, type Proxy, startProxy } from "../proxy/proxy_harness.ts";

type Obj = Record<string, unknown>;

/** gpt-test at $1 in, $0.5 cached, $2 out per million tokens. */
const PRICE = {
  model: "gpt-test",
  input_per_mtok: 1,
  cached_input_per_mtok: 0.5,
  output_per_mtok: 2,
};
/** The prompt of chat(): "user" and "hi", 6 characters, 2 tokens by the estimate. */
const PROMPT_ESTIMATE = 2;

async function rig(backends: BackendDef[]): Promise<Proxy> {
  const p = await startProxy({ backends, pools: [{ id: "last", priority: 200 }] });
  await ok(p.rt.admin("PUT", "/api/prices", { prices: [PRICE] }));
  return p;
}

async function usage(p: Proxy, groupBy: string): Promise<Obj[]> {
  return (await ok(p.rt.admin("GET", `/api/usage?group_by=${groupBy}`))).data;
}

async function metric(p: Proxy, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`${p.origin}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`sidecar_cost_usd_total{${labels}} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

async function send(p: Proxy, body: unknown): Promise<RequestRecord> {
  const res = await p.post("/chat/completions", body);
  await res.text();
  return p.record(res.headers.get("x-request-id"));
}

Deno.test("a served request's cost is on its record, on every usage row and in /metrics", async () => {
  await using p = await rig([{ id: "b1" }]);
  const rec = await send(p, chat());
  // The mock reports 10 prompt and 5 completion tokens: 10×1 + 5×2 per million.
  assert.equal(rec.cost_usd, 0.00002);
  assert.equal(rec.unpriced, false);
  assert.equal(rec.usage_estimated, false);
  await send(p, chat());
  for (const group of ["backend", "model", "pool", "key", "hour", "minute"]) {
    const [row] = await usage(p, group);
    assert.equal(row?.cost_usd, 0.00004, `group_by=${group}`);
    assert.equal(row?.unpriced_requests, 0);
  }
  const labels = `backend="b1",model="gpt-test",key="${rec.key_id}"`;
  assert.equal(await metric(p, labels), 0.00004);
});

Deno.test("cached prompt tokens cost the cached price; a failed attempt without usage costs 0", async () => {
  await using p = await rig([{ id: "b1" }, { id: "b2", pool: "fallback" }]);
  const body = {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: 1000,
      completion_tokens: 100,
      total_tokens: 1100,
      prompt_tokens_details: { cached_tokens: 800 },
    },
  };
  p.mock("b1").script({ kind: "status", status: 500 }, { kind: "status", status: 500 });
  p.mock("b2").script({ kind: "status", status: 200, body });
  const rec = await send(p, chat());
  assert.deepEqual(rec.attempts.map((a) => a.backend_id), ["b1", "b1", "b2"]);
  // 200 uncached at $1, 800 cached at $0.5, 100 out at $2; the 500s cost nothing.
  assert.equal(rec.cost_usd, (200 * 1 + 800 * 0.5 + 100 * 2) / 1e6);
});

Deno.test("a backend's own prices win over the table for it", async () => {
  await using p = await rig([{ id: "b1" }]);
  await ok(p.rt.admin("PATCH", "/api/backends/b1", {
    prices: [{ model: "*", input_per_mtok: 10, output_per_mtok: 10 }],
  }));
  const rec = await send(p, chat());
  assert.equal(rec.cost_usd, (10 * 10 + 5 * 10) / 1e6);
});

Deno.test("an unpriced model: cost_usd null, flagged on the record and counted on usage rows", async () => {
  await using p = await rig([{ id: "b1", models: ["llama-3"] }]);
  const rec = await send(p, { ...chat(), model: "llama-3" });
  assert.equal(rec.outcome, "ok");
  assert.equal(rec.cost_usd, null);
  assert.equal(rec.unpriced, true);
  const [row] = await usage(p, "model");
  assert.equal(row?.cost_usd, null);
  assert.equal(row?.unpriced_requests, 1);
  assert.equal(await metric(p, `backend="b1",model="llama-3",key="${rec.key_id}"`), undefined);
});

Deno.test("a stream cut short without usage is charged the estimate, usage_estimated true", async () => {
  await using p = await rig([{ id: "b1" }]);
  p.mock("b1").script({ kind: "stream", chunks: ["aaaa", "bbbb", "cccc"], cutAfter: 2 });
  const rec = await send(p, chat({ stream: true }));
  assert.equal(rec.outcome, "truncated");
  assert.equal(rec.usage_estimated, true);
  // The upstream reported nothing; the record's token counts say so.
  assert.equal(rec.total_tokens, 0);
  // Prompt: 2 tokens; delivered "aaaabbbb": 8 characters, 2 tokens.
  assert.equal(rec.cost_usd, (PROMPT_ESTIMATE * 1 + 2 * 2) / 1e6);
});

Deno.test("a finished stream is charged its usage chunk, not the estimate", async () => {
  await using p = await rig([{ id: "b1" }]);
  p.mock("b1").script({ kind: "stream", chunks: ["a", "b", "c"] });
  const rec = await send(p, chat({ stream: true }));
  // The usage chunk Sidecar asked for: 10 prompt, 3 completion.
  assert.equal(rec.usage_estimated, false);
  assert.equal(rec.cost_usd, (10 * 1 + 3 * 2) / 1e6);
});

Deno.test("a resumed stream pays both calls, each at its own backend's price", async () => {
  await using p = await rig([{ id: "b1" }, { id: "b2", pool: "fallback", resume: "prefill" }]);
  await ok(p.rt.admin("PATCH", "/api/backends/b2", {
    prices: [{ model: "gpt-test", input_per_mtok: 3, output_per_mtok: 6 }],
  }));
  const answer = "The quick brown fox jumps over the lazy dog, twice.";
  p.mock("b1").script({ kind: "continue", answer, cutAfter: 5 });
  p.mock("b2").setDefault({ kind: "continue", answer });
  const rec = await send(p, chat({ stream: true }));
  assert.equal(rec.outcome, "ok");
  assert.deepEqual(rec.attempts.map((a) => `${a.backend_id}:${a.reason}`), [
    "b1:stream_cut",
    "b2:resumed",
  ]);
  // b1 broke before its usage: its prompt and the 20 characters it delivered,
  // estimated, at the table's price. b2 reported its own usage (the record's
  // counts), at b2's own price.
  const first = PROMPT_ESTIMATE * 1 + 5 * 2;
  const second = rec.prompt_tokens * 3 + rec.completion_tokens * 6;
  assert.ok(rec.prompt_tokens > 0, "the continuation reported no usage");
  assert.equal(rec.cost_usd, (first + second) / 1e6);
  assert.equal(rec.usage_estimated, true);
  const key = rec.key_id;
  assert.equal(await metric(p, `backend="b1",model="gpt-test",key="${key}"`), first / 1e6);
  assert.equal(await metric(p, `backend="b2",model="gpt-test",key="${key}"`), second / 1e6);
});

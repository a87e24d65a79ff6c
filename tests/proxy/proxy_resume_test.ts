/**
 * @module proxy_resume_test
 * Resumed streams (docs/streaming.md, "Resuming a broken stream") against
 * real loopback upstreams: one that continues prefilled answers, one that
 * refuses prefill, a stall, a tool-call stream; the official `openai` client
 * assembles the message.
 */
import assert from "node:assert/strict";
import { attemptsOf, type BackendDef, chat, type Proxy, startProxy } from "./proxy_harness.ts";

const ANSWER = "The quick brown fox jumps over the lazy dog, twice.";
/** b1 breaks after five 4-character chunks: the client has 20 characters. */
const DELIVERED = ANSWER.slice(0, 20);

const CUT = { kind: "continue", answer: ANSWER, cutAfter: 5 } as const;
const CONTINUES = { kind: "continue", answer: ANSWER } as const;

function rig(fallbacks: BackendDef[], config = {}) {
  return startProxy({
    backends: [{ id: "b1" }, ...fallbacks],
    pools: [{ id: "last", priority: 200 }],
    config,
  });
}

/** Streams a chat answer through Sidecar with the SDK's stream helper; the assembled message. */
async function assembled(p: Proxy, extra: Record<string, unknown> = {}) {
  const stream = p.client.chat.completions.stream({ ...chat(), stream: true, ...extra });
  const chunks: { id: string; created: number; model: string; role?: string }[] = [];
  stream.on("chunk", (c) =>
    chunks.push({
      id: c.id,
      created: c.created,
      model: c.model,
      ...(c.choices[0]?.delta?.role && { role: c.choices[0].delta.role }),
    }));
  const final = await stream.finalChatCompletion();
  return { final, chunks };
}

/** The raw SSE text Sidecar sends for a chat stream. */
async function rawStream(p: Proxy, extra: Record<string, unknown> = {}) {
  const res = await p.post("/chat/completions", chat({ stream: true, ...extra }));
  return { res, text: await res.text() };
}

Deno.test("a stream cut at half the answer is resumed on a prefill backend: the openai client assembles one message", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback", resume: "prefill" }]);
  p.mock("b1").script(CUT);
  p.mock("b2").setDefault(CONTINUES);
  const { final, chunks } = await assembled(p);
  assert.equal(final.choices[0]?.message.content, ANSWER);
  assert.equal(final.choices[0]?.finish_reason, "stop");
  // One message: the first stream's identity on every chunk, one role chunk.
  const first = chunks[0]!;
  for (const c of chunks) {
    assert.deepEqual([c.id, c.created, c.model], [first.id, first.created, first.model]);
  }
  assert.equal(chunks.filter((c) => c.role).length, 1);
  // The continuation was asked for with the delivered text as the assistant's.
  const sent = p.mock("b2").requests[0]?.body as { messages: unknown[]; stream: boolean };
  assert.deepEqual(sent.messages.at(-1), { role: "assistant", content: DELIVERED });
  assert.equal(sent.messages.length, 2);
  assert.equal("continue_final_message" in sent, false);
  const [rec] = await p.records();
  assert.equal(rec?.outcome, "ok");
  assert.deepEqual(attemptsOf(rec!), ["b1:stream_cut", "b2:resumed"]);
});

Deno.test("a resumed stream's usage, as the client sees it and as recorded, counts the upstream calls", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback", resume: "prefill" }]);
  p.mock("b1").script(CUT);
  p.mock("b2").setDefault(CONTINUES);
  const { res, text } = await rawStream(p, { stream_options: { include_usage: true } });
  const events = text.split("\n\n").filter((e) => e.startsWith("data: {"));
  const usage = events.map((e) => JSON.parse(e.slice(6))).find((j) => j.usage)?.usage;
  assert.ok(usage, "no usage chunk");
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.prompt_tokens, usage.prompt_tokens);
  assert.equal(rec.completion_tokens, usage.completion_tokens);
  assert.equal(rec.total_tokens, usage.total_tokens);
  assert.ok(text.trimEnd().endsWith("data: [DONE]"));
});

Deno.test("continue_final_message backends get vLLM's continuation flags", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback", resume: "continue_final_message" }]);
  p.mock("b1").script(CUT);
  p.mock("b2").setDefault(CONTINUES);
  const { final } = await assembled(p);
  assert.equal(final.choices[0]?.message.content, ANSWER);
  const sent = p.mock("b2").requests[0]?.body as Record<string, unknown>;
  assert.equal(sent.continue_final_message, true);
  assert.equal(sent.add_generation_prompt, false);
});

Deno.test("a fallback that refuses prefill is marked not resumable for the model; the next resumable one finishes the answer", async () => {
  await using p = await rig([
    { id: "b2", pool: "fallback", resume: "prefill" },
    { id: "b3", pool: "last", resume: "prefill" },
  ]);
  p.mock("b1").script(CUT);
  p.mock("b2").setDefault({ kind: "reject_prefill" });
  p.mock("b3").setDefault(CONTINUES);
  const { final } = await assembled(p);
  assert.equal(final.choices[0]?.message.content, ANSWER);
  const [rec] = await p.records();
  assert.deepEqual(attemptsOf(rec!), ["b1:stream_cut", "b2:client_error", "b3:resumed"]);
  const b2 = (await (await p.rt.admin("GET", "/api/backends/b2")).json()).data;
  assert.deepEqual(b2.not_resumable_models, ["gpt-test"]);
  // Marked: the next broken stream goes straight past b2.
  p.mock("b1").script(CUT);
  await assembled(p);
  assert.equal(p.mock("b2").requests.length, 1);
});

Deno.test("when the only resumable fallback refuses prefill the client gets the in-band truncation, never that 400", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback", resume: "prefill" }]);
  p.mock("b1").script(CUT);
  p.mock("b2").setDefault({ kind: "reject_prefill" });
  const { res, text } = await rawStream(p);
  assert.equal(res.status, 200);
  assert.match(text, /"code":"upstream_stream_truncated"/);
  assert.doesNotMatch(text, /prefill/);
  assert.ok(!text.includes("[DONE]"));
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "truncated");
  assert.deepEqual(attemptsOf(rec), ["b1:stream_cut", "b2:client_error"]);
});

Deno.test("a stalled stream is resumed elsewhere, and never on the backend that stalled", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback", resume: "prefill" }], {
    stream_idle_timeout_ms: 300,
  });
  p.mock("b1").script({ kind: "continue", answer: ANSWER, stallAfter: 5 });
  p.mock("b2").setDefault(CONTINUES);
  const { final } = await assembled(p);
  assert.equal(final.choices[0]?.message.content, ANSWER);
  const [rec] = await p.records();
  assert.deepEqual(attemptsOf(rec!), ["b1:stalled", "b2:resumed"]);
});

Deno.test("a stall with no resumable candidate ends in band with upstream_stream_stalled", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback" }], { stream_idle_timeout_ms: 300 });
  p.mock("b1").script({ kind: "continue", answer: ANSWER, stallAfter: 5 });
  const { res, text } = await rawStream(p);
  assert.match(text, /"code":"upstream_stream_stalled"/);
  assert.equal(p.mock("b2").requests.length, 0);
  const rec = await p.record(res.headers.get("x-request-id"));
  assert.equal(rec.outcome, "stalled");
});

Deno.test("a cut tool-call stream is not resumed", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback", resume: "prefill" }]);
  const call = {
    id: "chatcmpl-tool",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-test",
    choices: [{
      index: 0,
      delta: {
        role: "assistant",
        tool_calls: [{
          index: 0,
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"ci' },
        }],
      },
      finish_reason: null,
    }],
  };
  p.mock("b1").script({
    kind: "status",
    status: 200,
    headers: { "content-type": "text/event-stream" },
    body: `data: ${JSON.stringify(call)}\n\n`,
  });
  const { text } = await rawStream(p);
  assert.match(text, /"code":"upstream_stream_truncated"/);
  assert.equal(p.mock("b2").requests.length, 0);
});

Deno.test("several choices are not resumed", async () => {
  await using p = await rig([{ id: "b2", pool: "fallback", resume: "prefill" }]);
  p.mock("b1").script(CUT);
  const { text } = await rawStream(p, { n: 2 });
  assert.match(text, /"code":"upstream_stream_truncated"/);
  assert.equal(p.mock("b2").requests.length, 0);
});

Deno.test("a resume is tried inside the pool first, and a continuation that breaks is resumed again", async () => {
  await using p = await startProxy({
    backends: [
      { id: "b1", resume: "prefill" },
      { id: "b2", resume: "prefill" },
      { id: "fb", pool: "fallback", resume: "prefill" },
    ],
    random: () => 0,
  });
  // Whichever primary starts is cut; the other continues and is cut again;
  // then a retry inside the pool finishes: the fallback is never needed.
  for (const id of ["b1", "b2", "fb"]) {
    p.mock(id).setDefault(CONTINUES);
    if (id !== "fb") p.mock(id).script(CUT);
  }
  const { final, chunks } = await assembled(p);
  assert.equal(final.choices[0]?.message.content, ANSWER);
  assert.equal(chunks.filter((c) => c.role).length, 1);
  const [rec] = await p.records();
  const tried = attemptsOf(rec!);
  assert.equal(tried.length, 3);
  assert.match(tried[0]!, /^b[12]:stream_cut$/);
  assert.match(tried[1]!, /^b[12]:stream_cut$/);
  assert.notEqual(tried[0], tried[1]);
  assert.match(tried[2]!, /^b[12]:resumed$/);
  assert.equal(p.mock("fb").requests.length, 0);
});

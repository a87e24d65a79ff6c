/**
 * @module anthropic_events_test
 * What each Messages stream event means to the proxy (anthropic_events.ts),
 * a row per kind of event, the usage a stream builds up over its events,
 * and a recorded stream read whole.
 */
import assert from "node:assert/strict";
import { anthropicEventReader } from "../../src/api_formats/anthropic/anthropic_events.ts";
import type { ChunkInfo } from "../../src/api_formats/chunk_info.ts";
import { classify } from "../../src/proxy/failure_classifier.ts";
import { SseSplitter } from "../../src/proxy/sse.ts";

const enc = new TextEncoder();

/** The events of `text`, read by one reader in order. */
function read(text: string): ChunkInfo[] {
  const reader = anthropicEventReader();
  const splitter = new SseSplitter();
  return [...splitter.push(enc.encode(text)), ...splitter.flush()].map(reader);
}

const event = (data: Record<string, unknown> & { type: string }) =>
  `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

type Row = [
  label: string,
  text: string,
  expected: Partial<ChunkInfo> & { kind: ChunkInfo["kind"] },
];

const ROWS: Row[] = [
  ["a comment is a keep-alive", ": keep-alive\n\n", { kind: "comment" }],
  ["data that is not JSON is malformed", "event: ping\ndata: {nope\n\n", { kind: "malformed" }],
  ["JSON that is not an object is malformed", "event: ping\ndata: [1]\n\n", { kind: "malformed" }],
  ["message_stop ends the stream, its data kept", event({ type: "message_stop" }), {
    kind: "done",
    json: { type: "message_stop" },
  }],
  ["a ping is data, not finished", event({ type: "ping" }), {
    kind: "data",
    json: { type: "ping" },
    finished: false,
    usageOnly: false,
  }],
  [
    "an event with no type in its data is read by its event: line",
    "event: message_stop\ndata: {}\n\n",
    { kind: "done", json: {} },
  ],
  [
    "message_delta finishes the answer and reports the usage",
    event({
      type: "message_delta",
      delta: { stop_reason: "end_turn" },
      usage: { output_tokens: 7 },
    }),
    {
      kind: "data",
      finished: true,
      usage: { prompt_tokens: 0, completion_tokens: 7, total_tokens: 7, cached_tokens: 0 },
    },
  ],
];

for (const [label, text, expected] of ROWS) {
  Deno.test(`anthropicEventReader(): ${label}`, () => {
    const [info] = read(text);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual((info as Record<string, unknown>)[key], value, key);
    }
  });
}

/** In-band errors, and what the failure classifier makes of them. */
const ERRORS: [type: string, reason: string, disposition: string][] = [
  ["overloaded_error", "stream_error", "retry"],
  ["api_error", "stream_error", "retry"],
  ["rate_limit_error", "rate_limited", "next"],
  ["billing_error", "quota", "next"],
];

for (const [type, reason, disposition] of ERRORS) {
  Deno.test(`anthropicEventReader(): an in-band ${type} is an error the classifier reads as ${reason}`, () => {
    const [info] = read(event({ type: "error", error: { type, message: "No" } }));
    assert.equal(info?.kind, "error");
    if (info?.kind !== "error") return;
    assert.equal(info.error.message, "No");
    const outcome = classify({ kind: "stream_error", error: info.error });
    assert.deepEqual([outcome.reason, outcome.disposition], [reason, disposition]);
  });
}

Deno.test("anthropicEventReader(): usage is message_start's, each message_delta's counts replacing it, the cache inside the prompt", () => {
  const infos = read(
    event({
      type: "message_start",
      message: {
        usage: {
          input_tokens: 3,
          cache_read_input_tokens: 10,
          cache_creation_input_tokens: 2,
          output_tokens: 1,
        },
      },
    }) +
      event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "a" } }) +
      event({
        type: "message_delta",
        delta: { stop_reason: "end_turn" },
        usage: { output_tokens: 9 },
      }),
  );
  const usages = infos.map((i) => i.kind === "data" ? i.usage : undefined);
  assert.deepEqual(usages, [
    { prompt_tokens: 15, completion_tokens: 1, total_tokens: 16, cached_tokens: 10 },
    undefined,
    { prompt_tokens: 15, completion_tokens: 9, total_tokens: 24, cached_tokens: 10 },
  ]);
});

Deno.test("anthropicEventReader(): each reader keeps its own stream's usage", () => {
  const start = event({ type: "message_start", message: { usage: { input_tokens: 5 } } });
  const delta = event({ type: "message_delta", delta: {}, usage: { output_tokens: 2 } });
  read(start);
  const [info] = read(delta);
  assert.equal(info?.kind === "data" && info.usage?.prompt_tokens, 0);
});

Deno.test("anthropicEventReader(): the recorded text stream is data until message_delta finishes it and message_stop ends it", async () => {
  const fixture = JSON.parse(
    await Deno.readTextFile(new URL("../fixtures/streams/anthropic_text.json", import.meta.url)),
  ) as { events: { event: string; data: Record<string, unknown> & { type: string } }[] };
  const infos = read(fixture.events.map((e) => event(e.data)).join(""));
  const kinds = infos.map((i) => i.kind === "data" && i.finished ? "finished" : i.kind);
  assert.equal(kinds.at(-1), "done");
  assert.equal(kinds.at(-2), "finished");
  assert.ok(kinds.slice(0, -2).every((k) => k === "data"));
  const last = infos.at(-2);
  assert.ok(last?.kind === "data" && last.usage && last.usage.completion_tokens > 1);
});

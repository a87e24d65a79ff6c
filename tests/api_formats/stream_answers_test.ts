/**
 * @module stream_answers_test
 * What the trackers of a streamed answer do for a resume (stream_answer.ts):
 * the delivered text, when a stream stops being resumable, and how a
 * continuation's events are rewritten so the client's SDK sees one
 * message: MessagesAnswer for Anthropic clients, ChatAnswer for chat ones,
 * and the whitespace a trimmed prefill makes the continuation repeat.
 */
import assert from "node:assert/strict";
import { MessagesAnswer } from "../../src/api_formats/anthropic/messages_answer.ts";
import { ChatAnswer } from "../../src/api_formats/openai/chat_answer.ts";
import { skipRepeated } from "../../src/api_formats/stream_answer.ts";
import type { Json } from "../../src/api_formats/translate/json.ts";

const start = (index: number, type = "text") => ({
  type: "content_block_start",
  index,
  content_block: type === "text" ? { type, text: "" } : { type, id: "t", name: "f", input: {} },
});
const text = (index: number, t: string) => ({
  type: "content_block_delta",
  index,
  delta: { type: "text_delta", text: t },
});
const stop = (index: number) => ({ type: "content_block_stop", index });

function observed(events: Json[]): MessagesAnswer {
  const answer = new MessagesAnswer();
  for (const e of events) answer.observe(e);
  return answer;
}

Deno.test("MessagesAnswer: the delivered text is the text deltas'; a tool_use or thinking block makes it not resumable", () => {
  const a = observed([
    { type: "message_start", message: {} },
    start(0),
    text(0, "Hel"),
    text(0, "lo"),
  ]);
  assert.deepEqual([a.delivered, a.resumable], ["Hello", true]);
  assert.equal(observed([start(0), text(0, "a"), stop(0), start(1, "tool_use")]).resumable, false);
  assert.equal(observed([start(0, "thinking")]).resumable, false);
  const json = {
    type: "content_block_delta",
    index: 0,
    delta: { type: "input_json_delta", partial_json: "{" },
  };
  assert.equal(observed([start(0), json]).resumable, false);
});

Deno.test("MessagesAnswer: a continuation's message_start is dropped and its first text block carries on the open one", () => {
  const a = observed([start(0), text(0, "The quick")]);
  a.continuing("");
  assert.equal(a.rewrite({ type: "message_start", message: { id: "msg_2" } }, undefined), null);
  assert.equal(a.rewrite(start(0), undefined), null);
  assert.deepEqual(a.rewrite({ type: "ping" }, undefined), { type: "ping" });
  assert.deepEqual(a.rewrite(text(0, " brown"), undefined), text(0, " brown"));
  assert.deepEqual(a.rewrite(stop(0), undefined), stop(0));
  assert.deepEqual(a.rewrite({ type: "message_stop" }, undefined), { type: "message_stop" });
});

Deno.test("MessagesAnswer: after a closed block the continuation's blocks are numbered after the client's", () => {
  const a = observed([start(0), text(0, "one"), stop(0)]);
  a.continuing("");
  assert.deepEqual(a.rewrite(start(0), undefined), start(1));
  assert.deepEqual(a.rewrite(text(0, " two"), undefined), text(1, " two"));
  assert.deepEqual(a.rewrite(stop(0), undefined), stop(1));
});

Deno.test("MessagesAnswer: the continuation's message_delta reports the usage of both calls", () => {
  const a = observed([start(0), text(0, "x")]);
  a.continuing("");
  const delta = {
    type: "message_delta",
    delta: { stop_reason: "end_turn" },
    usage: { output_tokens: 4 },
  };
  const usage = { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, cached_tokens: 5 };
  assert.deepEqual(a.rewrite(delta, usage), {
    ...delta,
    usage: {
      input_tokens: 25,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 5,
      output_tokens: 9,
    },
  });
});

Deno.test("MessagesAnswer: whitespace the trimmed prefill left out is not sent twice", () => {
  const a = observed([start(0), text(0, "The fox ")]);
  a.continuing(" ");
  a.rewrite(start(0), undefined);
  assert.deepEqual(a.rewrite(text(0, " jumps"), undefined), text(0, "jumps"));
  assert.deepEqual(a.rewrite(text(0, " over"), undefined), text(0, " over"));
});

Deno.test("ChatAnswer: whitespace the trimmed prefill left out is not sent twice; the identity is the first stream's", () => {
  const a = new ChatAnswer();
  const chunk = (id: string, content: string) => ({
    id,
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
  a.observe(chunk("c1", "The fox \n"));
  a.continuing(" \n");
  const out = a.rewrite(chunk("c2", " \nover"), undefined)!;
  assert.equal(out.id, "c1");
  assert.deepEqual((out.choices as { delta: unknown }[])[0]!.delta, { content: "over" });
});

const SKIPS: [text: string, skip: string, out: string, left: string][] = [
  [" jumps", " ", "jumps", ""],
  ["jumps", " ", "jumps", ""],
  [" ", "  ", "", " "],
  ["\n\nNext", "\n\n", "Next", ""],
  [" \tx", " \n", "\tx", ""],
];

for (const [text, skip, out, left] of SKIPS) {
  Deno.test(`skipRepeated(${JSON.stringify(text)}, ${JSON.stringify(skip)})`, () => {
    assert.deepEqual(skipRepeated(text, skip), { text: out, skip: left });
  });
}

/**
 * @module key_scrubber_test
 * A backend's key replaced by its hint in text, bytes, chunked bytes and
 * header values; placeholders too short to be secrets are left alone.
 */
import assert from "node:assert/strict";
import { keyScrubber, MAX_HEADER_VALUE_CHARS } from "../src/key_scrubber.ts";

const KEY = "sk-live-abcdefghijklmnopf3a9";
const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("keyScrubber().text() and .bytes() replace the key by its hint", () => {
  const s = keyScrubber(KEY);
  assert.equal(s.text(`Bearer ${KEY} and ${KEY}`), "Bearer sk-…f3a9 and sk-…f3a9");
  const clean = enc.encode("nothing here");
  assert.equal(s.bytes(clean), clean, "a clean buffer is returned as is");
  assert.equal(dec.decode(s.bytes(enc.encode(`é${KEY}`))), "ésk-…f3a9");
});

Deno.test("keyScrubber().chunks() finds a key split across chunks at every position", () => {
  const s = keyScrubber(KEY);
  const whole = enc.encode(`{"echo":"${KEY}"}`);
  for (let cut = 0; cut <= whole.length; cut++) {
    const relay = s.chunks();
    const out = [relay(whole.slice(0, cut)), relay(whole.slice(cut)), relay(null)];
    assert.equal(out.map((b) => dec.decode(b)).join(""), '{"echo":"sk-…f3a9"}', `cut ${cut}`);
  }
});

Deno.test("keyScrubber().header() bounds, checks and scrubs a value", () => {
  const s = keyScrubber(KEY);
  assert.equal(s.header(`req ${KEY}`), "req sk-...f3a9");
  assert.equal(s.header("x".repeat(MAX_HEADER_VALUE_CHARS + 1)), undefined);
  assert.equal(s.header("a\u0001b"), undefined);
  assert.equal(s.header("req_123"), "req_123");
});

Deno.test("keyScrubber() leaves placeholder keys such as ollama alone", () => {
  const s = keyScrubber("ollama");
  assert.equal(s.text("served by ollama"), "served by ollama");
});

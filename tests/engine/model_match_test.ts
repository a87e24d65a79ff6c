/**
 * @module model_match_test
 * Model patterns and the upstream model map.
 */

import assert from "node:assert/strict";
import { isExactModel, matchesModel, upstreamModel } from "../../src/engine/model_match.ts";

Deno.test("matchesModel() matches exact names and * globs", () => {
  const table: [string[], string, boolean][] = [
    [["gpt-4o"], "gpt-4o", true],
    [["gpt-4o"], "gpt-4o-mini", false],
    [["gpt-4o*"], "gpt-4o", true],
    [["gpt-4o*"], "gpt-4o-2024-08-06", true],
    [["gpt-4o*"], "gpt-4", false],
    [["*"], "anything", true],
    [["*"], "", true],
    [["*-mini"], "gpt-4o-mini", true],
    [["*-mini"], "gpt-4o-mini-tts", false],
    [["claude-*-sonnet*"], "claude-3-5-sonnet-latest", true],
    [["claude-*-sonnet*"], "claude-3-opus", false],
    [["a*b*c"], "abbbc", true],
    [["a*b*c"], "acb", false],
    [["text-embedding-3-small", "gpt-*"], "gpt-5", true],
    [[], "gpt-4o", false],
  ];
  for (const [patterns, model, want] of table) {
    assert.equal(matchesModel(patterns, model), want, `${JSON.stringify(patterns)} ~ ${model}`);
  }
});

Deno.test("matchesModel() is case-sensitive", () => {
  assert.equal(matchesModel(["GPT-4o"], "gpt-4o"), false);
  assert.equal(matchesModel(["gpt-*"], "GPT-4o"), false);
});

Deno.test("matchesModel() treats regex specials as literal", () => {
  const table: [string, string, boolean][] = [
    ["gpt-4.1", "gpt-4.1", true],
    ["gpt-4.1", "gpt-4x1", false],
    ["gpt-4.1*", "gpt-4x1-mini", false],
    ["a+b", "aab", false],
    ["a+b", "a+b", true],
    ["(x)|y", "y", false],
    ["[ab]", "a", false],
    ["^m$", "^m$", true],
    ["m?", "m", false],
    ["a\\*", "a\\zzz", true],
  ];
  for (const [pattern, model, want] of table) {
    assert.equal(matchesModel([pattern], model), want, `${pattern} ~ ${model}`);
  }
});

Deno.test("isExactModel() is false only for patterns with *", () => {
  assert.equal(isExactModel("gpt-4o"), true);
  assert.equal(isExactModel("gpt-4.1?"), true);
  assert.equal(isExactModel("gpt-4o*"), false);
  assert.equal(isExactModel("*"), false);
});

Deno.test("upstreamModel() prefers the exact key, then longer globs, then *", () => {
  const map = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o*": "gpt-4o-any",
    "gpt-4o-mini*": "gpt-4o-mini-any",
    "gpt*": "gpt-any",
    "*": "fb-ok",
  };
  const table: [string, string][] = [
    ["gpt-4o", "gpt-4o-2024-08-06"],
    ["gpt-4o-audio", "gpt-4o-any"],
    ["gpt-4o-mini-tts", "gpt-4o-mini-any"],
    ["gpt-5", "gpt-any"],
    ["claude-3", "fb-ok"],
  ];
  for (const [model, want] of table) assert.equal(upstreamModel(map, model), want, model);
});

Deno.test("upstreamModel() passes the model unchanged with no matching key", () => {
  assert.equal(upstreamModel({}, "gpt-4o"), "gpt-4o");
  assert.equal(upstreamModel({ "gpt-4o": "x" }, "gpt-4o-mini"), "gpt-4o-mini");
  assert.equal(upstreamModel({ "claude*": "x" }, "gpt-4o"), "gpt-4o");
});

Deno.test("upstreamModel() ignores inherited properties", () => {
  assert.equal(upstreamModel({}, "constructor"), "constructor");
  assert.equal(upstreamModel({}, "__proto__"), "__proto__");
  assert.equal(upstreamModel({ "*": "fb" }, "toString"), "fb");
});

Deno.test("upstreamModel() breaks ties between equally long globs deterministically", () => {
  // Same length: the one with fewer * (more literal text) wins, whatever the key order.
  assert.equal(upstreamModel({ "g*-*o": "two", "gp*-4o": "one" }, "gpt-4o"), "one");
  assert.equal(upstreamModel({ "gp*-4o": "one", "g*-*o": "two" }, "gpt-4o"), "one");
  // Same length and stars: code-unit order.
  assert.equal(upstreamModel({ "gpt-4*": "b", "gpt-*o": "a" }, "gpt-4o"), "a");
  assert.equal(upstreamModel({ "gpt-*o": "a", "gpt-4*": "b" }, "gpt-4o"), "a");
});

/**
 * @module resume_marks_test
 * The not-resumable marks at fixed instants, and the registry's resumable()
 * rules built on them.
 */
import assert from "node:assert/strict";
import { type BackendSpec, type PoolSpec, Registry } from "../../src/engine/registry.ts";
import {
  MAX_MARKS_PER_BACKEND,
  type ResumeMark,
  ResumeMarks,
} from "../../src/engine/resume_marks.ts";
import type { ResumeMode } from "../../src/engine/resume_mode.ts";
import { DEFAULT_CONFIG } from "../../src/gateway_config.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const POOLS: PoolSpec[] = [{ id: "primary", priority: 0 }];

function spec(id: string, resume: ResumeMode): BackendSpec {
  return {
    id,
    name: id,
    base_url: `http://${id}.test/v1`,
    api_key: "",
    pool_id: "primary",
    models: ["*"],
    model_map: {},
    weight: 1,
    rpm_limit: null,
    tpm_limit: null,
    enabled: true,
    resume,
    prices: [],
    api: "openai",
  };
}

function registry(specs: BackendSpec[], onMark?: (m: ResumeMark) => void): Registry {
  const r = new Registry(DEFAULT_CONFIG, undefined, onMark);
  r.load(specs, POOLS, T0);
  return r;
}

Deno.test("ResumeMarks.mark() keeps the first instant and tells the listener once", () => {
  const told: ResumeMark[] = [];
  const marks = new ResumeMarks((m) => told.push(m));
  assert.equal(marks.mark("b1", "gpt-4o", T0), true);
  assert.equal(marks.mark("b1", "gpt-4o", T0 + 5_000), false);
  assert.equal(marks.has("b1", "gpt-4o"), true);
  assert.equal(marks.has("b1", "gpt-4o-mini"), false);
  assert.equal(marks.has("b2", "gpt-4o"), false);
  assert.deepEqual(marks.of("b1"), [{ backendId: "b1", model: "gpt-4o", markedAt: T0 }]);
  assert.deepEqual(told, [{ backendId: "b1", model: "gpt-4o", markedAt: T0 }]);
});

Deno.test("ResumeMarks.of() lists by model name; clear() forgets one backend only", () => {
  const marks = new ResumeMarks();
  marks.mark("b1", "zeta", T0);
  marks.mark("b1", "alpha", T0 + 1);
  marks.mark("b2", "alpha", T0 + 2);
  assert.deepEqual(marks.of("b1").map((m) => m.model), ["alpha", "zeta"]);
  marks.clear("b1");
  assert.deepEqual(marks.of("b1"), []);
  assert.equal(marks.has("b2", "alpha"), true);
});

Deno.test("ResumeMarks.load() seeds without telling the listener, oldest kept first", () => {
  const told: ResumeMark[] = [];
  const marks = new ResumeMarks((m) => told.push(m));
  marks.load([
    { backendId: "b1", model: "new", markedAt: T0 + 10 },
    { backendId: "b1", model: "old", markedAt: T0 },
  ]);
  assert.deepEqual(told, []);
  assert.deepEqual(marks.of("b1").map((m) => [m.model, m.markedAt]), [
    ["new", T0 + 10],
    ["old", T0],
  ]);
});

Deno.test("ResumeMarks holds at most MAX_MARKS_PER_BACKEND per backend, dropping the oldest", () => {
  const marks = new ResumeMarks();
  for (let i = 0; i <= MAX_MARKS_PER_BACKEND; i++) marks.mark("b1", `m${i}`, T0 + i);
  assert.equal(marks.of("b1").length, MAX_MARKS_PER_BACKEND);
  assert.equal(marks.has("b1", "m0"), false, "the oldest went");
  assert.equal(marks.has("b1", `m${MAX_MARKS_PER_BACKEND}`), true);
});

Deno.test("Registry.resumable() is false when resume is off or the model is marked", () => {
  const r = registry([
    spec("off", "off"),
    spec("prefill", "prefill"),
    spec("vllm", "continue_final_message"),
  ]);
  r.markNotResumable("prefill", "gpt-4o", T0);
  r.markNotResumable("off", "llama", T0);
  const cases: [string, string, boolean][] = [
    ["off", "gpt-4o", false],
    ["off", "llama", false],
    ["prefill", "gpt-4o", false],
    ["prefill", "gpt-4o-mini", true],
    ["vllm", "gpt-4o", true],
  ];
  for (const [id, model, want] of cases) {
    assert.equal(r.resumable(r.get(id)!, model), want, `${id} ${model}`);
  }
});

Deno.test("Registry.markNotResumable() ignores an unknown backend; clearResumeMarks() makes it resumable again", () => {
  const told: ResumeMark[] = [];
  const r = registry([spec("b1", "prefill")], (m) => told.push(m));
  r.markNotResumable("gone", "gpt-4o", T0);
  assert.deepEqual(r.resumeMarks("gone"), []);
  r.markNotResumable("b1", "gpt-4o", T0);
  r.markNotResumable("b1", "gpt-4o", T0 + 1_000);
  assert.deepEqual(told, [{ backendId: "b1", model: "gpt-4o", markedAt: T0 }]);
  assert.equal(r.resumable(r.get("b1")!, "gpt-4o"), false);
  r.clearResumeMarks("b1");
  assert.equal(r.resumable(r.get("b1")!, "gpt-4o"), true);
});

Deno.test("Registry.load() keeps the marks and follows a changed resume mode", () => {
  const r = registry([spec("b1", "prefill")]);
  r.loadResumeMarks([{ backendId: "b1", model: "gpt-4o", markedAt: T0 }]);
  assert.equal(r.resumable(r.get("b1")!, "gpt-4o"), false);
  assert.equal(r.resumable(r.get("b1")!, "other"), true);
  r.load([spec("b1", "off")], POOLS, T0 + 1);
  assert.equal(r.resumable(r.get("b1")!, "other"), false);
  assert.deepEqual(r.resumeMarks("b1").map((m) => m.model), ["gpt-4o"]);
});

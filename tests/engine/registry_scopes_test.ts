/**
 * @module registry_scopes_test
 * The registry's two cooldown scopes at fixed instants: a 429 cools one
 * (backend, upstream model) pair and leaves the backend's other models
 * usable; quota, auth and errors cool the whole backend; one probe per scope;
 * extend-never-shorten and resets per pair; readyAt, status rows, clears,
 * the listener, and a pair map that never holds healthy pairs.
 */
import assert from "node:assert/strict";
import type { AttemptOutcome, BackendHealth } from "../../src/engine/cooldown.ts";
import {
  type BackendSpec,
  type HealthListener,
  MAX_MODELS_COOLING,
  type Pick,
  type PoolSpec,
  Registry,
} from "../../src/engine/registry.ts";
import { DEFAULT_CONFIG } from "../../src/gateway_config.ts";
import { backendSpec } from "../helpers/backend_spec.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const S = 1_000;
const POOLS: PoolSpec[] = [{ id: "primary", priority: 0 }];
const RATE_LIMITED: AttemptOutcome = { kind: "rate_limited" };

function spec(id: string, over: Partial<BackendSpec> = {}): BackendSpec {
  return backendSpec(id, over, ["gpt-4o*"]);
}

function registry(over: Partial<BackendSpec> = {}, onHealth?: HealthListener): Registry {
  const r = new Registry(DEFAULT_CONFIG, onHealth);
  r.load([spec("a", over)], POOLS, T0);
  return r;
}

/** What a pick gives, compactly: `none@<readyAt offset>` or `a` / `a probe`. */
function show(p: Pick): string {
  if (p.kind === "none") return `none@${(p.readyAt - T0) / S}s`;
  return p.probe ? `${p.backend.id} probe` : p.backend.id;
}

type Step =
  | { at: number; report: AttemptOutcome; model?: string }
  | { at: number; pick: string; want: string };

/** Runs steps at `T0 + at` seconds; picks are checked against `want`. */
function run(r: Registry, steps: Step[]): void {
  for (const [i, s] of steps.entries()) {
    const now = T0 + s.at * S;
    if ("report" in s) r.report("a", s.report, now, s.model);
    else assert.equal(show(r.pick(s.pick, now)), s.want, `step ${i} at ${s.at}s: pick ${s.pick}`);
  }
}

Deno.test("Registry.pick() skips only the pair a 429 cooled; the backend's other models stay usable", () => {
  const r = registry();
  run(r, [
    { at: 0, report: RATE_LIMITED, model: "gpt-4o" },
    { at: 1, pick: "gpt-4o", want: "none@5s" },
    { at: 1, pick: "gpt-4o-mini", want: "a" },
    { at: 1, report: { kind: "success" }, model: "gpt-4o-mini" },
    { at: 4.999, pick: "gpt-4o", want: "none@5s" },
    { at: 5, pick: "gpt-4o", want: "a probe" },
  ]);
});

Deno.test("Registry.pick() keys the pair on the upstream model: names mapped to one model cool together", () => {
  const r = registry({ model_map: { "gpt-4o*": "llama-3" } });
  const first = r.pick("gpt-4o", T0);
  assert.equal(first.kind === "backend" && first.upstreamModel, "llama-3");
  r.report("a", RATE_LIMITED, T0, "llama-3");
  assert.equal(show(r.pick("gpt-4o-mini", T0 + S)), "none@5s");
});

Deno.test("Registry.report() of quota, auth and errors cools the whole backend for every model", () => {
  const cases: { outcome: AttemptOutcome; times: number; until: number }[] = [
    { outcome: { kind: "quota" }, times: 1, until: 3600 },
    { outcome: { kind: "auth" }, times: 1, until: 300 },
    { outcome: { kind: "failure" }, times: 3, until: 10 },
  ];
  for (const c of cases) {
    const r = registry();
    for (let i = 0; i < c.times; i++) r.report("a", c.outcome, T0, "gpt-4o");
    for (const model of ["gpt-4o", "gpt-4o-mini"]) {
      assert.equal(show(r.pick(model, T0 + S)), `none@${c.until}s`, `${c.outcome.kind} ${model}`);
    }
    const [row] = r.status(T0 + S);
    assert.equal(row?.status, "cooling", c.outcome.kind);
    assert.deepEqual(row?.models_cooling, [], c.outcome.kind);
    assert.equal(r.get("a")?.modelHealth.size, 0, `${c.outcome.kind} leaves no pair`);
  }
});

Deno.test("Registry.report() without a model cools the whole backend on a 429, as before", () => {
  const r = registry();
  r.report("a", RATE_LIMITED, T0);
  assert.equal(show(r.pick("gpt-4o-mini", T0 + S)), "none@5s");
  assert.equal(r.status(T0 + S)[0]?.status, "cooling");
});

Deno.test("Registry.pick() lets one probe per scope through after expiry", () => {
  const r = registry();
  run(r, [
    { at: 0, report: RATE_LIMITED, model: "gpt-4o" },
    { at: 5, pick: "gpt-4o", want: "a probe" },
    // The pair's probe is out: that model waits, the others do not.
    { at: 5, pick: "gpt-4o", want: `none@${5 + DEFAULT_CONFIG.attempt_timeout_ms / S}s` },
    { at: 5, pick: "gpt-4o-mini", want: "a" },
    { at: 6, report: { kind: "success" }, model: "gpt-4o" },
    { at: 6, pick: "gpt-4o", want: "a" },
  ]);
  assert.equal(r.get("a")?.modelHealth.size, 0, "a healed pair is dropped");
});

Deno.test("Registry.pick() claims both probes when both scopes are due one", () => {
  const r = registry();
  run(r, [
    { at: 0, report: RATE_LIMITED, model: "gpt-4o" },
    { at: 0, report: { kind: "auth" }, model: "gpt-4o" },
    { at: 300, pick: "gpt-4o", want: "a probe" },
  ]);
  const a = r.get("a")!;
  assert.equal(a.health.health.state, "probing");
  assert.equal(a.modelHealth.get("gpt-4o")?.health.state, "probing");
  // The backend's probe is out, so no model may follow it meanwhile.
  assert.equal(r.pick("gpt-4o-mini", T0 + 300 * S).kind, "none");
  r.report("a", { kind: "success" }, T0 + 301 * S, "gpt-4o");
  assert.equal(a.health.health.state, "healthy");
  assert.equal(a.modelHealth.size, 0);
});

Deno.test("Registry.report() of a failed pair probe cools it again by the next step; a neutral one frees it", () => {
  const r = registry();
  run(r, [
    { at: 0, report: RATE_LIMITED, model: "gpt-4o" },
    { at: 5, pick: "gpt-4o", want: "a probe" },
    { at: 5, report: RATE_LIMITED, model: "gpt-4o" }, // n = 2: 10 s
    { at: 14, pick: "gpt-4o", want: "none@15s" },
    { at: 15, pick: "gpt-4o", want: "a probe" },
    { at: 15, report: { kind: "neutral" }, model: "gpt-4o" },
    { at: 15, pick: "gpt-4o", want: "a probe" },
    // A 5xx says nothing of the rate limit: the pair's probe is freed, the backend counts a failure.
    { at: 15, report: { kind: "failure" }, model: "gpt-4o" },
    { at: 15, pick: "gpt-4o", want: "a probe" },
  ]);
  assert.equal(r.get("a")?.health.failures, 1);
  assert.equal(r.get("a")?.modelHealth.get("gpt-4o")?.consecutive429, 2);
});

Deno.test("Registry.report() extends a pair's cooldown to the later end, never shortens it", () => {
  const r = registry();
  run(r, [
    { at: 0, report: { kind: "rate_limited", retryAfterMs: 60_000 }, model: "gpt-4o" },
    { at: 1, report: RATE_LIMITED, model: "gpt-4o" }, // 10 s from now: ends before 60 s
    { at: 2, pick: "gpt-4o", want: "none@60s" },
    { at: 50, report: { kind: "rate_limited", retryAfterMs: 30_000 }, model: "gpt-4o" },
    { at: 51, pick: "gpt-4o", want: "none@80s" },
  ]);
  assert.equal(r.get("a")?.modelHealth.get("gpt-4o")?.consecutive429, 3);
});

Deno.test("Registry.report() of a success resets the pair's count, but not during its cooldown", () => {
  const r = registry();
  run(r, [
    { at: 0, report: RATE_LIMITED, model: "gpt-4o" },
    // An answer to a request sent before the 429 does not heal it.
    { at: 1, report: { kind: "success" }, model: "gpt-4o" },
    { at: 2, pick: "gpt-4o", want: "none@5s" },
    { at: 5, pick: "gpt-4o", want: "a probe" },
    { at: 5, report: { kind: "success" }, model: "gpt-4o" },
    { at: 6, report: RATE_LIMITED, model: "gpt-4o" }, // n = 1 again: 5 s
    { at: 7, pick: "gpt-4o", want: "none@11s" },
  ]);
});

Deno.test("Registry.readyAt() waits for the later of the backend's and the pair's ends", () => {
  const r = registry();
  r.report("a", { kind: "rate_limited", retryAfterMs: 20_000 }, T0, "gpt-4o");
  for (let i = 0; i < 3; i++) r.report("a", { kind: "failure" }, T0, "gpt-4o"); // 10 s
  const cases: [model: string, at: number, want: number][] = [
    ["gpt-4o", 0, 20],
    ["gpt-4o-mini", 0, 10],
    ["gpt-4o-mini", 10, 10],
    ["gpt-4o", 10, 20],
    ["gpt-4o", 20, 20],
  ];
  for (const [model, at, want] of cases) {
    assert.equal((r.readyAt(model, T0 + at * S) - T0) / S, want, `${model} at ${at}s`);
  }
});

Deno.test("Registry.status() lists cooling models; the row cools only with the whole backend", () => {
  const r = registry();
  r.report("a", RATE_LIMITED, T0, "gpt-4o");
  r.report("a", RATE_LIMITED, T0, "gpt-4o");
  r.report("a", { kind: "rate_limited", retryAfterMs: 30_000 }, T0, "gpt-4o-mini");
  const cases: [at: number, status: string, models: unknown[], streak: number][] = [
    [1, "active", [
      { model: "gpt-4o", cooldown_until: new Date(T0 + 10 * S).toISOString(), consecutive_429: 2 },
      {
        model: "gpt-4o-mini",
        cooldown_until: new Date(T0 + 30 * S).toISOString(),
        consecutive_429: 1,
      },
    ], 2],
    [10, "active", [{
      model: "gpt-4o-mini",
      cooldown_until: new Date(T0 + 30 * S).toISOString(),
      consecutive_429: 1,
    }], 2],
    [30, "active", [], 2],
  ];
  for (const [at, status, models, streak] of cases) {
    const [row] = r.status(T0 + at * S);
    assert.equal(row?.status, status, `${at}s`);
    assert.equal(row?.cooldown_until, null, `${at}s`);
    assert.deepEqual(row?.models_cooling, models, `${at}s`);
    assert.equal(row?.consecutive_429, streak, `${at}s: the longest streak`);
  }
  // A pair probe in flight is listed without an end.
  r.pick("gpt-4o", T0 + 31 * S);
  assert.deepEqual(r.status(T0 + 31 * S)[0]?.models_cooling, [
    { model: "gpt-4o", cooldown_until: null, consecutive_429: 2 },
  ]);
});

Deno.test("Registry.clearCooldown() clears both scopes and tells the listener each one", () => {
  const calls: [string | undefined, string, boolean][] = [];
  const r = registry({}, (_id, h, c) => calls.push([c.model, h.health.state, c.cleared === true]));
  r.report("a", RATE_LIMITED, T0, "gpt-4o");
  r.report("a", RATE_LIMITED, T0, "gpt-4o-mini");
  r.report("a", { kind: "auth" }, T0, "gpt-4o");
  calls.length = 0;
  assert.equal(r.clearCooldown("a", T0 + S), true);
  assert.deepEqual(calls, [
    [undefined, "healthy", true],
    ["gpt-4o", "healthy", true],
    ["gpt-4o-mini", "healthy", true],
  ]);
  assert.equal(r.get("a")?.modelHealth.size, 0);
  assert.equal(show(r.pick("gpt-4o", T0 + S)), "a");
});

Deno.test("Registry's listener hears which scope changed and the cooldown it started", () => {
  const calls: { model?: string; state: string; seconds?: number; extended?: boolean }[] = [];
  const r = registry({}, (_id, h, c) =>
    calls.push({
      ...(c.model === undefined ? {} : { model: c.model }),
      state: h.health.state,
      ...(c.started ? { seconds: c.started.seconds, extended: c.started.extended } : {}),
    }));
  r.report("a", RATE_LIMITED, T0, "gpt-4o");
  r.report("a", RATE_LIMITED, T0 + S, "gpt-4o");
  r.report("a", { kind: "failure" }, T0 + S, "gpt-4o");
  r.pick("gpt-4o", T0 + 11 * S);
  r.report("a", { kind: "success" }, T0 + 12 * S, "gpt-4o");
  assert.deepEqual(calls, [
    { model: "gpt-4o", state: "cooling", seconds: 5, extended: false },
    { model: "gpt-4o", state: "cooling", seconds: 10, extended: true },
    { state: "healthy" }, // the backend's failure count
    { state: "healthy" }, // ... reset by the success
    { model: "gpt-4o", state: "healthy" }, // the pair healed: its row goes
  ]);
});

Deno.test("Registry keeps no entry for healthy pairs and caps the cooling ones", () => {
  const r = registry();
  for (let i = 0; i < 50; i++) {
    r.report("a", { kind: "success" }, T0, `gpt-4o-${i}`);
    r.report("a", { kind: "neutral" }, T0, `gpt-4o-n${i}`);
    r.report("a", { kind: "failure" }, T0, `gpt-4o-f${i}`);
  }
  assert.equal(r.get("a")?.modelHealth.size, 0);
  for (let i = 0; i < MAX_MODELS_COOLING + 10; i++) r.report("a", RATE_LIMITED, T0, `gpt-4o-${i}`);
  const pairs = r.get("a")!.modelHealth;
  assert.equal(pairs.size, MAX_MODELS_COOLING);
  assert.equal(pairs.has("gpt-4o-0"), false, "the oldest went first");
  assert.equal(pairs.has(`gpt-4o-${MAX_MODELS_COOLING + 9}`), true);
});

Deno.test("Registry.load() seeds both scopes and keeps live pairs across reloads", () => {
  const pair: BackendHealth = {
    health: { state: "cooling", reason: "429", since: T0, until: T0 + 30 * S },
    consecutive429: 1,
    failures: 0,
  };
  const r = new Registry(DEFAULT_CONFIG);
  r.load(
    [spec("a")],
    POOLS,
    T0,
    new Map([["a", {
      health: { state: "healthy" },
      consecutive429: 0,
      failures: 0,
      models: new Map([["gpt-4o", pair]]),
    }]]),
  );
  assert.equal(show(r.pick("gpt-4o", T0)), "none@30s");
  assert.equal(show(r.pick("gpt-4o-mini", T0)), "a");
  r.load([spec("a", { weight: 2 })], POOLS, T0);
  assert.equal(show(r.pick("gpt-4o", T0)), "none@30s");
});

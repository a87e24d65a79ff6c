/**
 * @module registry_test
 * The routing table at fixed instants: candidates, pool order, smooth
 * weighted round-robin, standbys, cooling and rate-limited backends,
 * readyAt, models, status rows, reloads and manual clears.
 */

import assert from "node:assert/strict";
import type { BackendHealth } from "../../src/engine/cooldown.ts";
import {
  type BackendSpec,
  type HealthListener,
  type Pick,
  type PoolSpec,
  Registry,
} from "../../src/engine/registry.ts";
import { DEFAULT_CONFIG, type GatewayConfig } from "../../src/gateway_config.ts";
import { backendSpec } from "../helpers/backend_spec.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const S = 1_000;

const POOLS: PoolSpec[] = [
  pool("primary", 0),
  pool("fallback", 100),
];

function pool(id: string, priority: number): PoolSpec {
  return { id, priority };
}

function spec(id: string, over: Partial<BackendSpec> = {}): BackendSpec {
  return backendSpec(id, over);
}

function registry(
  backends: BackendSpec[],
  opts: { config?: Partial<GatewayConfig>; pools?: PoolSpec[]; onHealth?: HealthListener } = {},
): Registry {
  const r = new Registry({ ...DEFAULT_CONFIG, ...opts.config }, opts.onHealth);
  r.load(backends, opts.pools ?? POOLS, T0);
  return r;
}

function picked(p: Pick): string {
  if (p.kind !== "backend") assert.fail(`Expected a backend, got none (readyAt ${p.readyAt})`);
  return p.backend.id;
}

/** `n` picks at `now`, each reported a success. */
function picks(r: Registry, n: number, now = T0, exclude?: Set<string>): string[] {
  return Array.from({ length: n }, () => {
    const id = picked(r.pick("gpt-test", now, exclude));
    r.report(id, { kind: "success" }, now);
    return id;
  });
}

Deno.test("Registry.candidates() matches exact names and * globs of enabled backends", () => {
  const r = registry([
    spec("exact", { models: ["gpt-4o"] }),
    spec("glob", { models: ["gpt-4o*"] }),
    spec("claude", { models: ["claude-*"] }),
    spec("off", { models: ["gpt-4o"], enabled: false }),
  ]);
  assert.deepEqual(r.candidates("gpt-4o").map((b) => b.id), ["exact", "glob"]);
  assert.deepEqual(r.candidates("gpt-4o-mini").map((b) => b.id), ["glob"]);
  assert.deepEqual(r.candidates("claude-3-opus").map((b) => b.id), ["claude"]);
  assert.deepEqual(r.candidates("gpt-4").map((b) => b.id), []);
  assert.deepEqual(r.candidates("GPT-4O").map((b) => b.id), []);
});

Deno.test("Registry.candidates() orders by pool priority, then pool and backend id", () => {
  const r = registry([
    spec("z-late", { pool_id: "fallback" }),
    spec("b-first", { pool_id: "primary" }),
    spec("a-first", { pool_id: "primary" }),
    spec("m-mid", { pool_id: "mid" }),
  ], { pools: [...POOLS, pool("mid", 50)] });
  assert.deepEqual(r.candidates("gpt-test").map((b) => b.id), [
    "a-first",
    "b-first",
    "m-mid",
    "z-late",
  ]);
});

Deno.test("Registry.pick() takes the lowest-priority pool first and moves on when excluded", () => {
  const r = registry([
    spec("low", { pool_id: "fallback" }),
    spec("high", { pool_id: "primary" }),
  ]);
  assert.deepEqual(picks(r, 3), ["high", "high", "high"]);
  assert.equal(picked(r.pick("gpt-test", T0, new Set(["high"]))), "low");
  const none = r.pick("gpt-test", T0, new Set(["high", "low"]));
  assert.equal(none.kind, "none");
  assert.equal(none.kind === "none" && none.readyAt, Infinity);
});

Deno.test("Registry.pick() keeps each pool's round-robin apart and never picks a backend of an unknown pool", () => {
  const r = registry(
    [
      spec("p2-a", { pool_id: "p2" }),
      spec("orphan", { pool_id: "gone" }),
      spec("p1-a", { pool_id: "p1" }),
      spec("p2-b", { pool_id: "p2" }),
      spec("p1-b", { pool_id: "p1" }),
    ],
    { pools: [pool("p2", 5), pool("p1", 5)] },
  );
  // Same priority: pools go by id, so p1 first, alternating its own two.
  assert.deepEqual(picks(r, 4), ["p1-a", "p1-b", "p1-a", "p1-b"]);
  const p2 = new Set(["p1-a", "p1-b"]);
  assert.deepEqual([0, 1, 2].map(() => picked(r.pick("gpt-test", T0, p2))), [
    "p2-a",
    "p2-b",
    "p2-a",
  ]);
  const none = r.pick("gpt-test", T0, new Set(["p1-a", "p1-b", "p2-a", "p2-b"]));
  assert.equal(none.kind, "none");
});

Deno.test("Registry.pick() spreads a pool by smooth weighted round-robin", () => {
  const r = registry([spec("a", { weight: 2 }), spec("b", { weight: 1 })]);
  assert.deepEqual(picks(r, 6), ["a", "b", "a", "a", "b", "a"]);

  const even = registry([spec("x"), spec("y"), spec("z", { pool_id: "fallback" })]);
  assert.deepEqual(picks(even, 4), ["x", "y", "x", "y"]);
});

Deno.test("Registry.pick() uses a weight-0 standby only when nothing else in the pool can serve", () => {
  const r = registry([
    spec("main"),
    spec("standby", { weight: 0 }),
    spec("other-pool", { pool_id: "fallback" }),
  ]);
  assert.deepEqual(picks(r, 3), ["main", "main", "main"]);
  r.report("main", { kind: "rate_limited" }, T0);
  assert.deepEqual(picks(r, 2), ["standby", "standby"]);
  assert.equal(picked(r.pick("gpt-test", T0, new Set(["standby"]))), "other-pool");
});

Deno.test("Registry.pick() skips a cooling backend until its cooldown ends", () => {
  const r = registry([spec("a"), spec("b", { pool_id: "fallback" })]);
  r.report("a", { kind: "rate_limited" }, T0); // 5 s
  assert.equal(picked(r.pick("gpt-test", T0)), "b");
  assert.equal(picked(r.pick("gpt-test", T0 + 4_999)), "b");

  const none = r.pick("gpt-test", T0 + 1, new Set(["b"]));
  assert.deepEqual(none, { kind: "none", readyAt: T0 + 5 * S, cooling: 1, limited: 0 });
});

Deno.test("Registry.pick() lets exactly one probe through after a cooldown expires", () => {
  const r = registry([spec("a"), spec("b", { pool_id: "fallback" })]);
  r.report("a", { kind: "rate_limited" }, T0);
  const t = T0 + 5 * S;
  const probe = r.pick("gpt-test", t);
  assert.equal(picked(probe), "a");
  assert.equal(probe.kind === "backend" && probe.probe, true);
  // While the probe is out, others avoid the backend.
  assert.equal(picked(r.pick("gpt-test", t + 10)), "b");
  assert.equal(r.status(t + 10).find((s) => s.backend_id === "a")?.status, "cooling");

  r.report("a", { kind: "success" }, t + 20);
  const healed = r.pick("gpt-test", t + 30);
  assert.equal(picked(healed), "a");
  assert.equal(healed.kind === "backend" && healed.probe, false);
  assert.equal(r.get("a")?.health.consecutive429, 0);
});

Deno.test("Registry.pick() skips an empty rpm bucket without cooling the backend", () => {
  const r = registry([spec("a", { rpm_limit: 2 }), spec("b", { pool_id: "fallback" })]);
  assert.deepEqual(picks(r, 3), ["a", "a", "b"]);
  const row = r.status(T0).find((s) => s.backend_id === "a");
  assert.equal(row?.status, "active");
  assert.equal(row?.cooldown_until, null);
  assert.equal(row?.rpm_tokens_left, 0);
  assert.equal(r.get("a")?.health.health.state, "healthy");

  // Refill: rpm / 60 per second, so one token after 30 s.
  const none = r.pick("gpt-test", T0, new Set(["b"]));
  assert.deepEqual(none, { kind: "none", readyAt: T0 + 30 * S, cooling: 0, limited: 1 });
  assert.equal(picked(r.pick("gpt-test", T0 + 30 * S)), "a");
});

Deno.test("Registry.pick() skips a backend whose tpm bucket is in debt", () => {
  const r = registry([spec("a", { tpm_limit: 60 }), spec("b", { pool_id: "fallback" })]);
  assert.equal(picked(r.pick("gpt-test", T0)), "a");
  r.chargeTokens("a", 90, T0); // 30 tokens of debt; refill 1 per second
  assert.equal(picked(r.pick("gpt-test", T0)), "b");
  assert.equal(r.status(T0).find((s) => s.backend_id === "a")?.tpm_tokens_left, 0);
  assert.equal(r.readyAt("gpt-test", T0, new Set(["b"])), T0 + 31 * S);
  assert.equal(picked(r.pick("gpt-test", T0 + 31 * S)), "a");
});

Deno.test("Registry.readyAt() is now, a cooldown's end, a refill, or Infinity", () => {
  const r = registry([
    spec("a"),
    spec("b", { rpm_limit: 1 }),
    spec("other", { models: ["other"] }),
  ]);
  assert.equal(r.readyAt("gpt-test", T0), T0);
  r.report("a", { kind: "rate_limited", retryAfterMs: 20 * S }, T0);
  assert.equal(r.readyAt("gpt-test", T0), T0, "b can still serve");
  assert.equal(r.readyAt("gpt-test", T0, new Set(["b"])), T0 + 20 * S);
  r.pick("gpt-test", T0); // b's only token
  assert.equal(r.readyAt("gpt-test", T0), T0 + 20 * S);
  assert.equal(r.readyAt("gpt-test", T0 + 19 * S), T0 + 20 * S);
  assert.equal(r.readyAt("nope", T0), Infinity);
  assert.equal(r.readyAt("gpt-test", T0, new Set(["a", "b"])), Infinity);
});

Deno.test("Registry.readyAt() claims nothing", () => {
  const r = registry([spec("a", { rpm_limit: 1 })]);
  r.readyAt("gpt-test", T0);
  r.readyAt("gpt-test", T0);
  assert.equal(picked(r.pick("gpt-test", T0)), "a");
});

Deno.test("Registry.models() lists exact names of enabled backends only", () => {
  const r = registry([
    spec("a", { models: ["gpt-4o", "gpt-4o*", "text-embedding-3-small"] }),
    spec("b", { models: ["gpt-4o", "claude-*"] }),
    spec("off", { models: ["hidden"], enabled: false }),
  ]);
  assert.deepEqual(r.models().map((m) => m.id), ["gpt-4o", "text-embedding-3-small"]);
  for (const m of r.models()) assert.equal(typeof m.owned_by, "string");
});

Deno.test("Registry.status() gives a row per backend with live state", () => {
  const r = registry([
    spec("a", { rpm_limit: 10 }),
    spec("b"),
    spec("off", { enabled: false }),
  ]);
  r.pick("gpt-test", T0); // a: one token
  r.report("b", { kind: "rate_limited" }, T0);
  r.report("a", { kind: "failure" }, T0);
  const rows = new Map(r.status(T0 + S).map((s) => [s.backend_id, s]));
  assert.deepEqual(rows.get("a"), {
    backend_id: "a",
    status: "active",
    paused: false,
    cooldown_until: null,
    consecutive_429: 0,
    failures: 1,
    rpm_tokens_left: 9,
    tpm_tokens_left: null,
    in_flight: 0,
    models_cooling: [],
  });
  assert.equal(rows.get("b")?.status, "cooling");
  assert.equal(rows.get("b")?.cooldown_until, new Date(T0 + 5 * S).toISOString());
  assert.equal(rows.get("b")?.consecutive_429, 1);
  assert.equal(rows.get("off")?.status, "disabled");
  // Once expired the row reads active again, with no end in the past.
  const later = r.status(T0 + 6 * S).find((s) => s.backend_id === "b");
  assert.equal(later?.status, "active");
  assert.equal(later?.cooldown_until, null);
});

Deno.test("Registry.load() keeps health, buckets and in-flight across reloads", () => {
  const r = registry([spec("a", { rpm_limit: 5 }), spec("b")]);
  r.report("a", { kind: "rate_limited" }, T0);
  r.pick("gpt-test", T0 + 10 * S); // a probes: one token
  const a = r.get("a");
  assert.ok(a);
  a.slots.acquire();
  a.slots.acquire();
  r.load([spec("a", { rpm_limit: 5, weight: 3 }), spec("b")], POOLS, T0 + 10 * S);
  const after = r.get("a");
  assert.equal(after?.weight, 3);
  assert.equal(after?.health.health.state, "probing");
  assert.equal(after?.health.consecutive429, 1);
  assert.equal(after?.slots.count, 2);
  assert.equal(r.status(T0 + 10 * S).find((s) => s.backend_id === "a")?.rpm_tokens_left, 4);

  // A removed backend is gone; one added later starts healthy.
  r.load([spec("b")], POOLS, T0 + 10 * S);
  assert.equal(r.get("a"), undefined);
  r.load([spec("a"), spec("b")], POOLS, T0 + 10 * S);
  assert.equal(r.get("a")?.health.health.state, "healthy");
});

Deno.test("Registry.load() seeds health from stored state on first load only", () => {
  const stored: BackendHealth = {
    health: { state: "cooling", reason: "429", since: T0, until: T0 + 60 * S },
    consecutive429: 3,
    failures: 0,
  };
  const r = new Registry(DEFAULT_CONFIG);
  r.load([spec("a"), spec("b", { pool_id: "fallback" })], POOLS, T0, new Map([["a", stored]]));
  assert.equal(picked(r.pick("gpt-test", T0 + 59 * S)), "b");
  assert.equal(r.status(T0).find((s) => s.backend_id === "a")?.consecutive_429, 3);

  r.report("a", { kind: "success" }, T0 + 61 * S);
  r.load([spec("a"), spec("b")], POOLS, T0 + 62 * S, new Map([["a", stored]]));
  assert.equal(r.get("a")?.health.health.state, "healthy", "live health beats stored state");
});

Deno.test("Registry.report() tells the listener about changes and new cooldowns", () => {
  const calls: Parameters<HealthListener>[] = [];
  const r = registry([spec("a")], { onHealth: (...args) => calls.push(args) });
  r.report("a", { kind: "neutral" }, T0);
  assert.equal(calls.length, 0, "no change, no call");
  r.report("a", { kind: "rate_limited", retryAfterMs: 30 * S }, T0);
  assert.equal(calls.length, 1);
  const [id, health, change] = calls[0]!;
  assert.equal(id, "a");
  assert.equal(health.health.state, "cooling");
  assert.equal(change.started?.reason, "429");
  assert.equal(change.started?.seconds, 30);
  assert.equal(change.now, T0);
  r.report("unknown", { kind: "rate_limited" }, T0);
  assert.equal(calls.length, 1);
});

Deno.test("Registry.clearCooldown() heals at once and tells the listener", () => {
  const calls: Parameters<HealthListener>[] = [];
  const r = registry([spec("a"), spec("b", { pool_id: "fallback" })], {
    onHealth: (...args) => calls.push(args),
  });
  r.report("a", { kind: "auth" }, T0);
  assert.equal(picked(r.pick("gpt-test", T0)), "b");
  assert.equal(r.clearCooldown("a", T0 + S), true);
  assert.equal(picked(r.pick("gpt-test", T0 + S)), "a");
  assert.equal(r.get("a")?.health.consecutive429, 0);
  assert.deepEqual(calls.at(-1)?.[2], { cleared: true, now: T0 + S });
  assert.equal(r.clearCooldown("nope", T0), false);
});

Deno.test("Registry.setConfig() changes the cooldown policy in force", () => {
  const r = registry([spec("a")]);
  r.setConfig({ ...DEFAULT_CONFIG, cooldown_base_seconds: 2 });
  assert.equal(r.config.cooldown_base_seconds, 2);
  r.report("a", { kind: "rate_limited" }, T0);
  assert.equal(r.readyAt("gpt-test", T0), T0 + 2 * S);
});

Deno.test("Registry.candidates() caches no unknown model and at most a bounded number of known ones", () => {
  const r = registry([spec("a", { models: ["gpt-*"] })]);
  for (let i = 0; i < 5000; i++) assert.deepEqual(r.candidates(`unknown-${i}`), []);
  assert.equal(r.cachedModels, 0);
  for (let i = 0; i < 5000; i++) assert.equal(r.candidates(`gpt-${i}`).length, 1);
  assert.ok(r.cachedModels <= 1024, `${r.cachedModels} cached`);
  // The newest names survive an eviction.
  const hot = r.candidates("gpt-4999");
  assert.equal(r.candidates("gpt-4999"), hot);
});

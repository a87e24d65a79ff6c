/**
 * @module attempt_plan_test
 * The attempt plan on its own, on a real registry at fixed instants: what
 * it hands out after each kind of outcome, the backoff of a retry inside a
 * pool, the per-pool budget, waits, and the limits that end a request.
 */
import assert from "node:assert/strict";
import { type BackendSpec, type PoolSpec, Registry } from "../../src/engine/registry.ts";
import { DEFAULT_CONFIG, type GatewayConfig } from "../../src/gateway_config.ts";
import { AttemptPlan, poolRetryBackoffMs, type Step } from "../../src/proxy/attempt_plan.ts";
import { classify, type UpstreamAnswer } from "../../src/proxy/failure_classifier.ts";
import type { Scope } from "../../src/state/state_change.ts";
import { InProcessState } from "../../src/state/in_process_state.ts";
import { backendSpec } from "../helpers/backend_spec.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

const POOLS: PoolSpec[] = [
  { id: "primary", priority: 0 },
  { id: "fallback", priority: 100 },
];

function spec(id: string, over: Partial<BackendSpec> = {}): BackendSpec {
  return backendSpec(id, { api_key: `sk-${id}-0123456789`, ...over });
}

/** A plan over `backends`, its clock at T0, and helpers to drive it. */
function rig(
  backends: BackendSpec[],
  config: Partial<GatewayConfig> = {},
  random = 0.5,
  shared = new InProcessState(),
) {
  const cfg = { ...DEFAULT_CONFIG, ...config };
  const registry = new Registry(cfg, undefined, undefined, shared);
  registry.load(backends, POOLS, T0);
  let now = T0;
  const plan = new AttemptPlan(registry, "gpt-test", cfg, T0, () => random, () => now);
  /** The next step, asserted to be an attempt; returns its backend id and backoff. */
  const attempt = () => {
    const step = plan.next(now);
    assert.equal(step.kind, "attempt", `expected an attempt, got ${JSON.stringify(step)}`);
    return step as Extract<Step, { kind: "attempt" }>;
  };
  /** Settles `step`'s attempt with `answer`, as the dispatcher does. */
  const answer = (step: Extract<Step, { kind: "attempt" }>, a: UpstreamAnswer) => {
    const outcome = classify(a);
    step.lease.done(outcome.health);
    plan.record(step.lease, outcome);
  };
  return {
    plan,
    registry,
    attempt,
    answer,
    advance: (ms: number) => (now += ms),
    get now() {
      return now;
    },
  };
}

const E500: UpstreamAnswer = { kind: "status", status: 500 };
const E429: UpstreamAnswer = { kind: "status", status: 429 };
const TIMEOUT: UpstreamAnswer = { kind: "transport", failure: "headers_timeout" };

Deno.test("poolRetryBackoffMs() waits half to all of a step that doubles from 250 ms to 4 s", () => {
  const rows: [n: number, random: number, ms: number][] = [
    [0, 0, 125],
    [0, 0.5, 187.5],
    [3, 0.5, 1500],
    [1, 0, 250],
    [2, 1, 1000],
    [4, 1, 4000],
    [5, 1, 4000],
    [9, 0, 2000],
    [-1, 1, 250],
  ];
  for (const [n, r, ms] of rows) assert.equal(poolRetryBackoffMs(n, () => r), ms, `n=${n} r=${r}`);
});

Deno.test("AttemptPlan.next() hands out the primary pool first, with no backoff", () => {
  const r = rig([spec("p1"), spec("f1", { pool_id: "fallback" })]);
  const step = r.attempt();
  assert.equal(step.lease.backend.id, "p1");
  assert.equal(step.backoffMs, 0);
  assert.equal(step.lease.upstreamModel, "gpt-test");
  assert.equal(r.plan.attempts, 1);
});

Deno.test("AttemptPlan: a transient failure of the only primary backend is retried on it after a backoff, then the fallback", () => {
  const r = rig([spec("p1"), spec("f1", { pool_id: "fallback" })], { pool_retries: 1 });
  r.answer(r.attempt(), E500);
  const retry = r.attempt();
  assert.equal(retry.lease.backend.id, "p1");
  assert.equal(retry.backoffMs, 187.5);
  r.answer(retry, E500);
  const next = r.attempt();
  assert.equal(next.lease.backend.id, "f1");
  assert.equal(next.backoffMs, 0);
});

Deno.test("AttemptPlan: the pool's other backends come before a retry of the failed one", () => {
  const r = rig([spec("p1"), spec("p2"), spec("f1", { pool_id: "fallback" })]);
  const first = r.attempt();
  r.answer(first, { kind: "transport", failure: "connection" });
  const second = r.attempt();
  assert.notEqual(second.lease.backend.id, first.lease.backend.id);
  assert.equal(second.lease.backend.pool_id, "primary");
  assert.equal(second.backoffMs, 0);
  r.answer(second, E500);
  const third = r.attempt();
  assert.equal(third.lease.backend.pool_id, "primary", "a retry inside the pool first");
  assert.ok(third.backoffMs > 0);
  r.answer(third, E500);
  assert.equal(r.attempt().lease.backend.id, "f1", "then the next pool");
});

Deno.test("AttemptPlan: pool_retries 0 moves to the next pool after a transient failure", () => {
  const r = rig([spec("p1"), spec("f1", { pool_id: "fallback" })], { pool_retries: 0 });
  r.answer(r.attempt(), E500);
  assert.equal(r.attempt().lease.backend.id, "f1");
});

Deno.test("AttemptPlan: each pool has its own pool_retries budget", () => {
  const r = rig([spec("p1"), spec("f1", { pool_id: "fallback" })], {
    pool_retries: 2,
    max_attempts: 10,
    failure_threshold: 100,
  });
  const order: string[] = [];
  for (let i = 0; i < 6; i++) {
    const step = r.attempt();
    order.push(`${step.lease.backend.id}+${step.backoffMs}`);
    r.answer(step, E500);
  }
  assert.deepEqual(order, ["p1+0", "p1+187.5", "p1+375", "f1+0", "f1+187.5", "f1+375"]);
  assert.deepEqual(r.plan.next(r.now), { kind: "exhausted", deadlineHit: false });
});

Deno.test("AttemptPlan: a timed-out backend is never handed out again in the request", () => {
  const r = rig([spec("p1"), spec("f1", { pool_id: "fallback" })], { pool_retries: 3 });
  r.answer(r.attempt(), TIMEOUT);
  const next = r.attempt();
  assert.equal(next.lease.backend.id, "f1");
  r.answer(next, TIMEOUT);
  assert.deepEqual(r.plan.next(r.now), { kind: "exhausted", deadlineHit: false });
});

Deno.test("AttemptPlan: a 429 moves on at once and is not retried; with max_wait_ms its cooldown is waited for", () => {
  const r = rig([spec("p1")], { max_wait_ms: 10_000, cooldown_base_seconds: 5 });
  r.answer(r.attempt(), E429);
  const wait = r.plan.next(r.now);
  assert.equal(wait.kind, "wait");
  assert.ok(wait.kind === "wait" && wait.ms > 0 && wait.ms <= 10_000, JSON.stringify(wait));
  r.advance((wait as { ms: number }).ms);
  const probe = r.attempt();
  assert.equal(probe.lease.backend.id, "p1");
  assert.equal(probe.lease.probe, true);
});

Deno.test("AttemptPlan: without max_wait_ms a cooled lone backend ends the request", () => {
  const r = rig([spec("p1")]);
  r.answer(r.attempt(), E429);
  assert.deepEqual(r.plan.next(r.now), { kind: "exhausted", deadlineHit: false });
});

Deno.test("AttemptPlan: a context overflow rules out every backend with the same upstream model", () => {
  const r = rig([
    spec("p1"),
    spec("p2"),
    spec("big", { pool_id: "fallback", model_map: { "gpt-test": "gpt-test-128k" } }),
  ]);
  r.answer(r.attempt(), {
    kind: "status",
    status: 400,
    error: { code: "context_length_exceeded" },
  });
  const next = r.attempt();
  assert.equal(next.lease.backend.id, "big");
  assert.equal(next.lease.upstreamModel, "gpt-test-128k");
});

Deno.test("AttemptPlan: max_attempts and the request deadline end the attempts", () => {
  const r = rig([spec("p1"), spec("p2"), spec("p3")], { max_attempts: 2 });
  r.answer(r.attempt(), E500);
  r.answer(r.attempt(), E500);
  assert.deepEqual(r.plan.next(r.now), { kind: "exhausted", deadlineHit: false });

  const d = rig([spec("p1"), spec("p2")], { request_deadline_ms: 1000 });
  d.answer(d.attempt(), E500);
  d.advance(1000);
  assert.deepEqual(d.plan.next(d.now), { kind: "exhausted", deadlineHit: true });
});

Deno.test("AttemptPlan: a retry's backoff never runs past the deadline", () => {
  const r = rig([spec("p1")], { request_deadline_ms: 1000 }, 1);
  r.answer(r.attempt(), E500);
  r.advance(900);
  assert.equal(r.attempt().backoffMs, 100);
});

Deno.test("BackendLease: settling twice reports and releases once", () => {
  const r = rig([spec("p1")], { failure_threshold: 2 });
  const step = r.attempt();
  assert.equal(step.lease.backend.slots.count, 1);
  step.lease.done({ kind: "failure" });
  step.lease.done({ kind: "failure" });
  step.lease.release();
  assert.equal(step.lease.backend.slots.count, 0);
  assert.equal(r.registry.status(r.now)[0]?.failures, 1);
});

/** A cluster where another replica always wins the probe. */
class LosingProbes extends InProcessState {
  readonly asked: Scope[] = [];
  override claimProbe(scope: Scope, _now: number): Promise<boolean> {
    this.asked.push(scope);
    return Promise.resolve(false);
  }
}

Deno.test("AttemptPlan: a probe the cluster gives to another replica is forfeited: not sent, not counted, not retried", async () => {
  const shared = new LosingProbes();
  const r = rig([spec("p1"), spec("f1", { pool_id: "fallback" })], {}, 0.5, shared);
  r.answer(r.attempt(), E429);
  // A later request, once p1's pair cooldown has expired: its pick of p1 is the probe.
  r.advance(5_000);
  const now = r.now;
  const plan = new AttemptPlan(
    r.registry,
    "gpt-test",
    { ...DEFAULT_CONFIG },
    now,
    () => 0.5,
    () => now,
  );
  const probe = plan.next(now);
  assert.ok(probe.kind === "attempt" && probe.lease.backend.id === "p1", JSON.stringify(probe));
  assert.ok(probe.probeClaim, "an asynchronous claim");
  assert.equal(await probe.probeClaim, false);
  plan.forfeit(probe.lease);
  assert.equal(probe.lease.backend.slots.count, 0);
  assert.equal(plan.attempts, 0);
  assert.deepEqual(shared.asked, [{ backendId: "p1", model: "gpt-test" }]);
  const next = plan.next(now);
  assert.ok(next.kind === "attempt" && next.lease.backend.id === "f1", JSON.stringify(next));
  assert.equal(next.probeClaim, undefined);
});

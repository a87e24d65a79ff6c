/**
 * @module registry_shared_test
 * The registry over a shared state it does not own (docs/cluster.md): what
 * it publishes for changes made here, what it makes of changes made
 * elsewhere (applyRemote), and probe claims the cluster decides.
 */
import assert from "node:assert/strict";
import type { BackendHealth } from "../../src/engine/cooldown.ts";
import { type BackendSpec, type HealthListener, Registry } from "../../src/engine/registry.ts";
import { DEFAULT_CONFIG } from "../../src/gateway_config.ts";
import { InProcessState } from "../../src/state/in_process_state.ts";
import type { ProbeClaim } from "../../src/state/shared_state.ts";
import type { Scope, StateChange } from "../../src/state/state_change.ts";
import { backendSpec } from "../helpers/backend_spec.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const S = 1_000;
const POOLS = [{ id: "primary", priority: 0 }];

function spec(id: string): BackendSpec {
  return backendSpec(id, {}, ["gpt-4o*"]);
}

/** An in-process state that records what is published and claimed. */
class RecordingState extends InProcessState {
  published: StateChange[] = [];
  claims: Scope[] = [];
  claimAnswer: ProbeClaim = true;
  override publish(change: StateChange): void {
    this.published.push(change);
  }
  override claimProbe(scope: Scope): ProbeClaim {
    this.claims.push(scope);
    return this.claimAnswer;
  }
}

function setup(onHealth?: HealthListener) {
  const shared = new RecordingState();
  const r = new Registry(DEFAULT_CONFIG, onHealth, undefined, shared);
  r.load([spec("a")], POOLS, T0);
  return { r, shared };
}

const cooling = (until: number, n = 1): BackendHealth => ({
  health: { state: "cooling", reason: "429", since: T0, until },
  consecutive429: n,
  failures: 0,
});

Deno.test("Registry.report() publishes a pair's cooldown with its event data", () => {
  const { r, shared } = setup();
  r.report("a", { kind: "rate_limited" }, T0, "gpt-4o");
  assert.equal(shared.published.length, 1);
  const c = shared.published[0]!;
  assert.equal(c.kind, "health");
  if (c.kind !== "health") return;
  assert.equal(c.model, "gpt-4o");
  assert.equal(c.started?.reason, "429");
  assert.equal(c.started?.until, T0 + 5 * S);
  assert.equal(c.at, T0);
});

Deno.test("Registry.report() publishes nothing when health does not change", () => {
  const { r, shared } = setup();
  r.report("a", { kind: "success" }, T0, "gpt-4o");
  r.report("a", { kind: "neutral" }, T0, "gpt-4o");
  assert.deepEqual(shared.published, []);
});

Deno.test("Registry.clearCooldown() publishes one clear", () => {
  const { r, shared } = setup();
  r.report("a", { kind: "auth" }, T0);
  shared.published = [];
  r.clearCooldown("a", T0 + S);
  assert.deepEqual(shared.published, [{ kind: "clear", backendId: "a", at: T0 + S }]);
});

Deno.test("Registry.applyRemote() cools a pair here, persisted with its event, not published again", () => {
  const seen: { model?: string; remote?: boolean; started?: unknown }[] = [];
  const { r, shared } = setup((_id, _h, change) => seen.push(change));
  const started = {
    reason: "429" as const,
    consecutive: 1,
    seconds: 5,
    since: T0,
    until: T0 + 5 * S,
    extended: false,
  };
  r.applyRemote({
    kind: "health",
    backendId: "a",
    model: "gpt-4o",
    health: cooling(T0 + 5 * S),
    started,
    at: T0,
  }, T0);
  const p = r.pick("gpt-4o", T0 + S);
  assert.equal(p.kind, "none");
  assert.equal(r.pick("gpt-4o-mini", T0 + S).kind, "backend");
  assert.deepEqual(shared.published, []);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.model, "gpt-4o");
  assert.equal(seen[0]!.remote, true);
  assert.deepEqual(seen[0]!.started, started);
});

Deno.test("Registry.applyRemote() never shortens a cooldown running here", () => {
  const { r } = setup();
  r.report("a", { kind: "rate_limited", retryAfterMs: 60 * S }, T0, "gpt-4o");
  r.applyRemote(
    { kind: "health", backendId: "a", model: "gpt-4o", health: cooling(T0 + 5 * S, 1), at: T0 },
    T0,
  );
  const p = r.pick("gpt-4o", T0 + 10 * S);
  assert.equal(p.kind === "none" && p.readyAt, T0 + 60 * S);
});

Deno.test("Registry.applyRemote() of a clear heals both scopes; an unknown backend is ignored", () => {
  const { r } = setup();
  r.report("a", { kind: "auth" }, T0);
  r.report("a", { kind: "rate_limited" }, T0, "gpt-4o");
  r.applyRemote({ kind: "clear", backendId: "zz", at: T0 }, T0);
  assert.equal(r.pick("gpt-4o", T0 + S).kind, "none");
  r.applyRemote({ kind: "clear", backendId: "a", at: T0 + S }, T0 + S);
  assert.equal(r.pick("gpt-4o", T0 + S).kind, "backend");
  assert.deepEqual(r.status(T0 + S)[0]!.models_cooling, []);
});

Deno.test("Registry.pick() asks the cluster for each scope it probes, and carries an async answer", async () => {
  const { r, shared } = setup();
  r.report("a", { kind: "rate_limited" }, T0, "gpt-4o");
  r.report("a", { kind: "auth" }, T0);
  assert.equal(r.pick("gpt-4o", T0).kind, "none");
  assert.deepEqual(shared.claims, []);
  shared.claimAnswer = Promise.resolve(false);
  const p = r.pick("gpt-4o", T0 + 301 * S);
  assert.equal(p.kind === "backend" && p.probe, true);
  assert.deepEqual(shared.claims, [{ backendId: "a" }, { backendId: "a", model: "gpt-4o" }]);
  assert.equal(await (p.kind === "backend" ? p.probeClaim : undefined), false);
});

Deno.test("Registry.pick() of a healthy backend asks the cluster nothing", () => {
  const { r, shared } = setup();
  const p = r.pick("gpt-4o", T0);
  assert.equal(p.kind === "backend" && p.probeClaim, undefined);
  assert.deepEqual(shared.claims, []);
});

Deno.test("Registry.pauseBackend() takes the backend out with no end, publishes once, until a clear", () => {
  const events: { reason?: string; remote?: boolean }[] = [];
  const { r, shared } = setup((_id, _h, c) =>
    c.started && events.push({ reason: c.started.reason })
  );
  assert.equal(r.pauseBackend("zz", T0), false);
  assert.equal(r.pauseBackend("a", T0), true);
  assert.equal(r.pauseBackend("a", T0 + S), true);
  assert.deepEqual(shared.published, [{ kind: "pause", backendId: "a", at: T0 }]);
  assert.deepEqual(events, [{ reason: "paused" }]);
  const p = r.pick("gpt-4o", T0 + 86_400 * S);
  assert.equal(p.kind === "none" && p.readyAt, Infinity);
  r.report("a", { kind: "success" }, T0 + 2 * S, "gpt-4o");
  const row = r.status(T0 + 2 * S)[0]!;
  assert.equal(row.status, "cooling");
  assert.equal(row.paused, true);
  assert.equal(row.cooldown_until, null);
  r.clearCooldown("a", T0 + 3 * S);
  assert.equal(r.status(T0 + 3 * S)[0]!.paused, false);
  assert.equal(r.pick("gpt-4o", T0 + 3 * S).kind, "backend");
});

Deno.test("Registry.applyRemote() of a pause holds the backend here, of a clear frees it", () => {
  const { r, shared } = setup();
  r.applyRemote({ kind: "pause", backendId: "a", at: T0 }, T0);
  assert.equal(r.status(T0)[0]!.paused, true);
  assert.equal(r.pick("gpt-4o", T0 + S).kind, "none");
  r.applyRemote({ kind: "clear", backendId: "a", at: T0 + S }, T0 + S);
  assert.equal(r.pick("gpt-4o", T0 + S).kind, "backend");
  assert.deepEqual(shared.published, []);
});

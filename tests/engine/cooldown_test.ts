/**
 * @module cooldown_test
 * Cooldown rules at fixed instants: 429 backoff, Retry-After, extension,
 * precheck, probing, failure threshold, quota and auth.
 */

import assert from "node:assert/strict";
import {
  adopt,
  type AttemptOutcome,
  availability,
  type BackendHealth,
  claim,
  clear,
  type CooldownPolicy,
  type CooldownReason,
  cooldownSeconds429,
  type CooldownStarted,
  type HealthState,
  HEALTHY,
  isPristine,
  MAX_RETRY_AFTER_MS,
  pause,
  PAUSE_END,
  record,
  scopedOutcomes,
} from "../../src/engine/cooldown.ts";

const T0 = 1_700_000_000_000;
const S = 1_000;

/** The contract's defaults. */
const POLICY: CooldownPolicy = {
  baseSeconds: 5,
  maxSeconds: 300,
  exponential: true,
  precheckSeconds: 1,
  quotaSeconds: 3_600,
  failureThreshold: 3,
  errorCooldownSeconds: 10,
  probeTimeoutMs: 60_000,
};

function cooling(h: BackendHealth): Extract<HealthState, { state: "cooling" }> {
  if (h.health.state !== "cooling") assert.fail(`Expected "cooling", got "${h.health.state}"`);
  return h.health;
}

/** The event a cooldown of `seconds` from `since` reports. */
function started(
  reason: CooldownReason,
  consecutive: number,
  seconds: number,
  since: number,
  extended = false,
): CooldownStarted {
  return { reason, consecutive, seconds, since, until: since + seconds * S, extended };
}

Deno.test("cooldownSeconds429() doubles from base and caps at max", () => {
  const want = [5, 10, 20, 40, 80, 160, 300, 300, 300];
  want.forEach((w, i) => assert.equal(cooldownSeconds429(i + 1, POLICY), w, `n=${i + 1}`));
  assert.equal(cooldownSeconds429(5_000, POLICY), 300);
});

Deno.test("cooldownSeconds429() grows linearly when not exponential", () => {
  const linear = { ...POLICY, exponential: false };
  const table: [number, number][] = [[1, 5], [2, 10], [3, 15], [10, 50], [60, 300], [61, 300]];
  for (const [n, want] of table) assert.equal(cooldownSeconds429(n, linear), want, `n=${n}`);
});

Deno.test("record() on a 429 cools for base seconds and counts it", () => {
  const { next, cooldown } = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY);
  assert.equal(next.consecutive429, 1);
  assert.deepEqual(next.health, { state: "cooling", reason: "429", since: T0, until: T0 + 5 * S });
  assert.deepEqual(cooldown, started("429", 1, 5, T0));
});

Deno.test("record() of repeated 429s through failed probes gives 5, 10, 20, 40, ... capped at 300", () => {
  let h = HEALTHY;
  let now = T0;
  for (const want of [5, 10, 20, 40, 80, 160, 300, 300]) {
    const r = record(h, { kind: "rate_limited" }, now, POLICY);
    assert.equal(r.cooldown?.seconds, want);
    now = cooling(r.next).until;
    assert.deepEqual(availability(r.next, now, POLICY), { usable: true, probe: true });
    h = claim(r.next, now, POLICY);
    assert.equal(h.health.state, "probing");
  }
  assert.equal(h.consecutive429, 8);
});

Deno.test("record() lets a Retry-After longer than the rule win, not a shorter one", () => {
  const table: [number | undefined, number][] = [
    [undefined, 5],
    [2 * S, 5],
    [5 * S, 5],
    [30 * S, 30],
    [1_500, 5],
    [7_500, 7.5],
    [MAX_RETRY_AFTER_MS * 3, 86_400],
    [-10 * S, 5],
  ];
  for (const [retryAfterMs, want] of table) {
    const outcome = retryAfterMs === undefined
      ? { kind: "rate_limited" as const }
      : { kind: "rate_limited" as const, retryAfterMs };
    const r = record(HEALTHY, outcome, T0, POLICY);
    assert.equal(r.cooldown?.seconds, want, `retryAfterMs=${retryAfterMs}`);
    assert.equal(cooling(r.next).until, T0 + want * S);
  }
});

Deno.test("record() during a cooldown extends it to the later end", () => {
  const first = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  const r = record(first, { kind: "rate_limited", retryAfterMs: 60 * S }, T0 + 2 * S, POLICY);
  assert.deepEqual(r.next.health, {
    state: "cooling",
    reason: "429",
    since: T0,
    until: T0 + 62 * S,
  });
  assert.deepEqual(r.cooldown, started("429", 2, 60, T0 + 2 * S, true));
});

Deno.test("record() during a cooldown never shortens it, but still counts", () => {
  const auth = record(HEALTHY, { kind: "auth" }, T0, POLICY).next;
  const r = record(auth, { kind: "rate_limited" }, T0 + S, POLICY);
  assert.equal(r.cooldown, undefined);
  assert.deepEqual(r.next.health, auth.health);
  assert.equal(r.next.consecutive429, 1);
});

Deno.test("availability() keeps a cooldown ending within the precheck threshold as cooling", () => {
  const h = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  const table: [number, boolean][] = [
    [0, false],
    [3_999, false],
    [4_000, false], // ends within precheckSeconds (1 s): still cooling
    [4_999, false],
    [5_000, true],
    [9_000, true],
  ];
  for (const [dt, usable] of table) {
    const a = availability(h, T0 + dt, POLICY);
    assert.deepEqual(
      a,
      usable ? { usable: true, probe: true } : { usable: false, readyAt: T0 + 5 * S },
      `at +${dt} ms`,
    );
  }
});

Deno.test("availability() of a healthy backend is usable without probe", () => {
  assert.deepEqual(availability(HEALTHY, T0, POLICY), { usable: true, probe: false });
});

Deno.test("claim() after expiry lets exactly one probe through; others are refused", () => {
  const cool = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  const at = T0 + 5 * S;
  const probing = claim(cool, at, POLICY);
  assert.deepEqual(probing.health, { state: "probing", reason: "429", probeSince: at });
  for (const dt of [0, 1, 30 * S, 59_999]) {
    assert.deepEqual(availability(probing, at + dt, POLICY), {
      usable: false,
      readyAt: at + 60_000,
    });
    assert.equal(claim(probing, at + dt, POLICY), probing);
  }
});

Deno.test("record() of a successful probe heals and resets counters", () => {
  const cool = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  const probing = claim(cool, T0 + 5 * S, POLICY);
  const { next, cooldown } = record(probing, { kind: "success" }, T0 + 6 * S, POLICY);
  assert.deepEqual(next, HEALTHY);
  assert.equal(cooldown, undefined);
  assert.deepEqual(availability(next, T0 + 6 * S, POLICY), { usable: true, probe: false });
});

Deno.test("record() of a probe answered 429 cools again with n + 1", () => {
  let h = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  h = record(h, { kind: "rate_limited" }, T0 + S, POLICY).next; // n = 2, 10 s from T0 + 1 s
  h = claim(h, T0 + 11 * S, POLICY);
  const r = record(h, { kind: "rate_limited" }, T0 + 12 * S, POLICY);
  assert.equal(r.next.consecutive429, 3);
  assert.deepEqual(r.cooldown, started("429", 3, 20, T0 + 12 * S));
});

Deno.test("availability() allows a new probe once the last one is stale", () => {
  const cool = record(HEALTHY, { kind: "failure" }, T0, { ...POLICY, failureThreshold: 1 }).next;
  const probing = claim(cool, T0 + 10 * S, POLICY);
  const stale = T0 + 10 * S + POLICY.probeTimeoutMs;
  assert.deepEqual(availability(probing, stale, POLICY), { usable: true, probe: true });
  const again = claim(probing, stale, POLICY);
  assert.deepEqual(again.health, { state: "probing", reason: "errors", probeSince: stale });
});

Deno.test("record() of failures cools only at the threshold, then needs it again", () => {
  let h = HEALTHY;
  for (const n of [1, 2]) {
    const r = record(h, { kind: "failure" }, T0 + n, POLICY);
    assert.equal(r.cooldown, undefined);
    assert.equal(r.next.failures, n);
    assert.equal(r.next.health.state, "healthy");
    h = r.next;
  }
  const r = record(h, { kind: "failure" }, T0 + 3, POLICY);
  assert.equal(r.next.failures, 0);
  assert.deepEqual(r.cooldown, started("errors", 3, 10, T0 + 3));
  // During the cooldown, late failures count toward the threshold afresh.
  const late = record(r.next, { kind: "failure" }, T0 + S, POLICY);
  assert.equal(late.next.failures, 1);
  assert.equal(late.cooldown, undefined);
});

Deno.test("record() of a success between failures resets the count", () => {
  let h = record(HEALTHY, { kind: "failure" }, T0, POLICY).next;
  h = record(h, { kind: "failure" }, T0, POLICY).next;
  h = record(h, { kind: "success" }, T0, POLICY).next;
  h = record(h, { kind: "failure" }, T0, POLICY).next;
  h = record(h, { kind: "failure" }, T0, POLICY).next;
  assert.equal(h.health.state, "healthy");
  assert.equal(h.failures, 2);
});

Deno.test("record() of a failed probe cools for errors at once, below the threshold", () => {
  const cool = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  const probing = claim(cool, T0 + 5 * S, POLICY);
  const r = record(probing, { kind: "failure" }, T0 + 6 * S, POLICY);
  assert.equal(r.cooldown?.reason, "errors");
  assert.equal(cooling(r.next).until, T0 + 16 * S);
  assert.equal(r.next.consecutive429, 1);
});

Deno.test("record() cools quota for quotaSeconds, or a longer Retry-After", () => {
  const q = record(HEALTHY, { kind: "quota" }, T0, POLICY);
  assert.equal(q.cooldown?.reason, "quota");
  assert.equal(q.cooldown?.seconds, 3_600);
  assert.equal(cooling(q.next).until, T0 + 3_600 * S);
  assert.equal(q.next.consecutive429, 0);
  const longer = record(HEALTHY, { kind: "quota", retryAfterMs: 7_200 * S }, T0, POLICY);
  assert.equal(longer.cooldown?.seconds, 7_200);
  const shorter = record(HEALTHY, { kind: "quota", retryAfterMs: 60 * S }, T0, POLICY);
  assert.equal(shorter.cooldown?.seconds, 3_600);
});

Deno.test("record() cools auth failures for maxSeconds", () => {
  const r = record(HEALTHY, { kind: "auth" }, T0, POLICY);
  assert.equal(r.cooldown?.reason, "auth");
  assert.equal(r.cooldown?.seconds, 300);
  assert.equal(cooling(r.next).until, T0 + 300 * S);
});

Deno.test("record() of a neutral outcome changes nothing outside a probe", () => {
  assert.equal(record(HEALTHY, { kind: "neutral" }, T0, POLICY).next, HEALTHY);
  const cool = record(HEALTHY, { kind: "auth" }, T0, POLICY).next;
  assert.equal(record(cool, { kind: "neutral" }, T0 + S, POLICY).next, cool);
});

Deno.test("record() of a neutral probe answer lets the next request probe again", () => {
  const cool = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  const probing = claim(cool, T0 + 5 * S, POLICY);
  const r = record(probing, { kind: "neutral" }, T0 + 6 * S, POLICY);
  assert.equal(r.cooldown, undefined);
  assert.equal(r.next.consecutive429, 1);
  assert.deepEqual(availability(r.next, T0 + 6 * S, POLICY), { usable: true, probe: true });
});

Deno.test("record() of a late success during a running cooldown keeps it cooling", () => {
  let h = record(HEALTHY, { kind: "failure" }, T0, POLICY).next;
  h = record(h, { kind: "rate_limited" }, T0, POLICY).next;
  const r = record(h, { kind: "success" }, T0 + S, POLICY);
  assert.deepEqual(r.next.health, h.health);
  assert.equal(r.next.consecutive429, 1);
  assert.equal(r.next.failures, 0);
  // Once expired, a success heals.
  assert.deepEqual(record(h, { kind: "success" }, T0 + 5 * S, POLICY).next, HEALTHY);
});

Deno.test("claim() leaves a healthy or still-cooling backend unchanged", () => {
  assert.equal(claim(HEALTHY, T0, POLICY), HEALTHY);
  const cool = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  assert.equal(claim(cool, T0 + S, POLICY), cool);
});

Deno.test("clear() makes a backend healthy with counters reset", () => {
  let h = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  h = record(h, { kind: "failure" }, T0, POLICY).next;
  assert.deepEqual(clear(h), HEALTHY);
  assert.deepEqual(availability(clear(h), T0, POLICY), { usable: true, probe: false });
});

Deno.test("scopedOutcomes() gives rate limits to the pair, quota, auth and failures to the backend", () => {
  const cases: [AttemptOutcome, backend: AttemptOutcome["kind"], model: AttemptOutcome["kind"]][] =
    [
      [{ kind: "rate_limited", retryAfterMs: 2_000 }, "neutral", "rate_limited"],
      [{ kind: "quota" }, "quota", "neutral"],
      [{ kind: "auth" }, "auth", "neutral"],
      [{ kind: "failure" }, "failure", "neutral"],
      [{ kind: "success" }, "success", "success"],
      [{ kind: "neutral" }, "neutral", "neutral"],
    ];
  for (const [outcome, backend, model] of cases) {
    const split = scopedOutcomes(outcome);
    assert.deepEqual([split.backend.kind, split.model.kind], [backend, model], outcome.kind);
  }
  // The pair keeps the upstream's Retry-After.
  assert.deepEqual(scopedOutcomes({ kind: "rate_limited", retryAfterMs: 2_000 }).model, {
    kind: "rate_limited",
    retryAfterMs: 2_000,
  });
});

Deno.test("isPristine() is true only for healthy with no counters", () => {
  const cases: [BackendHealth, boolean][] = [
    [HEALTHY, true],
    [{ ...HEALTHY, consecutive429: 1 }, false],
    [{ ...HEALTHY, failures: 1 }, false],
    [{
      health: { state: "cooling", reason: "429", since: 0, until: 1 },
      consecutive429: 0,
      failures: 0,
    }, false],
    [
      {
        health: { state: "probing", reason: "429", probeSince: 0 },
        consecutive429: 0,
        failures: 0,
      },
      false,
    ],
  ];
  for (const [h, want] of cases) assert.equal(isPristine(h), want, JSON.stringify(h));
});

Deno.test("adopt() takes a remote change by the table: later end wins, no heal while cooling", () => {
  const healthy = HEALTHY;
  const coolTo = (until: number, n = 1): BackendHealth => ({
    health: { state: "cooling", reason: "429", since: T0, until: T0 + until * S },
    consecutive429: n,
    failures: 0,
  });
  const probing: BackendHealth = {
    health: { state: "probing", reason: "429", probeSince: T0 + 20 * S },
    consecutive429: 2,
    failures: 0,
  };
  const cases: {
    name: string;
    local: BackendHealth;
    remote: BackendHealth;
    at: number;
    want: "local" | "remote" | { until: number; n: number } | "probing";
  }[] = [
    { name: "healthy takes a cooldown", local: healthy, remote: coolTo(10), at: 1, want: "remote" },
    {
      name: "a later remote end lengthens",
      local: coolTo(10),
      remote: coolTo(20, 2),
      at: 1,
      want: { until: 20, n: 2 },
    },
    {
      name: "an earlier remote end never shortens, the streak is kept",
      local: coolTo(20),
      remote: coolTo(10, 3),
      at: 1,
      want: { until: 20, n: 3 },
    },
    {
      name: "a heal while cooling here is ignored",
      local: coolTo(10),
      remote: healthy,
      at: 5,
      want: "local",
    },
    {
      name: "a heal after expiry is taken",
      local: coolTo(10),
      remote: healthy,
      at: 11,
      want: "remote",
    },
    { name: "a heal ends a local probe", local: probing, remote: healthy, at: 21, want: "remote" },
    {
      name: "a remote probe after expiry is taken",
      local: coolTo(10),
      remote: probing,
      at: 21,
      want: "probing",
    },
    {
      name: "a remote probe while cooling here is not, the streak is kept",
      local: coolTo(30),
      remote: probing,
      at: 21,
      want: { until: 30, n: 2 },
    },
  ];
  for (const c of cases) {
    const got = adopt(c.local, c.remote, T0 + c.at * S);
    if (c.want === "local") assert.equal(got, c.local, c.name);
    else if (c.want === "remote") assert.deepEqual(got, c.remote, c.name);
    else if (c.want === "probing") assert.equal(got.health.state, "probing", c.name);
    else {
      assert.equal(cooling(got).until, T0 + c.want.until * S, c.name);
      assert.equal(got.consecutive429, c.want.n, c.name);
    }
  }
});

Deno.test("pause() holds a scope with no end: no outcome, probe or remote change ends it, clear() does", () => {
  const cooled = record(HEALTHY, { kind: "rate_limited" }, T0, POLICY).next;
  const { next: paused, cooldown } = pause(cooled, T0);
  assert.deepEqual(paused.health, { state: "paused", since: T0 });
  assert.equal(paused.consecutive429, 1);
  assert.equal(cooldown?.reason, "paused");
  assert.equal(cooldown?.until, PAUSE_END);
  assert.equal(new Date(PAUSE_END).toISOString(), "+275760-09-13T00:00:00.000Z");
  assert.deepEqual(pause(paused, T0 + S), { next: paused }, "a second pause is no new event");
  for (const at of [T0, T0 + 3600 * S, T0 + 86_400_000 * 365]) {
    assert.deepEqual(availability(paused, at, POLICY), { usable: false, readyAt: Infinity });
    assert.equal(claim(paused, at, POLICY), paused);
  }
  const outcomes: AttemptOutcome[] = [
    { kind: "success" },
    { kind: "rate_limited" },
    { kind: "quota" },
    { kind: "auth" },
    { kind: "failure" },
    { kind: "neutral" },
  ];
  for (const o of outcomes) assert.equal(record(paused, o, T0 + S, POLICY).next, paused, o.kind);
  assert.equal(adopt(paused, HEALTHY, T0 + S), paused);
  assert.equal(adopt(paused, cooled, T0 + S), paused);
  assert.equal(adopt(cooled, paused, T0 + S), paused);
  assert.equal(clear(paused), HEALTHY);
});

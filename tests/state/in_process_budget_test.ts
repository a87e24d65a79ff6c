/**
 * @module in_process_budget_test
 * The in-process budget ledger on fixed instants: the rule (spend plus open
 * reservations plus the estimate within the budget; a spent budget refuses
 * everything; an estimate over the whole budget never fits), settling lower
 * and higher than the estimate and at 0 for a failure, roll-over at the
 * start of each period kind, a request straddling the roll-over charged to
 * its own period, and spend kept through StoredSpend (one write per batch,
 * read back by a new ledger).
 */
import assert from "node:assert/strict";
import type { BudgetPeriod } from "../../src/keys/key_policy.ts";
import type { BudgetVerdict, Reservation } from "../../src/state/budget_ledger.ts";
import { LocalLedger, type SpendRow, StoredSpend } from "../../src/state/in_process_budget.ts";
import { InProcessState } from "../../src/state/in_process_state.ts";

const at = (iso: string) => Date.parse(iso);
const NOW = at("2026-11-27T10:00:00Z"); // a Friday
const CREATED = at("2026-01-05T08:30:00Z");

function granted(v: BudgetVerdict | Promise<BudgetVerdict>): Reservation {
  assert.ok(!(v instanceof Promise), "in process answers at once");
  assert.ok(v.granted, `refused: ${JSON.stringify(v)}`);
  return v.reservation;
}

function refused(v: BudgetVerdict | Promise<BudgetVerdict>) {
  assert.ok(!(v instanceof Promise));
  assert.ok(!v.granted, "granted");
  return v;
}

const ledger = (period: BudgetPeriod = "day") =>
  new LocalLedger("k1", { period, createdAt: CREATED });

Deno.test("LocalLedger.reserve() grants while spend + reserved + estimate fit, and refuses the one that would pass", () => {
  const l = ledger();
  const held = Array.from({ length: 10 }, () => granted(l.reserve(1, 10, NOW)));
  assert.equal(l.reserved(NOW), 10);
  const r = refused(l.reserve(1, 10, NOW));
  assert.deepEqual(r, {
    granted: false,
    spendUsd: 0,
    reservedUsd: 10,
    periodStart: at("2026-11-27T00:00:00Z"),
  });
  // A settled request frees what it did not spend.
  l.settle(held[0]!, 0.4, NOW);
  assert.equal(l.spend(NOW), 0.4);
  assert.equal(l.reserved(NOW), 9);
  granted(l.reserve(0.6, 10, NOW));
  refused(l.reserve(0.01, 10, NOW));
});

Deno.test("LocalLedger.reserve(): ten reservations of a tenth of the budget all fit (float sums within the tolerance)", () => {
  const l = ledger();
  for (let i = 0; i < 10; i++) granted(l.reserve(0.1, 1, NOW));
  refused(l.reserve(0.1, 1, NOW));
});

Deno.test("LocalLedger.reserve(): an estimate over the whole budget never fits; a spent budget refuses even a free request; budget 0 stops the key", () => {
  const l = ledger();
  refused(l.reserve(10.5, 10, NOW));
  const r = granted(l.reserve(4, 10, NOW));
  l.settle(r, 10, NOW);
  // Spent to the cent: an unpriced request (estimate 0) is refused too.
  assert.equal(refused(l.reserve(0, 10, NOW)).spendUsd, 10);
  refused(ledger().reserve(0, 0, NOW));
  // Room left: a request with no price fits whatever is reserved.
  const m = ledger();
  granted(m.reserve(10, 10, NOW));
  granted(m.reserve(0, 10, NOW));
});

Deno.test("LocalLedger.settle() replaces the reservation with the real cost: lower, higher, or 0 for a failure", () => {
  const l = ledger();
  const lower = granted(l.reserve(2, 10, NOW));
  const higher = granted(l.reserve(2, 10, NOW));
  const failed = granted(l.reserve(2, 10, NOW));
  assert.equal(l.reserved(NOW), 6);
  l.settle(lower, 0.5, NOW);
  l.settle(higher, 2.75, NOW); // the prompt estimate was short
  l.settle(failed, 0, NOW);
  assert.equal(l.spend(NOW), 3.25);
  assert.equal(l.reserved(NOW), 0);
  // What is left is the budget less the spend.
  granted(l.reserve(6.75, 10, NOW));
  refused(l.reserve(0.01, 10, NOW));
});

Deno.test("LocalLedger: spend starts again at 0 at each period's first instant (day, week from Monday, month from the 1st; never for total)", () => {
  const cases: [BudgetPeriod, string, string, string][] = [
    // period, last instant of the period holding NOW, first of the next, its start
    ["day", "2026-11-27T23:59:59.999Z", "2026-11-28T00:00:00Z", "2026-11-28T00:00:00Z"],
    ["week", "2026-11-29T23:59:59.999Z", "2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z"],
    ["month", "2026-11-30T23:59:59.999Z", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"],
  ];
  for (const [period, last, next, start] of cases) {
    const l = ledger(period);
    l.settle(granted(l.reserve(3, 5, NOW)), 3, NOW);
    assert.equal(l.spend(at(last)), 3, `${period}: still the same period at ${last}`);
    refused(l.reserve(2.5, 5, at(last)));
    assert.equal(l.spend(at(next)), 0, `${period}: a new period at ${next}`);
    const r = granted(l.reserve(5, 5, at(next)));
    assert.equal(r.periodStart, at(start), period);
  }
  const total = ledger("total");
  total.settle(granted(total.reserve(3, 5, NOW)), 3, NOW);
  assert.equal(total.spend(at("2030-01-01T00:00:00Z")), 3);
  assert.equal(refused(total.reserve(2.5, 5, at("2030-01-01T00:00:00Z"))).periodStart, CREATED);
});

Deno.test("LocalLedger: a request admitted before the roll-over is charged to its own period, not the new one", () => {
  const written: SpendRow[] = [];
  const store = new StoredSpend([], (row) => written.push(row));
  const l = new LocalLedger("k1", { period: "day", createdAt: CREATED }, store);
  const late = granted(l.reserve(1, 5, at("2026-11-27T23:59:59Z")));
  const next = at("2026-11-28T00:00:10Z");
  assert.equal(l.reserved(next), 0, "the new day holds no reservation of the old");
  l.settle(late, 0.8, next);
  assert.equal(l.spend(next), 0);
  assert.deepEqual(written, [
    { key_id: "k1", period: "day", period_start: at("2026-11-27T00:00:00Z"), spend_usd: 0.8 },
  ]);
  assert.equal(l.spend(at("2026-11-27T23:59:59Z")), 0.8);
});

Deno.test("StoredSpend: each settlement's new spend goes to its writer (nothing for a free request); a new ledger resumes from it", () => {
  const written: SpendRow[] = [];
  const store = new StoredSpend([], (row) => written.push(row));
  const l = new LocalLedger("k1", { period: "month", createdAt: CREATED }, store);
  for (let i = 0; i < 5; i++) l.settle(granted(l.reserve(1, 100, NOW)), 0.5, NOW);
  // A request that cost nothing writes nothing.
  l.settle(granted(l.reserve(1, 100, NOW)), 0, NOW);
  const period_start = at("2026-11-01T00:00:00Z");
  assert.deepEqual(
    written.map((r) => r.spend_usd),
    [0.5, 1, 1.5, 2, 2.5],
    "the writer's thread keeps the latest of a batch",
  );
  assert.deepEqual(written.at(-1), { key_id: "k1", period: "month", period_start, spend_usd: 2.5 });

  // After a restart: the rows read at boot.
  const again = new StoredSpend(written.slice(-1), () => {});
  const resumed = new LocalLedger("k1", { period: "month", createdAt: CREATED }, again);
  assert.equal(resumed.spend(NOW), 2.5);
  refused(resumed.reserve(98, 100, NOW));
  granted(resumed.reserve(97.5, 100, NOW));
  // Another period kind of the same key counts on its own.
  assert.equal(new LocalLedger("k1", { period: "day", createdAt: CREATED }, again).spend(NOW), 0);
});

Deno.test("InProcessState.budget() hands out one ledger per key and window, so a budget set again keeps its spend", () => {
  const state = new InProcessState();
  const window = { period: "day" as const, createdAt: CREATED };
  const a = state.budget("k1", window);
  a.settle(granted(a.reserve(1, 5, NOW)), 1, NOW);
  assert.equal(state.budget("k1", { ...window }), a);
  assert.equal(state.budget("k1", window).spend(NOW), 1);
  assert.notEqual(state.budget("k1", { ...window, period: "week" }), a);
  assert.notEqual(state.budget("k2", window), a);
});

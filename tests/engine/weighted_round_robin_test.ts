/**
 * @module weighted_round_robin_test
 * Smooth weighted round-robin sequences and standby behaviour.
 */

import assert from "node:assert/strict";
import { SmoothWeightedRoundRobin } from "../../src/engine/weighted_round_robin.ts";

function picks(
  rr: SmoothWeightedRoundRobin,
  items: { id: string; weight: number }[],
  n: number,
): (string | undefined)[] {
  return Array.from({ length: n }, () => rr.pick(items));
}

Deno.test("SmoothWeightedRoundRobin.pick() gives nginx's a a b a c a a for weights 5, 1, 1", () => {
  const items = [{ id: "a", weight: 5 }, { id: "b", weight: 1 }, { id: "c", weight: 1 }];
  const rr = new SmoothWeightedRoundRobin();
  assert.deepEqual(picks(rr, items, 7), ["a", "a", "b", "a", "c", "a", "a"]);
  // The cycle repeats.
  assert.deepEqual(picks(rr, items, 7), ["a", "a", "b", "a", "c", "a", "a"]);
});

Deno.test("SmoothWeightedRoundRobin.pick() alternates equal weights in given order", () => {
  const rr = new SmoothWeightedRoundRobin();
  const items = [{ id: "x", weight: 1 }, { id: "y", weight: 1 }];
  assert.deepEqual(picks(rr, items, 4), ["x", "y", "x", "y"]);
});

Deno.test("SmoothWeightedRoundRobin.pick() shares picks in proportion to weight", () => {
  const rr = new SmoothWeightedRoundRobin();
  const items = [{ id: "a", weight: 3 }, { id: "b", weight: 2 }, { id: "c", weight: 5 }];
  const counts = new Map<string, number>();
  for (const id of picks(rr, items, 100)) counts.set(id ?? "", (counts.get(id ?? "") ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(counts), { c: 50, a: 30, b: 20 });
});

Deno.test("SmoothWeightedRoundRobin.pick() only lets eligible items take part", () => {
  const rr = new SmoothWeightedRoundRobin();
  const all = [{ id: "a", weight: 1 }, { id: "b", weight: 1 }, { id: "c", weight: 1 }];
  assert.equal(rr.pick(all), "a");
  // "b" is cooling: only a and c compete (c is owed one, a is in debt), and
  // b keeps the credit it had, so it is picked as soon as it is back.
  const noB = [{ id: "a", weight: 1 }, { id: "c", weight: 1 }];
  assert.deepEqual(picks(rr, noB, 3), ["c", "c", "a"]);
  assert.equal(rr.pick(all), "b");
});

Deno.test("SmoothWeightedRoundRobin.pick() uses a weight-0 standby only when nothing else is eligible", () => {
  const rr = new SmoothWeightedRoundRobin();
  const items = [{ id: "s", weight: 0 }, { id: "a", weight: 2 }, { id: "b", weight: 1 }];
  assert.deepEqual(picks(rr, items, 6), ["a", "b", "a", "a", "b", "a"]);
  const standbys = [{ id: "s", weight: 0 }, { id: "t", weight: 0 }];
  assert.deepEqual(picks(rr, standbys, 3), ["s", "s", "s"]);
  assert.equal(rr.pick([{ id: "t", weight: 0 }]), "t");
});

Deno.test("SmoothWeightedRoundRobin.pick() returns undefined when nothing is eligible", () => {
  assert.equal(new SmoothWeightedRoundRobin().pick([]), undefined);
});

Deno.test("SmoothWeightedRoundRobin.pick() treats negative or non-finite weights as standby", () => {
  const rr = new SmoothWeightedRoundRobin();
  const items = [{ id: "n", weight: -3 }, { id: "x", weight: Number.NaN }, { id: "a", weight: 1 }];
  assert.deepEqual(picks(rr, items, 2), ["a", "a"]);
  assert.equal(rr.pick(items.slice(0, 2)), "n");
});

Deno.test("SmoothWeightedRoundRobin.forget() restarts an id from zero", () => {
  const rr = new SmoothWeightedRoundRobin();
  const items = [{ id: "a", weight: 5 }, { id: "b", weight: 1 }, { id: "c", weight: 1 }];
  picks(rr, items, 3);
  for (const id of ["a", "b", "c"]) rr.forget(id);
  assert.deepEqual(picks(rr, items, 7), ["a", "a", "b", "a", "c", "a", "a"]);
});

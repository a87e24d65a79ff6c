/**
 * @module deadlines_test
 * The coarse deadline timer on an injected clock: a deadline fires once when
 * due, not before; cancel; the interval stops when nothing is pending.
 */
import assert from "node:assert/strict";
import { Deadlines } from "../../src/proxy/deadlines.ts";

function clocked() {
  let ms = 1000;
  const deadlines = new Deadlines({ clock: () => ms, tickMs: 3_600_000 });
  return { deadlines, advance: (by: number) => void (ms += by) };
}

Deno.test("Deadlines fires a deadline once when it is due, not before", () => {
  const { deadlines, advance } = clocked();
  let fired = 0;
  deadlines.after(100, () => fired++);
  advance(99);
  deadlines.sweep();
  assert.equal(fired, 0);
  advance(1);
  deadlines.sweep();
  assert.equal(fired, 1);
  advance(1000);
  deadlines.sweep();
  assert.equal(fired, 1, "fired twice");
  assert.equal(deadlines.size, 0);
});

Deno.test("Deadlines.cancel() keeps a deadline from firing, and only that one", () => {
  const { deadlines, advance } = clocked();
  const fired: string[] = [];
  const a = deadlines.after(50, () => fired.push("a"));
  deadlines.after(50, () => fired.push("b"));
  deadlines.cancel(a);
  advance(50);
  deadlines.sweep();
  assert.deepEqual(fired, ["b"]);
  deadlines.cancel(a); // cancelling twice, or after firing, is harmless
});

Deno.test("Deadlines: a deadline that throws does not stop the others", () => {
  const { deadlines, advance } = clocked();
  const fired: string[] = [];
  deadlines.after(10, () => {
    throw new Error("boom");
  });
  deadlines.after(10, () => fired.push("second"));
  advance(10);
  deadlines.sweep();
  assert.deepEqual(fired, ["second"]);
  assert.equal(deadlines.size, 0);
});

Deno.test("Deadlines fires on its own timer and stops it when nothing is pending", async () => {
  const deadlines = new Deadlines({ tickMs: 5 });
  const started = performance.now();
  // The sweeper's interval is unref'd (it never keeps a process alive by
  // itself); in the proxy a pending fetch does that, here a plain timer.
  const keepAlive = setTimeout(() => {}, 10_000);
  const firedAfter = await new Promise<number>((resolve) => {
    deadlines.after(20, () => resolve(performance.now() - started));
  });
  clearTimeout(keepAlive);
  assert.ok(firedAfter >= 20, `fired after ${firedAfter} ms`);
  assert.equal(deadlines.size, 0);
  // The sanitizer fails this test if the interval were still running.
});

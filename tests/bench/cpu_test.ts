/**
 * @module The benchmark's CPU accounting against this test process: its
 * threads as /proc lists them, and a window over busy loops on two threads,
 * of which the busiest thread must count one and the process both.
 */
import assert from "node:assert/strict";
import { cpuWindow } from "../../bench/cpu.ts";
import { threadStats } from "../../bench/procfs.ts";

Deno.test("threadStats lists this process's threads, the main one keyed PID/PID", async () => {
  const threads = await threadStats([Deno.pid]);
  const main = threads.get(`${Deno.pid}/${Deno.pid}`);
  assert.ok(main, `no main thread among ${[...threads.keys()].join(", ")}`);
  assert.match(main, new RegExp(`^${Deno.pid} \\(`));
  // Deno runs V8's and tokio's helper threads beside the main one.
  assert.ok(threads.size > 1);
  for (const id of threads.keys()) assert.match(id, new RegExp(`^${Deno.pid}/\\d+$`));
});

/** Spins for `ms` of wall time; returns the loop count so the loop is not optimised away. */
function spin(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  return spins;
}

Deno.test("cpuWindow: the busiest thread is one thread's CPU, not the process's", async () => {
  // A worker spins on a second thread while the main thread spins too.
  const worker = new Worker(
    `data:application/javascript,${
      encodeURIComponent(
        "self.onmessage = (e) => { const until = performance.now() + e.data; let n = 0; " +
          "while (performance.now() < until) n++; self.postMessage(n); };",
      )
    }`,
    { type: "module" },
  );
  try {
    const window = await cpuWindow([Deno.pid], []);
    const workerDone = new Promise<number>((resolve) => worker.onmessage = (e) => resolve(e.data));
    worker.postMessage(300);
    assert.ok(spin(300) > 0);
    assert.ok((await workerDone) > 0);
    const cpu = await window.end();
    // /proc counts in 10 ms ticks; each loop alone is 30 of them when it has a core to itself.
    assert.ok(cpu.busiestThreadCpuMs >= 50, `busiest thread ${cpu.busiestThreadCpuMs} ms`);
    assert.ok(cpu.targetCpuMs >= cpu.busiestThreadCpuMs + 50, JSON.stringify(cpu));
  } finally {
    worker.terminate();
  }
});

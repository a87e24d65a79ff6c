/**
 * @module The stream-memory study: what Sidecar's resident memory is made
 * of while 1,000 slow streams are open, against another checkout's in the
 * same run.
 *
 * Each round starts a fresh mock and a fresh Sidecar per tree (this
 * checkout, `sidecar`, and every `--checkout=NAME=DIR`), warms it with a
 * few hundred requests, then opens the streams as `deno task bench` does
 * (stream_probe.ts: one connection each, `--chunks` chunks `--delay-ms`
 * apart) and reads the peak (the kernel's high-water mark). At the peak it
 * also reads where the memory is: the malloc arena (`[heap]` in smaps: the
 * runtime's native state and every ArrayBuffer's bytes), V8's heap (its
 * GC trace: the collection with the most committed, and what was in use
 * after it) and the rest
 * (the binary's pages, thread stacks). Trees go round-robin over
 * `--rounds`, so the machine's noise falls on all alike.
 *
 * Run: `deno run -A bench/memory_study.ts [--rounds=3] [--streams=1000]
 * [--chunks=30] [--delay-ms=100] [--checkout=NAME=DIR …]` (a checkout is
 * `git worktree add DIR <rev>`). Output: a table on stdout.
 */

import { startSidecar } from "./sidecar.ts";
import { probeConcurrent } from "./stream_probe.ts";
import { startMockProcess, type Target } from "./target.ts";
import { BODY } from "./settings.ts";

const repoRoot = new URL("..", import.meta.url).pathname;

interface Options {
  rounds: number;
  streams: number;
  chunks: number;
  delayMs: number;
  trees: Record<string, string>;
}

function parseOptions(args: string[]): Options {
  const o: Options = {
    rounds: 3,
    streams: 1000,
    chunks: 30,
    delayMs: 100,
    trees: { sidecar: repoRoot },
  };
  for (const a of args) {
    const m = /^--([\w-]+)=(.+)$/.exec(a);
    if (!m) throw new Error(`Unknown argument ${a}`);
    const [, name, value] = m as unknown as [string, string, string];
    if (name === "checkout") {
      const eq = value.indexOf("=");
      if (eq < 1) throw new Error("--checkout takes NAME=DIR");
      o.trees[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (name === "rounds") o.rounds = Number(value);
    else if (name === "streams") o.streams = Number(value);
    else if (name === "chunks") o.chunks = Number(value);
    else if (name === "delay-ms") o.delayMs = Number(value);
    else throw new Error(`Unknown option --${name}`);
  }
  return o;
}

/** Resident kB of the mapping named `[heap]` (glibc's main malloc arena). */
async function mallocArenaMb(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/smaps`);
  let inHeap = false;
  for (const line of text.split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inHeap = line.endsWith("[heap]");
    else if (inHeap && line.startsWith("Rss:")) return Number(line.split(/\s+/)[1]) / 1024;
  }
  return 0;
}

/** V8's heap after its last collection, from a `--trace-gc` line: used and committed MB. */
function heapOf(line: string): { used: number; committed: number } | null {
  const m = /-> ([\d.]+) \(([\d.]+)\) MB/.exec(line);
  return m ? { used: Number(m[1]), committed: Number(m[2]) } : null;
}

interface Reading {
  tree: string;
  idleMb: number;
  peakMb: number;
  arenaMb: number;
  heapUsedMb: number;
  heapCommittedMb: number;
  ok: number;
}

async function warm(target: Target): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(target.url, {
      method: "POST",
      headers: { ...target.headers, "content-type": "application/json" },
      body: BODY,
    });
    await res.arrayBuffer();
  }
}

async function measure(tree: string, root: string, o: Options): Promise<Reading> {
  const mock = await startMockProcess();
  // The main isolate's collections only: the writer thread's isolate has its own lines.
  let mainIsolate = "";
  let heap = { used: 0, committed: 0 };
  let watching = false;
  const sidecar = await startSidecar(mock.url, "single", {
    root,
    denoFlags: ["--v8-flags=--trace-gc"],
    onLine: (line) => {
      const isolate = /^\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1];
      if (!isolate) return;
      mainIsolate ||= isolate;
      const h = isolate === mainIsolate && watching ? heapOf(line) : null;
      if (h && h.committed >= heap.committed) heap = h;
    },
  });
  try {
    await warm(sidecar);
    watching = true;
    let arena = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        arena = Math.max(arena, await mallocArenaMb(sidecar.pid));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const probe = await probeConcurrent(sidecar, o.streams, o.chunks, o.delayMs);
    sampling = false;
    watching = false;
    await sampler;
    return {
      tree,
      idleMb: probe.idleRssMb,
      peakMb: probe.peakRssMb,
      arenaMb: arena,
      heapUsedMb: heap.used,
      heapCommittedMb: heap.committed,
      ok: probe.ok,
    };
  } finally {
    await sidecar.stop();
    await mock.stop();
  }
}

const o = parseOptions(Deno.args);
const readings: Reading[] = [];
for (let round = 1; round <= o.rounds; round++) {
  for (const [tree, root] of Object.entries(o.trees)) {
    const r = await measure(tree, root, o);
    readings.push(r);
    console.error(
      `round ${round} ${tree}: ${r.ok}/${o.streams} ok, peak ${r.peakMb.toFixed(0)} MB`,
    );
  }
}
console.log(
  `${o.streams} streams × ${o.chunks} chunks ${o.delayMs} ms apart; MB; arena and heap at their largest in the window`,
);
console.log("| tree | round | idle RSS | peak RSS | malloc arena | V8 heap used (committed) |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
const rounds = new Map<string, number>();
for (const r of readings) {
  const n = (rounds.get(r.tree) ?? 0) + 1;
  rounds.set(r.tree, n);
  console.log(
    `| ${r.tree} | ${n} | ${r.idleMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${
      r.arenaMb.toFixed(0)
    } | ${r.heapUsedMb.toFixed(0)} (${r.heapCommittedMb.toFixed(0)}) |`,
  );
}

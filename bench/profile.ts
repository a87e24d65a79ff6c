/**
 * @module Profiles one target's hot path under load: the target runs with
 * V8's perf map (`--perf-basic-prof`), `perf record` samples it while wrk
 * drives non-stream requests, and the flat profile (self time per symbol,
 * JS and native) is written to bench/results/profile-<target>.txt.
 *
 * Run: `deno run -A bench/profile.ts [passthrough|sidecar|sidecar_3x3|<variant>] [--seconds=10]
 * [--connections=32] [--keep]` (`--keep` leaves perf's data file beside the profile).
 * Needs `perf` (Debian: linux-perf) and kernel.perf_event_paranoid ≤ 2 (root is fine).
 */

import { startSidecar } from "./sidecar.ts";
import { VARIANTS } from "./passthrough_variants.ts";
import { startMockProcess, startPassthrough, type Target } from "./target.ts";
import { runWrk } from "./wrk.ts";

const PERF_FLAGS = [
  "--v8-flags=--perf-basic-prof,--interpreted-frames-native-stack",
];

async function start(id: string, mockUrl: string): Promise<Target> {
  if (id === "sidecar" || id === "sidecar_3x3") {
    return await startSidecar(mockUrl, id === "sidecar" ? "single" : "pools", {
      denoFlags: PERF_FLAGS,
    });
  }
  if (id === "passthrough") {
    return await startPassthrough(mockUrl, { denoFlags: PERF_FLAGS });
  }
  if (id in VARIANTS) {
    return await startPassthrough(mockUrl, {
      script: "passthrough_variants.ts",
      args: ["--variant", id],
      id,
      label: id,
      denoFlags: PERF_FLAGS,
    });
  }
  throw new Error(`Cannot profile "${id}"`);
}

async function main(): Promise<void> {
  const id = Deno.args.find((a) => !a.startsWith("--")) ?? "passthrough";
  const flag = (name: string, d: number) =>
    Number(
      Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? d,
    );
  const seconds = flag("seconds", 10);
  const connections = flag("connections", 32);
  const outDir = new URL("results/", import.meta.url).pathname;
  await Deno.mkdir(outDir, { recursive: true });
  const data = `${outDir}perf-${id}.data`;
  const body = JSON.stringify({
    model: "bench",
    messages: [{ role: "user", content: "hi" }],
  });

  const mock = await startMockProcess();
  const target = await start(id, mock.url).catch(async (e) => {
    await mock.stop();
    throw e;
  });
  try {
    // Warm the JIT first so the profile shows the steady state.
    await runWrk({
      url: target.url,
      headers: target.headers,
      body,
      connections,
      durationS: 3,
    });
    const perf = new Deno.Command("perf", {
      args: ["record", "-F", "999", "-g", "-p", String(target.pid), "-o", data],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await new Promise((r) => setTimeout(r, 500));
    const load = await runWrk({
      url: target.url,
      headers: target.headers,
      body,
      connections,
      durationS: seconds,
    });
    perf.kill("SIGINT");
    await perf.output();
    const perfReport = async (sort: string, limit: string) => {
      const out = await new Deno.Command("perf", {
        args: ["report", "-i", data, "--stdio", "--no-children", "-g", "none"]
          .concat(["--percent-limit", limit, "--sort", sort]),
        stdout: "piped",
        stderr: "null",
      }).output();
      return new TextDecoder().decode(out.stdout);
    };
    // Where time goes by binary (kernel, libc, deno native, JIT'd JS), then by symbol, then
    // the JS functions with the time spent in them and below (a lower bound: stacks through
    // Deno's native code, which has no frame pointers, end early).
    const inclusive = await new Deno.Command("perf", {
      args: ["report", "-i", data, "--stdio", "--children", "-g", "none"]
        .concat(["--percent-limit", "1", "--sort", "sym"]),
      stdout: "piped",
      stderr: "null",
    }).output();
    const jsFrames = new TextDecoder().decode(inclusive.stdout).split("\n")
      .filter((l) => l.includes("JS:")).join("\n");
    const text = (await perfReport("dso", "0.5")) + (await perfReport("dso,sym", "0.4")) +
      "\n# JS functions, time in them and below (children, self)\n" + jsFrames + "\n";
    const head = `# ${id}: ${Math.round(load.rps)} req/s at ${connections} connections ` +
      `(p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms) while profiled\n`;
    const file = `${outDir}profile-${id}.txt`;
    await Deno.writeTextFile(file, head + text);
    console.log(
      head +
        text.split("\n").filter((l) => l && !l.startsWith("#")).slice(0, 45)
          .join("\n"),
    );
    console.log(`\nfull profile: ${file}`);
  } finally {
    await target.stop();
    await mock.stop();
    if (!Deno.args.includes("--keep")) await Deno.remove(data).catch(() => {});
    await Deno.remove(`${data}.old`).catch(() => {});
  }
}

if (import.meta.main) await main();

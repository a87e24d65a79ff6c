/**
 * @module `deno task bench`: Sidecar against its floors (the mock itself,
 * nginx, a bare Deno passthrough) and its peer (Portkey's gateway), in one
 * run on this machine.
 *
 * Modes: `--smoke` (a few hundred checked requests per target, no wrk; exits
 * non-zero on any failed request), `--quick` (short runs), default full.
 * Other flags: `--soak` / `--no-soak`, `--clients` / `--no-clients` (the
 * upstream-client study), `--cluster` / `--no-cluster` (3 Sidecars on one
 * Redis against one rate limit; on by default when `sidecar_redis` is
 * measured), `--targets=direct,passthrough,...`,
 * `--out=DIR` (raw JSON; default bench/results), `--no-report` (leave
 * bench/RESULTS.md alone), `--baseline=DIR` (also run Sidecar from another
 * checkout, as `sidecar_baseline`: before and after in one run).
 *
 * Set BENCH_REQUIRE_SIDECAR=1 to make a Sidecar that will not start a
 * failure rather than a "not available" row (a missing redis-server still
 * only skips Redis mode).
 */

import { treeRss } from "./child.ts";
import { measureClusterLimit } from "./cluster_limit.ts";
import { fetchLoad } from "./fetch_load.ts";
import { measureLoad } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { VARIANTS } from "./passthrough_variants.ts";
import { MissingTool } from "./redis_server.ts";
import { updateResultsMd } from "./report.ts";
import { anthropicSummary } from "./report_anthropic.ts";
import { governedSummary } from "./report_governed.ts";
import { redisSummary } from "./report_redis.ts";
import { tailHistogram } from "./report_tail.ts";
import type { RunResults, TargetResult } from "./results.ts";
import {
  BODY,
  CLIENT_LEVELS,
  LABELS,
  MODES,
  parseFlags,
  SOAK_TARGETS,
  STREAM_BODY,
} from "./settings.ts";
import { soak } from "./soak.ts";
import { startTarget } from "./start_target.ts";
import { probeConcurrent, probeGaps, probeTtfb } from "./stream_probe.ts";
import { startMockProcess, startPassthrough, type Target } from "./target.ts";
import { luaScript, wrkAvailable } from "./wrk.ts";

function log(msg: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args);
  const settings = MODES[flags.mode];
  const startedAt = new Date().toISOString();
  const results: RunResults = {
    version: 1,
    mode: flags.mode,
    startedAt,
    finishedAt: "",
    command: `deno task bench ${Deno.args.join(" ")}`.trim(),
    machine: await describeMachine(),
    settings,
    wrkScript: "",
    targets: [],
    clients: [],
  };
  if (flags.mode !== "smoke" && !(await wrkAvailable())) {
    throw new Error("wrk is not installed (Debian: apt-get install wrk); --smoke needs none");
  }

  const running = new Map<string, Target>();
  const stopAll = async () => {
    await Promise.all([...running.values()].map((t) => t.stop().catch(() => {})));
    running.clear();
  };
  log(`mode ${flags.mode}; starting the mock upstream`);
  const mock = await startMockProcess();
  const onSignal = () => {
    log("interrupted; stopping children");
    stopAll().then(() => mock.stop()).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  let smokeFailed = false;
  try {
    // Start and check every target; a target that fails here is "not available".
    for (const id of flags.targets) {
      const row: TargetResult = { id, label: LABELS[id] ?? id, available: false };
      results.targets.push(row);
      let target: Target;
      try {
        log(`starting ${id}`);
        target = await startTarget(id, mock, log, flags.baseline);
      } catch (e) {
        row.reason = errorText(e);
        log(`${id} not available: ${row.reason.split("\n")[0]}`);
        const required = Deno.env.get("BENCH_REQUIRE_SIDECAR") === "1";
        if (id.startsWith("sidecar") && required && !(e instanceof MissingTool)) {
          smokeFailed = true;
        }
        continue;
      }
      row.label = target.label;
      row.command = target.command;
      running.set(id, target);
      const check = flags.mode === "smoke"
        ? settings.smoke
        : { requests: 40, streams: 10, concurrency: 4 };
      row.smoke = await fetchLoad(target, check);
      row.startRssMb = (await treeRss(target.pid)) / 2 ** 20;
      log(
        `${id}: ${row.smoke.ok}/${row.smoke.requests} checked requests succeeded` +
          (row.smoke.failed ? `; first failures: ${row.smoke.failures.join(" | ")}` : ""),
      );
      if (row.smoke.failed > 0) {
        smokeFailed = true;
        row.reason = `${row.smoke.failed} of ${row.smoke.requests} checked requests failed`;
        if (flags.mode !== "smoke") {
          await target.stop();
          running.delete(id);
          continue;
        }
      }
      row.available = row.smoke.failed === 0;
    }
    if (flags.mode === "smoke") await auditKeys(running, results, log);

    if (flags.mode !== "smoke") {
      const live = flags.targets.flatMap((id) => running.get(id) ?? []);
      results.wrkScript = live[0]
        ? luaScript({
          url: live[0].url,
          headers: live[0].headers,
          body: BODY,
          connections: 1,
          durationS: 1,
        })
        : "";
      log(
        `load: ${live.map((t) => t.id).join(", ")} at ${settings.connections.join("/")} conns`,
      );
      const load = await measureLoad(live, mock.pid, settings, settings.connections, log);
      for (const row of results.targets) {
        if (load.has(row.id)) row.load = load.get(row.id);
      }
      // Before the streaming probes, so the key's records are those of the checks and the load.
      await auditKeys(running, results, log);

      for (const t of live.filter((t) => !t.noStreams)) {
        const row = results.targets.find((r) => r.id === t.id)!;
        log(`${t.id}: streaming probes`);
        row.ttfb = await probeTtfb(t, settings.ttfbStreams);
        row.gaps = await probeGaps(
          t,
          settings.gap.streams,
          settings.gap.chunks,
          settings.gap.delayMs,
        );
        const c = settings.concurrent;
        row.concurrent = await probeConcurrent(t, c.count, c.chunks, c.delayMs);
        log(
          `${t.id}: TTFB p50 ${row.ttfb.p50Ms.toFixed(3)} ms; held back ${row.gaps.heldBack}; ` +
            `${row.concurrent.ok}/${c.count} streams, peak RSS ${
              row.concurrent.peakRssMb.toFixed(1)
            } MB`,
        );
      }

      if (flags.cluster) {
        results.cluster = await measureClusterLimit(mock.url, log);
        const c = results.cluster;
        log(
          c.available
            ? `cluster: ${c.reachedUpstream} reached the upstream in ${c.windowS?.toFixed(1)} s`
            : `cluster: not measured: ${(c.reason ?? "").split("\n")[0]}`,
        );
      }

      if (flags.soak) {
        for (const id of SOAK_TARGETS) {
          const row = results.targets.find((r) => r.id === id);
          const old = running.get(id);
          if (!row?.available || !old) continue;
          // A fresh process, so growth is measured from its own warm-up.
          await old.stop();
          running.delete(id);
          let t: Target;
          try {
            t = await startTarget(id, mock, log, flags.baseline);
          } catch (e) {
            log(`${id}: no soak, a fresh process would not start: ${errorText(e)}`);
            continue;
          }
          running.set(id, t);
          // Sidecar gets the whole soak; the passthrough, a control, half of it.
          const durationS = id === "passthrough" ? settings.soakS / 2 : settings.soakS;
          log(`${id}: soak for ${durationS} s`);
          row.soak = await soak(t, {
            durationS,
            warmupS: Math.min(30, durationS / 4),
            connections: settings.soakConnections,
            body: BODY,
            streamBody: STREAM_BODY,
          });
          log(
            `${id}: RSS ${row.soak.baselineMb.toFixed(1)} → ${row.soak.endMb.toFixed(1)} MB`,
          );
        }
      }
      await stopAll();

      if (flags.clients) {
        log("upstream-client study: passthrough variants");
        const variants: Target[] = [];
        try {
          for (const [name, v] of Object.entries(VARIANTS)) {
            const row: TargetResult = {
              id: name,
              label: name,
              about: v.about,
              available: false,
            };
            results.clients.push(row);
            try {
              const t = await startPassthrough(mock.url, {
                script: "passthrough_variants.ts",
                args: ["--variant", name],
                id: name,
                label: name,
              });
              variants.push(t);
              running.set(`client:${name}`, t);
              row.smoke = await fetchLoad(t, {
                requests: 40,
                streams: 10,
                concurrency: 4,
              });
              row.available = row.smoke.failed === 0;
              if (!row.available) row.reason = row.smoke.failures.join(" | ");
            } catch (e) {
              row.reason = errorText(e);
            }
          }
          const ok = variants.filter((t) => results.clients.find((r) => r.id === t.id)?.available);
          const study = { ...settings, warmupS: 1, durationS: Math.min(4, settings.durationS) };
          const load = await measureLoad(ok, mock.pid, study, CLIENT_LEVELS, log);
          for (const row of results.clients) {
            if (load.has(row.id)) row.load = load.get(row.id);
          }
        } finally {
          await stopAll();
        }
      }
    }
  } finally {
    await stopAll();
    await mock.stop();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }

  results.finishedAt = new Date().toISOString();
  await Deno.mkdir(flags.out, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  const file = `${flags.out}/${stamp}-${flags.mode}.json`;
  await Deno.writeTextFile(file, JSON.stringify(results, null, 2) + "\n");
  await Deno.writeTextFile(
    `${flags.out}/latest-${flags.mode}.json`,
    JSON.stringify(results, null, 2) + "\n",
  );
  if (flags.mode !== "smoke") {
    await Deno.writeTextFile(
      `${flags.out}/${stamp}-${flags.mode}-tail.svg`,
      tailHistogram(results),
    );
  }
  log(`raw results: ${file}`);
  if (flags.report) {
    const md = new URL("RESULTS.md", import.meta.url).pathname;
    await updateResultsMd(md, results);
    log(`tables written to ${md}`);
  }
  printSummary(results);
  return flags.mode === "smoke" && smokeFailed ? 1 : 0;
}

/** Reads each audited key (the governed configuration's) into its row. */
async function auditKeys(
  running: Map<string, Target>,
  results: RunResults,
  log: (msg: string) => void,
): Promise<void> {
  for (const [id, t] of running) {
    const row = results.targets.find((r) => r.id === id);
    if (!t.audit || !row) continue;
    row.keyAudit = await t.audit();
    const a = row.keyAudit;
    log(
      `${id}: key spent $${a.spendUsd.toFixed(6)} over ${a.requests} recorded requests ` +
        `(cost $${a.costUsd?.toFixed(6)}, $${a.reservedUsd} reserved); ` +
        `${a.refusal.model}: ${a.refusal.status} ${a.refusal.code}`,
    );
  }
}

function printSummary(r: RunResults): void {
  for (const t of r.targets) {
    if (!t.available) {
      console.log(
        `${t.id.padEnd(14)} not available: ${(t.reason ?? "").split("\n")[0]}`,
      );
      continue;
    }
    const parts = [
      `${t.id.padEnd(14)} checked ${t.smoke?.ok}/${t.smoke?.requests} ok`,
    ];
    for (const level of Object.values(t.load ?? {})) {
      parts.push(
        `c${level.connections}: ${
          Math.round(level.median.rps)
        } req/s p50 ${level.median.p50Ms} p99 ${level.median.p99Ms} p99.9 ${level.median.p999Ms} ms`,
      );
    }
    console.log(parts.join(" | "));
  }
  for (const line of redisSummary(r)) console.log(line);
  for (const line of governedSummary(r)) console.log(line);
  for (const line of anthropicSummary(r)) console.log(line);
}

if (import.meta.main) {
  Deno.exit(await main());
}

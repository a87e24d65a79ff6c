/** @module The tables of RESULTS.md, one function per section. */

import { byId, fmtInt, fmtMs, fmtPct, fmtSigned, level, unavailableRow } from "./report_format.ts";
import type { RunResults } from "./results.ts";

/** Throughput and latency, one table per connection count. */
export function loadTables(r: RunResults): string[] {
  const out: string[] = [];
  const pass = byId(r, "passthrough");
  for (const c of r.settings.connections) {
    out.push(
      `#### ${c} connection${c === 1 ? "" : "s"}`,
      "",
      "| configuration | req/s | p50 ms | p99 ms | CPU µs/request | busiest thread µs/request | busiest thread, % of a core | failed | req/s vs bare Deno | other CPU on the machine |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const t of r.targets) {
      const l = level(t, c);
      if (!t.available || !l) {
        out.push(unavailableRow(t, 10));
        continue;
      }
      const base = level(pass, c)?.median.rps;
      const m = l.median;
      out.push(
        `| ${t.label} | ${fmtInt(m.rps)} | ${fmtMs(m.p50Ms)} | ${fmtMs(m.p99Ms)} | ${
          fmtInt(m.cpuUsPerRequest)
        } | ${fmtInt(m.busiestThreadUsPerRequest)} | ${
          fmtPct(m.busiestThreadPct)
        } | ${l.failed} | ${base ? fmtPct((100 * l.median.rps) / base) : "–"} | ${
          fmtPct(l.median.foreignCpuPct)
        } |`,
      );
    }
    out.push("");
  }
  return out;
}

/** Latency added over direct and over nginx, at one connection. */
export function addedLatencyTable(r: RunResults): string[] {
  const direct = level(byId(r, "direct"), 1);
  const nginx = level(byId(r, "nginx"), 1);
  const out = [
    "| configuration | p50 ms | mean ms | p50 added over direct | mean added over direct | p50 added over nginx |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const t of r.targets) {
    const l = level(t, 1);
    if (!t.available || !l) {
      out.push(unavailableRow(t, 6));
      continue;
    }
    out.push(
      `| ${t.label} | ${fmtMs(l.median.p50Ms)} | ${fmtMs(l.median.meanMs)} | ${
        direct ? fmtSigned(l.median.p50Ms - direct.median.p50Ms) : "–"
      } | ${direct ? fmtSigned(l.median.meanMs - direct.median.meanMs) : "–"} | ${
        nginx ? fmtSigned(l.median.p50Ms - nginx.median.p50Ms) : "–"
      } |`,
    );
  }
  return out;
}

/** Time to first byte, chunk timing and memory under concurrent streams. */
export function streamingTable(r: RunResults): string[] {
  const direct = byId(r, "direct")?.ttfb;
  const s = r.settings;
  const out = [
    `TTFB: ${s.ttfbStreams} sequential streams on one keep-alive connection. Gaps: ${s.gap.streams} ` +
    `streams of ${s.gap.chunks} chunks ${s.gap.delayMs} ms apart; a chunk is "held back" when it ` +
    `arrives more than half a gap later than the stream's median transit. Memory: ` +
    `${
      fmtInt(s.concurrent.count)
    } streams of ${s.concurrent.chunks} chunks ${s.concurrent.delayMs} ms ` +
    `apart, all open at once; peak RSS of the target (with child processes) from the kernel's high-water mark, reset before the streams open.`,
    "",
    "| configuration | TTFB p50 ms | TTFB p99 ms | added TTFB (p50) | chunk transit p50 ms | max gap deviation ms | chunks held back | concurrent streams ok | RSS idle → peak MB |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const t of r.targets) {
    if (!t.available || !t.ttfb) {
      // A configuration measured without streams (on the mock's Messages API) has no row.
      if (t.available) continue;
      out.push(unavailableRow(t, 9));
      continue;
    }
    const g = t.gaps;
    const c = t.concurrent;
    out.push(
      `| ${t.label} | ${fmtMs(t.ttfb.p50Ms)} | ${fmtMs(t.ttfb.p99Ms)} | ${
        direct ? fmtSigned(t.ttfb.p50Ms - direct.p50Ms) : "–"
      } | ${fmtMs(g?.transitP50Ms)} | ${fmtMs(g?.gapDeviationMaxMs)} | ${g?.heldBack ?? "–"} | ${
        c ? `${fmtInt(c.ok)}/${fmtInt(c.streams)}` : "–"
      } | ${c ? `${c.idleRssMb.toFixed(0)} → ${c.peakRssMb.toFixed(0)}` : "–"} |`,
    );
  }
  return out;
}

/** RSS over the sustained run. */
export function soakTable(r: RunResults): string[] {
  const rows = r.targets.filter((t) => t.soak);
  if (rows.length === 0) return ["Not run (`--soak`, part of the full run)."];
  const out = [
    "| configuration | duration | connections | req/s | failed | RSS after warm-up MB | RSS at end MB | growth | largest swing |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const t of rows) {
    const s = t.soak!;
    const e = s.wrk.errors;
    out.push(
      `| ${t.label} | ${s.durationS} s (warm-up ${s.warmupS} s) | ${s.connections} | ${
        fmtInt(s.wrk.rps)
      } | ${e.connect + e.read + e.write + e.status + e.timeout} | ${s.baselineMb.toFixed(1)} | ${
        s.endMb.toFixed(1)
      } | ${fmtSigned(s.growthPct).replace(/(\d)$/, "$1%")} | ${fmtPct(s.maxDeviationPct, 1)} |`,
    );
  }
  return out;
}

/** The upstream-client study. */
export function clientsTable(r: RunResults): string[] {
  if (r.clients.length === 0) {
    return ["Not run (`--clients`, part of the full run)."];
  }
  const base = r.clients.find((c) => c.id === "fetch");
  const out = [
    "Best of the runs for each figure (noise from other work on the machine only slows a run down); " +
    "medians are in the raw results.",
    "",
    "| variant | what it isolates | 1 conn req/s | 1 conn p50 ms | 32 conns req/s | 32 conns p99 ms | CPU µs/request (32) | req/s vs `fetch` (32) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const c of r.clients) {
    if (!c.available || !c.load) {
      out.push(
        `| ${c.id} | ${c.about ?? ""} | not available: ${
          (c.reason ?? "").split("\n")[0]
        } | | | | | |`,
      );
      continue;
    }
    const one = c.load["1"]?.best;
    const many = c.load["32"]?.best;
    const b = base?.load?.["32"]?.best.rps;
    out.push(
      `| ${c.id} | ${c.about ?? ""} | ${fmtInt(one?.rps)} | ${fmtMs(one?.p50Ms)} | ${
        fmtInt(many?.rps)
      } | ${fmtMs(many?.p99Ms)} | ${fmtInt(many?.cpuUsPerRequest)} | ${
        b && many ? fmtPct((100 * many.rps) / b) : "–"
      } |`,
    );
  }
  return out;
}

/** Makes a recorded command line readable: relative paths, `deno`, `$TMP` for temp dirs. */
export function tidyCommand(command: string, r: RunResults): string {
  const root = new URL("..", import.meta.url).pathname;
  return command
    .replaceAll(r.machine.denoPath ?? "\0", "deno")
    .replaceAll(root, "")
    .replace(/\/tmp\/sidecar-bench-[\w-]+/g, "$TMP")
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, "http://127.0.0.1:<mock port>")
    .replace(/redis:\/\/127\.0\.0\.1:\d+/g, "redis://127.0.0.1:<redis port>")
    .replace(/--port \d+ --bind/g, "--port <redis port> --bind")
    .replace(/SIDECAR_ADMIN_TOKEN=\S+/, "SIDECAR_ADMIN_TOKEN=<token>");
}

/** The exact commands of the run and of every configuration. */
export function commandsSection(r: RunResults): string[] {
  const out = [
    "```sh",
    `${r.command}`,
    "# every load run (one per configuration, connection count and round):",
    `wrk -t1 -c<N> -d${r.settings.durationS}s --timeout 5s -s post.lua <configuration URL>/v1/chat/completions`,
    "```",
    "",
    "Configurations as started:",
    "",
  ];
  for (const t of r.targets) {
    if (t.command) out.push(`- ${t.label}: \`${tidyCommand(t.command, r)}\``);
  }
  if (r.wrkScript) {
    out.push(
      "",
      "`post.lua` (headers differ per configuration):",
      "",
      "```lua",
      // A Sidecar that could not make a client key is driven with its (random, per-run) admin token.
      r.wrkScript.trim().replace(/Bearer bench-admin-[\w-]+/g, "Bearer <admin token>"),
      "```",
    );
  }
  return out;
}

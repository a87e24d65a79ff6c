/**
 * @module The targets, checked against a run's figures (ratios
 * between configurations measured in the same run), and the headline.
 */

import { byId, fmtInt, fmtMs, fmtPct, fmtSigned, level } from "./report_format.ts";
import { redisHeadline } from "./report_redis.ts";
import { P99_RATIO_TARGETS, p99Ratio } from "./report_tail.ts";
import type { RunResults, TargetResult } from "./results.ts";

/** Configurations whose figures the targets are checked for. */
const SIDECARS = ["sidecar", "sidecar_3x3"];

interface Check {
  what: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

function checksFor(r: RunResults, id: string): Check[] {
  const sc = byId(r, id);
  const pass = byId(r, "passthrough");
  const direct = byId(r, "direct");
  const peer = byId(r, "portkey");
  const checks: Check[] = [];
  const add = (
    what: string,
    goal: string,
    value: number | undefined,
    met: boolean,
    text: string,
  ) =>
    checks.push({
      what,
      goal,
      measured: value === undefined || !Number.isFinite(value) ? "–" : text,
      met: value === undefined || !Number.isFinite(value) ? null : met,
    });
  const sc32 = level(sc, 32)?.median;
  const pass32 = level(pass, 32)?.median;
  const ratio = sc32 && pass32 ? (100 * sc32.rps) / pass32.rps : undefined;
  add(
    "throughput vs bare Deno, 32 conns",
    "≥ 90%",
    ratio,
    (ratio ?? 0) >= 90,
    fmtPct(ratio),
  );
  const p99 = sc32 && pass32 ? sc32.p99Ms - pass32.p99Ms : undefined;
  add(
    "p99 added over bare Deno, 32 conns",
    "≤ 1 ms",
    p99,
    (p99 ?? Infinity) <= 1,
    `${fmtSigned(p99)} ms`,
  );
  for (const c of [1, 32]) {
    const ratio99 = p99Ratio(r, id, c);
    const goal = P99_RATIO_TARGETS[c]!;
    add(
      `p99 vs bare Deno, ${c} conn${c === 1 ? "" : "s"}`,
      `≤ ${goal}×`,
      ratio99,
      (ratio99 ?? Infinity) <= goal,
      `${ratio99?.toFixed(2)}× (${fmtMs(level(sc, c)?.median.p99Ms)} vs ${
        fmtMs(level(pass, c)?.median.p99Ms)
      } ms)`,
    );
  }
  const sc50 = level(sc, 50)?.median;
  const peer50 = level(peer, 50)?.median;
  const times = sc50 && peer50 ? sc50.rps / peer50.rps : undefined;
  add(
    "throughput vs Portkey, 50 conns",
    "≥ 5×, lower p99",
    times,
    (times ?? 0) >= 5 && !!sc50 && !!peer50 && sc50.p99Ms < peer50.p99Ms,
    `${times?.toFixed(1)}×, p99 ${fmtMs(sc50?.p99Ms)} vs ${fmtMs(peer50?.p99Ms)} ms`,
  );
  const sc1 = level(sc, 1)?.median;
  const d1 = level(direct, 1)?.median;
  const added = sc1 && d1 ? sc1.p50Ms - d1.p50Ms : undefined;
  add(
    "added latency over direct, 1 conn (p50)",
    "≤ 0.25 ms",
    added,
    (added ?? Infinity) <= 0.25,
    `${fmtSigned(added)} ms`,
  );
  const ttfb = sc?.ttfb && direct?.ttfb ? sc.ttfb.p50Ms - direct.ttfb.p50Ms : undefined;
  add(
    "added time to first byte (p50)",
    "≤ 1 ms",
    ttfb,
    (ttfb ?? Infinity) <= 1,
    `${fmtSigned(ttfb)} ms`,
  );
  const held = sc?.gaps?.heldBack;
  add("chunks held back", "none", held, held === 0, `${held}`);
  const c = sc?.concurrent;
  const peak = c ? c.peakRssMb : undefined;
  add(
    `${fmtInt(c?.streams ?? 1000)} concurrent streams`,
    "all served, < 300 MB RSS",
    peak,
    !!c && c.failed === 0 && c.peakRssMb < 300,
    c ? `${fmtInt(c.ok)} ok, peak ${c.peakRssMb.toFixed(0)} MB` : "–",
  );
  const soak = sc?.soak;
  if (soak || id === "sidecar") {
    add(
      "RSS over a sustained run",
      "flat ±5% after warm-up",
      soak?.growthPct,
      !!soak && Math.abs(soak.growthPct) <= 5,
      `${fmtSigned(soak?.growthPct).replace(/(\d)$/, "$1%")} over ${soak?.durationS} s`,
    );
  }
  return checks;
}

/** The targets table for each Sidecar configuration, or "pending" when it was not measured. */
export function checksTable(r: RunResults): string[] {
  const out: string[] = [];
  for (const id of SIDECARS) {
    const row = r.targets.find((t) => t.id === id);
    if (!row) continue;
    out.push(`**${row.label}**`, "");
    if (!row.available) {
      out.push(
        `Pending: not available in this run (${(row.reason ?? "").split("\n")[0]}).`,
        "",
      );
      continue;
    }
    out.push(
      "| target | goal | measured | met |",
      "| --- | --- | --- | :---: |",
    );
    for (const c of checksFor(r, id)) {
      out.push(
        `| ${c.what} | ${c.goal} | ${c.measured} | ${
          c.met === null ? "–" : c.met ? "yes" : "**no**"
        } |`,
      );
    }
    out.push("");
  }
  if (out.length === 0) out.push("No Sidecar configuration in this run.", "");
  return out;
}

/**
 * This tree's Sidecar against the `--baseline` checkout's, level by level:
 * the same run, so the ratio is the change's cost (or gain) and not the VM's
 * drift between runs. Empty when no baseline ran.
 */
export function baselineTable(r: RunResults): string[] {
  const now = byId(r, "sidecar");
  const before = byId(r, "sidecar_baseline");
  if (!now || !before) return [];
  const out = [
    `This tree against ${before.label.replace(/^Sidecar, 1 backend, /, "the ")}, same run:`,
    "",
    "| connections | req/s before | req/s after | after / before | p50 before → after | p99 before → after |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const c of Object.keys(now.load ?? {}).map(Number).sort((a, b) => a - b)) {
    const a = level(before, c)?.median;
    const b = level(now, c)?.median;
    if (!a || !b) continue;
    out.push(
      `| ${c} | ${fmtInt(a.rps)} | ${fmtInt(b.rps)} | ${fmtPct((100 * b.rps) / a.rps)} | ` +
        `${fmtMs(a.p50Ms)} → ${fmtMs(b.p50Ms)} ms | ${fmtMs(a.p99Ms)} → ${fmtMs(b.p99Ms)} ms |`,
    );
  }
  out.push("");
  return out;
}

/** One sentence of headline figures, for the README. */
export function headline(r: RunResults): string {
  const sc = byId(r, "sidecar");
  const pass = byId(r, "passthrough");
  const nginx = byId(r, "nginx");
  const peer = byId(r, "portkey");
  const direct = byId(r, "direct");
  const parts: string[] = [];
  const add = (label: string, t: TargetResult | undefined) => {
    const l32 = level(t, 32)?.median;
    const l1 = level(t, 1)?.median;
    const d1 = level(direct, 1)?.median;
    if (!t || !l32) return;
    parts.push(
      `${label} ${fmtInt(l32.rps)} req/s at 32 connections (p99 ${fmtMs(l32.p99Ms)} ms)` +
        (l1 && d1 ? `, ${fmtSigned(l1.p50Ms - d1.p50Ms)} ms p50 over direct at 1 connection` : ""),
    );
  };
  add("Sidecar", sc);
  const redis = redisHeadline(r);
  if (redis) parts.push(redis);
  add("bare Deno passthrough", pass);
  add("nginx", nginx);
  add("Portkey", peer);
  if (!sc) parts.unshift("Sidecar: pending (not available in this run)");
  return parts.join("; ") + ".";
}

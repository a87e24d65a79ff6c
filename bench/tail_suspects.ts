/**
 * @module Sidecar's `serve` with suspects of its latency tail switched off,
 * for the tail study (tail_study.ts) only: `BENCH_TAIL_OFF` lists what to
 * switch off, comma-separated:
 *
 * - `writer`: request records are dropped instead of handed to the writer
 *   thread (no batch JSON, no postMessage, no SQLite on the other core);
 * - `deadlines`: the proxy's timeouts are never armed (no 10 ms sweep);
 * - `metrics`: counters and the latency histogram are not updated.
 *
 * Logging needs no switch: `SIDECAR_LOG_LEVEL` (the bench runs at warn,
 * where the per-request line is a no-op; the default is info). Nothing here
 * is part of Sidecar: the switches patch its classes from outside, before
 * it starts.
 *
 * Run: `BENCH_TAIL_OFF=writer deno run -A bench/tail_suspects.ts serve …`
 */

import { resolveSettings } from "../src/cli/settings.ts";
import { serve } from "../src/cli/serve.ts";
import { createLogger } from "../src/log.ts";
import { Metrics } from "../src/metrics.ts";
import { type Deadline, Deadlines } from "../src/proxy/deadlines.ts";
import { RequestWriter } from "../src/store/request_writer.ts";

/** The suspects that can be switched off. */
export const SUSPECTS = ["writer", "deadlines", "metrics"] as const;
export type Suspect = typeof SUSPECTS[number];

/** Parses `BENCH_TAIL_OFF`; throws on a name it does not know. */
export function parseSuspects(text: string | undefined): Suspect[] {
  const names = (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(SUSPECTS as readonly string[]).includes(n));
  if (bad.length) throw new Error(`Unknown suspect(s) in BENCH_TAIL_OFF: ${bad.join(", ")}`);
  return names as Suspect[];
}

function switchOff(suspect: Suspect): void {
  switch (suspect) {
    case "writer":
      RequestWriter.prototype.add = function () {};
      return;
    case "deadlines":
      Deadlines.prototype.after = function (_ms: number, fire: () => void): Deadline {
        return { at: Infinity, fire };
      };
      Deadlines.prototype.cancel = function () {};
      return;
    case "metrics":
      Metrics.prototype.inc = function () {};
      Metrics.prototype.observeLatency = function () {};
      return;
  }
}

if (import.meta.main) {
  for (const s of parseSuspects(Deno.env.get("BENCH_TAIL_OFF"))) switchOff(s);
  const settings = resolveSettings(Deno.args, (name) => Deno.env.get(name));
  if (settings.command !== "serve") throw new Error("tail_suspects.ts runs `serve` only");
  await serve(settings, createLogger(settings.logLevel));
  Deno.exit(0);
}

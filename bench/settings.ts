/** @module What a benchmark run measures: modes, configurations, request bodies, flags. */

import type { ModeSettings, RunResults } from "./results.ts";
import { streamModel } from "./sse_client.ts";

/** `--smoke`, `--quick` or the full run. */
export type Mode = RunResults["mode"];

const SMOKE = { requests: 200, streams: 50, concurrency: 8 };

/** Durations per mode; a full run stays around 15 minutes on 2 cores. */
export const MODES: Record<Mode, ModeSettings> = {
  smoke: {
    warmupS: 0,
    runs: 0,
    durationS: 0,
    connections: [],
    ttfbStreams: 0,
    gap: { streams: 0, chunks: 0, delayMs: 0 },
    concurrent: { count: 0, chunks: 0, delayMs: 0 },
    soakS: 0,
    soakConnections: 0,
    clients: false,
    smoke: SMOKE,
  },
  quick: {
    warmupS: 1,
    runs: 3,
    durationS: 3,
    connections: [1, 32, 50],
    ttfbStreams: 100,
    gap: { streams: 3, chunks: 20, delayMs: 50 },
    concurrent: { count: 1000, chunks: 20, delayMs: 100 },
    soakS: 30,
    soakConnections: 32,
    clients: false,
    smoke: SMOKE,
  },
  full: {
    warmupS: 3,
    runs: 3,
    durationS: 6,
    connections: [1, 32, 50],
    ttfbStreams: 300,
    gap: { streams: 5, chunks: 20, delayMs: 50 },
    concurrent: { count: 1000, chunks: 30, delayMs: 100 },
    soakS: 120,
    soakConnections: 32,
    clients: true,
    smoke: SMOKE,
  },
};

/**
 * Redis mode against in process: `sidecar_redis` is `sidecar` (same
 * backend, same `rpm_limit`, same client key, same body) with
 * `SIDECAR_REDIS_URL` set, on a redis-server the bench starts.
 */
export const REDIS_PAIR = { inProcess: "sidecar", redis: "sidecar_redis" } as const;

/**
 * A governed key against an ungoverned one: `sidecar_governed` is `sidecar`
 * with its client key made with a policy (a models allowlist, an rpm_limit
 * and a monthly budget, none of which binds) and the bench model priced, so
 * every request is admitted, reserved and settled at a real cost.
 */
export const GOVERNED_PAIR = { ungoverned: "sidecar", governed: "sidecar_governed" } as const;

/**
 * The Anthropic configurations against `sidecar`: the same Sidecar and key,
 * its one backend `api: "anthropic"` on the mock's Messages API.
 * `sidecar_messages` is sent Messages requests (passed through);
 * `sidecar_translated` chat completions (translated both ways).
 */
export const ANTHROPIC_SET = {
  openai: "sidecar",
  messages: "sidecar_messages",
  translated: "sidecar_translated",
} as const;

/** Every configuration, in table order. */
export const ALL_TARGETS = [
  "direct",
  "nginx",
  "passthrough",
  "sidecar",
  REDIS_PAIR.redis,
  GOVERNED_PAIR.governed,
  ANTHROPIC_SET.messages,
  ANTHROPIC_SET.translated,
  "sidecar_3x3",
  "portkey",
];
/** Sidecar from the `--baseline` checkout. */
export const BASELINE_TARGET = "sidecar_baseline";
/** The smoke mode's configurations: none needs wrk, nginx or Portkey (Redis mode: redis-server). */
export const SMOKE_TARGETS = [
  "direct",
  "passthrough",
  "sidecar",
  REDIS_PAIR.redis,
  GOVERNED_PAIR.governed,
  ANTHROPIC_SET.messages,
  ANTHROPIC_SET.translated,
  "sidecar_3x3",
];
/** Soaked configurations: Sidecar, and the bare passthrough as the control. */
export const SOAK_TARGETS = ["sidecar", "passthrough"];
/** Connection counts of the upstream-client study. */
export const CLIENT_LEVELS = [1, 32];

/** Table names of the configurations. */
export const LABELS: Record<string, string> = {
  direct: "direct to mock",
  nginx: "nginx (1 worker, keepalive, no buffering)",
  passthrough: "bare Deno fetch passthrough",
  sidecar: "Sidecar, 1 backend",
  sidecar_3x3: "Sidecar, 3 pools × 3 backends",
  sidecar_baseline: "Sidecar, 1 backend, baseline tree",
  sidecar_redis: "Sidecar, 1 backend, Redis mode",
  sidecar_governed: "Sidecar, 1 backend, governed key",
  sidecar_messages: "Sidecar, Messages to an anthropic backend",
  sidecar_translated: "Sidecar, chat completions to an anthropic backend",
  portkey: "Portkey gateway (Node)",
};

/** The non-stream request every load run sends. */
export const BODY = JSON.stringify({
  model: "bench",
  messages: [{ role: "user", content: "Say hello." }],
  max_tokens: 16,
});

/** `BODY` as a Messages request: what `sidecar_messages`'s load runs send. */
export const MESSAGES_BODY = JSON.stringify({
  model: "bench",
  max_tokens: 16,
  messages: [{ role: "user", content: "Say hello." }],
});

/** The short stream the soak mixes in. */
export const STREAM_BODY = JSON.stringify({
  model: streamModel(5, 0),
  messages: [{ role: "user", content: "Say hello." }],
  stream: true,
});

/** Parsed command-line flags of `deno task bench`. */
export interface Flags {
  mode: Mode;
  soak: boolean;
  clients: boolean;
  targets: string[];
  out: string;
  report: boolean;
  /**
   * The cluster rate-limit measurement (3 Sidecars on one Redis): on by
   * default in quick and full runs that measure Redis mode.
   */
  cluster: boolean;
  /**
   * Another checkout of Sidecar (e.g. `git worktree add /tmp/base HEAD~3`)
   * measured as `sidecar_baseline` beside this tree's, so a change's
   * before and after come from the same run.
   */
  baseline?: string;
}

const KNOWN =
  /^--(smoke|quick|full|soak|no-soak|clients|no-clients|cluster|no-cluster|no-report|targets=.*|out=.*|baseline=.+)$/;

/** Parses `deno task bench` flags; throws on an unknown flag or target. */
export function parseFlags(args: string[]): Flags {
  const has = (f: string) => args.includes(f);
  const value = (f: string) => args.find((a) => a.startsWith(`${f}=`))?.slice(f.length + 1);
  const mode: Mode = has("--smoke") ? "smoke" : has("--quick") ? "quick" : "full";
  const unknown = args.filter((a) => !KNOWN.test(a));
  if (unknown.length) {
    throw new Error(`Unknown flag(s): ${unknown.map((a) => `"${a}"`).join(", ")}`);
  }
  const baseline = value("--baseline");
  const targets = value("--targets")?.split(",").map((s) => s.trim()).filter(Boolean) ??
    (mode === "smoke" ? SMOKE_TARGETS : ALL_TARGETS);
  if (baseline && !targets.includes(BASELINE_TARGET)) {
    // Right after this tree's Sidecar, so the two sit side by side in every table.
    const at = targets.indexOf("sidecar");
    targets.splice(at < 0 ? targets.length : at + 1, 0, BASELINE_TARGET);
  }
  const known = baseline ? [...ALL_TARGETS, BASELINE_TARGET] : ALL_TARGETS;
  const bad = targets.filter((t) => !known.includes(t));
  if (bad.length) throw new Error(`Unknown target(s): ${bad.map((t) => `"${t}"`).join(", ")}`);
  return {
    mode,
    soak: mode !== "smoke" && (has("--soak") || (mode === "full" && !has("--no-soak"))),
    clients: mode !== "smoke" &&
      (has("--clients") || (MODES[mode].clients && !has("--no-clients"))),
    targets,
    out: value("--out") ?? new URL("results", import.meta.url).pathname,
    report: mode !== "smoke" && !has("--no-report"),
    cluster: mode !== "smoke" &&
      (has("--cluster") || (targets.includes(REDIS_PAIR.redis) && !has("--no-cluster"))),
    ...(baseline !== undefined && { baseline }),
  };
}

/**
 * @module The cluster's rate limit, measured: several Sidecars in Redis mode
 * on one redis-server, each with the same backend (same id, so the same
 * bucket in Redis) and a low `rpm_limit`, driven well past it for a bounded
 * time. What reached the upstream (the mock's own count) is compared with
 * what one bucket lets through: its capacity (it starts full) plus its rate
 * times the window. Replicas that each held the whole limit would let
 * through that many times the replica count.
 */

import { SERVED_PATH } from "./mock_upstream.ts";
import { startRedisServer } from "./redis_server.ts";
import { BODY } from "./settings.ts";
import { startSidecar } from "./sidecar.ts";
import type { Target } from "./target.ts";

/** How the cluster measurement runs; about 20 s in all, start-up included. */
export interface ClusterSettings {
  replicas: number;
  /** The backend's `rpm_limit` on every replica: the cluster's limit. */
  rpmLimit: number;
  /** How long the replicas are driven. */
  durationS: number;
  /** Request loops per replica. */
  concurrency: number;
  /** Pause between a loop's requests, so the offered load stays bounded (~200/s per loop). */
  pauseMs: number;
}

/** 600 rpm for 10 s: 700 let through by one shared bucket, 2,100 by three separate ones. */
export const CLUSTER: ClusterSettings = {
  replicas: 3,
  rpmLimit: 600,
  durationS: 10,
  concurrency: 2,
  pauseMs: 5,
};

/** What the cluster measurement saw. */
export interface ClusterLimitResult {
  settings: ClusterSettings;
  available: boolean;
  /** Why it could not run. */
  reason?: string;
  /** The window measured, from the first request sent to the last answer, s. */
  windowS?: number;
  /** Chat completions the upstream served in the window. */
  reachedUpstream?: number;
  /** Answered 200 per replica, as the clients saw it. */
  okPerReplica?: number[];
  /** Refused by Sidecar for the limit (429 or 503). */
  refused?: number;
  /** Anything else: network errors, other statuses. */
  errors?: number;
}

/** What one token bucket of `rpmLimit` lets through in `windowS` when it starts full. */
export function allowedByLimit(rpmLimit: number, windowS: number): number {
  return rpmLimit + (rpmLimit / 60) * windowS;
}

async function servedByMock(mockUrl: string): Promise<number> {
  const res = await fetch(mockUrl + SERVED_PATH, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { served: number }).served;
}

interface Tally {
  ok: number;
  refused: number;
  errors: number;
}

/** Sends requests to `t` from `concurrency` loops until `deadline` (performance.now()). */
async function drive(t: Target, s: ClusterSettings, deadline: number): Promise<Tally> {
  const tally: Tally = { ok: 0, refused: 0, errors: 0 };
  const loop = async () => {
    while (performance.now() < deadline) {
      try {
        const res = await fetch(t.url, {
          method: "POST",
          headers: { ...t.headers, "content-type": "application/json" },
          body: BODY,
          signal: AbortSignal.timeout(5000),
        });
        await res.body?.cancel();
        if (res.status === 200) tally.ok++;
        else if (res.status === 429 || res.status === 503) tally.refused++;
        else tally.errors++;
      } catch {
        tally.errors++;
      }
      await new Promise((r) => setTimeout(r, s.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, loop));
  return tally;
}

/** Runs the measurement; a part that will not start makes it "not available", never a crash. */
export async function measureClusterLimit(
  mockUrl: string,
  log: (msg: string) => void,
  s: ClusterSettings = CLUSTER,
): Promise<ClusterLimitResult> {
  const replicas: Target[] = [];
  let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  try {
    redis = await startRedisServer();
    const url = redis.url;
    const started = await Promise.allSettled(
      Array.from(
        { length: s.replicas },
        () => startSidecar(mockUrl, "single", { redisUrl: url, rpmLimit: s.rpmLimit }),
      ),
    );
    for (const p of started) if (p.status === "fulfilled") replicas.push(p.value);
    const failed = started.find((p) => p.status === "rejected");
    if (failed) throw failed.reason;
    log(`cluster: ${s.replicas} Sidecars on one Redis, rpm_limit ${s.rpmLimit}, ${s.durationS} s`);
    const before = await servedByMock(mockUrl);
    const t0 = performance.now();
    const tallies = await Promise.all(replicas.map((t) => drive(t, s, t0 + 1000 * s.durationS)));
    const windowS = (performance.now() - t0) / 1000;
    const reachedUpstream = (await servedByMock(mockUrl)) - before;
    return {
      settings: s,
      available: true,
      windowS,
      reachedUpstream,
      okPerReplica: tallies.map((t) => t.ok),
      refused: tallies.reduce((n, t) => n + t.refused, 0),
      errors: tallies.reduce((n, t) => n + t.errors, 0),
    };
  } catch (e) {
    return { settings: s, available: false, reason: e instanceof Error ? e.message : String(e) };
  } finally {
    await Promise.all(replicas.map((t) => t.stop().catch(() => {})));
    await redis?.stop();
  }
}

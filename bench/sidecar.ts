/**
 * @module Sidecar under test, configured through its admin API (docs/api.md)
 * with either one backend or 3 pools × 3 backends, all pointing at
 * the mock, rate limits set out of the way: every backend has an
 * `rpm_limit` (1,000,000) that a run never reaches, so every request still
 * takes a token from its bucket (in Redis mode, from the lease of the
 * cluster's bucket). Options give the client key a policy, add prices, or
 * make the backends `anthropic` ones on the mock's Messages API.
 */

import { spawnChild } from "./child.ts";
import { auditKey } from "./key_audit.ts";
import { MOCK_API_KEY } from "./mock_upstream.ts";
import { CHAT_PATH, type Target } from "./target.ts";

/** How Sidecar's backends are laid out. */
export type SidecarLayout = "single" | "pools";

const repoRoot = new URL("..", import.meta.url).pathname;
const mainTs = `${repoRoot}main.ts`;

/** The commit a checkout is at, for the baseline's label. */
async function describeCheckout(dir: string): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", dir, "log", "-1", "--format=%h"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const rev = new TextDecoder().decode(out.stdout).trim();
    return rev ? `at ${rev}` : dir;
  } catch {
    return dir;
  }
}

/** True when Sidecar's entry point exists in this checkout. */
export async function sidecarPresent(): Promise<boolean> {
  try {
    return (await Deno.stat(mainTs)).isFile;
  } catch {
    return false;
  }
}

interface BackendSpec {
  id: string;
  pool: string;
}

function backends(
  layout: SidecarLayout,
): { pools: { id: string; priority: number }[]; backends: BackendSpec[] } {
  if (layout === "single") {
    return { pools: [], backends: [{ id: "b1", pool: "primary" }] };
  }
  // `primary` (priority 0) exists on a new database; two more pools join it.
  const pools = [{ id: "p2", priority: 10 }, { id: "p3", priority: 20 }];
  const list: BackendSpec[] = [];
  for (const [i, pool] of ["primary", "p2", "p3"].entries()) {
    for (let j = 1; j <= 3; j++) list.push({ id: `b${i * 3 + j}`, pool });
  }
  return { pools, backends: list };
}

async function admin(
  base: string,
  token: string,
  path: string,
  body: unknown,
  method: "POST" | "PUT" | "GET" = "POST",
): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    },
    ...(method !== "GET" && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(
      `${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`,
    );
  }
  return text ? JSON.parse(text) : null;
}

/** Adds `entries` to the price table, keeping the entries it has (a new database's default table). */
async function addPrices(
  base: string,
  token: string,
  entries: Record<string, unknown>[],
): Promise<void> {
  const table = await admin(base, token, "/api/prices", undefined, "GET") as {
    data: Record<string, unknown>[];
  };
  const kept = table.data.map(({ managed: _, ...entry }) => entry);
  await admin(base, token, "/api/prices", { prices: [...kept, ...entries] }, "PUT");
}

/** Options of {@link startSidecar}. */
export interface SidecarOptions {
  /** Extra `deno run` flags (say, V8 flags for profiling). */
  denoFlags?: string[];
  /**
   * The checkout to run (default: this one; the bench's `--baseline` passes
   * another, measured as `sidecar_baseline`).
   */
  root?: string;
  /** `SIDECAR_REDIS_URL`: Redis mode, measured as `sidecar_redis`. */
  redisUrl?: string;
  /** Every backend's `rpm_limit`. @default 1_000_000, never reached by a run */
  rpmLimit?: number;
  /** Environment beside the bench's own (say, SIDECAR_TRACE_PHASES for the tail study). */
  env?: Record<string, string>;
  /** The script run instead of the checkout's `main.ts` (the tail study's suspects switch). */
  entry?: string;
  /** Sees every line Sidecar prints (V8's GC trace, for the tail study). */
  onLine?: (line: string) => void;
  /**
   * The client key's policy (docs/keys.md; `sidecar_governed`): the key must
   * then be made, and the target can audit it. @default none, a key without limits
   */
  keyPolicy?: Record<string, unknown>;
  /** Entries added to the price table (docs/api.md, Prices). */
  prices?: Record<string, unknown>[];
  /**
   * The backends' `api`; `anthropic` points them at the mock's host root,
   * where its Messages API is. @default "openai", at the mock's `/v1`
   */
  backendApi?: "openai" | "anthropic";
}

/** The id and table name of a Sidecar configuration. */
async function identity(
  layout: SidecarLayout,
  o: SidecarOptions,
  checkout: string,
): Promise<{ id: string; label: string }> {
  if (checkout !== repoRoot) {
    return {
      id: "sidecar_baseline",
      label: `Sidecar, 1 backend, baseline tree (${await describeCheckout(checkout)})`,
    };
  }
  if (o.redisUrl !== undefined) {
    return { id: "sidecar_redis", label: "Sidecar, 1 backend, Redis mode" };
  }
  return layout === "single"
    ? { id: "sidecar", label: "Sidecar, 1 backend" }
    : { id: "sidecar_3x3", label: "Sidecar, 3 pools × 3 backends" };
}

/** Starts Sidecar on a free port with a fresh data dir and configures it against the mock. */
export async function startSidecar(
  mockUrl: string,
  layout: SidecarLayout,
  o: SidecarOptions = {},
): Promise<Target> {
  const root = o.root ?? repoRoot;
  const checkout = root.endsWith("/") ? root : `${root}/`;
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-bench-data-" });
  const token = `bench-admin-${crypto.randomUUID()}`;
  const child = await spawnChild({
    name: `sidecar (${layout})`,
    cmd: Deno.execPath(),
    args: [
      "run",
      "-A",
      ...(o.denoFlags ?? []),
      o.entry ?? `${checkout}main.ts`,
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--data-dir",
      dataDir,
    ],
    env: {
      SIDECAR_ADMIN_TOKEN: token,
      SIDECAR_LOG_LEVEL: "warn",
      ...(o.redisUrl !== undefined && { SIDECAR_REDIS_URL: o.redisUrl }),
      ...o.env,
    },
    ...(o.onLine && { onLine: o.onLine }),
    // The project's deno.json (import map) is found from the repo root, never bench/package.json.
    cwd: checkout,
    timeoutMs: 60000,
  }).catch(async (e) => {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    throw e;
  });
  const stop = async () => {
    await child.stop(10000);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  try {
    const base = new URL(child.url).origin;
    const plan = backends(layout);
    for (const pool of plan.pools) {
      await admin(base, token, "/api/pools", {
        id: pool.id,
        name: pool.id,
        priority: pool.priority,
      });
    }
    const anthropic = o.backendApi === "anthropic";
    for (const b of plan.backends) {
      await admin(base, token, "/api/backends", {
        id: b.id,
        name: b.id,
        // `api` only when not the default, so a --baseline checkout from before it still starts.
        ...(anthropic ? { api: "anthropic", base_url: mockUrl } : { base_url: `${mockUrl}/v1` }),
        api_key: MOCK_API_KEY,
        pool_id: b.pool,
        models: ["*"],
        weight: 1,
        rpm_limit: o.rpmLimit ?? 1_000_000,
      });
    }
    if (o.prices) await addPrices(base, token, o.prices);
    // A client key exercises the normal key lookup; the admin token is the fallback,
    // except for a key with a policy, which the admin token would not be held to.
    let clientKey = token;
    let keyId = "";
    try {
      const created = await admin(base, token, "/api/keys", {
        name: "bench",
        ...o.keyPolicy,
      }) as {
        data?: { key?: unknown; id?: unknown };
      };
      if (typeof created?.data?.key === "string") clientKey = created.data.key;
      if (typeof created?.data?.id === "string") keyId = created.data.id;
    } catch (e) {
      if (o.keyPolicy) throw e;
      // Keep the admin token, which the contract accepts as a client key too.
    }
    if (o.keyPolicy && (clientKey === token || !keyId)) {
      throw new Error("POST /api/keys answered no key id and secret for the governed key");
    }
    const redisEnv = o.redisUrl !== undefined ? `SIDECAR_REDIS_URL=${o.redisUrl} ` : "";
    const target: Target = {
      ...(await identity(layout, o, checkout)),
      url: base + CHAT_PATH,
      headers: { authorization: `Bearer ${clientKey}` },
      pid: child.pid,
      command: `${redisEnv}SIDECAR_ADMIN_TOKEN=… SIDECAR_LOG_LEVEL=warn ${child.command}`,
      ...(o.keyPolicy && {
        audit: () => auditKey({ base, adminToken: token, keyId, clientKey }),
      }),
      stop,
    };
    return target;
  } catch (e) {
    await stop();
    throw new Error(
      `${e instanceof Error ? e.message : e}\nSidecar output:\n${child.tail()}`,
    );
  }
}

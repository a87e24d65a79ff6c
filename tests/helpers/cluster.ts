/**
 * @module cluster
 * What the multi-replica tests share: waiting until every replica sees
 * Redis and the others, the hash a config file names a client key by, and
 * driving replicas past a limit with chat requests, counted.
 */
import { SidecarProcess } from "./sidecar_process.ts";
import { until } from "./until.ts";

/** Hex SHA-256 of `text`: a client key's `sha256` in a config file. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Waits until every replica reports Redis up and `replicas` alive, so each lease is sized for all. */
export async function clusterUp(
  sidecars: readonly SidecarProcess[],
  replicas: number,
): Promise<void> {
  for (const s of sidecars) {
    await until("the cluster", async () => {
      const body = await (await fetch(`${s.url}/healthz`)).json();
      return body.shared_state === "up" && body.replicas_alive === replicas;
    });
  }
}

/** What chat requests got: answered, refused for the limit, anything else (status and body). */
export interface Tally {
  ok: number;
  /** Refused by Sidecar for the limit: 429, the expected error code, with a Retry-After. */
  limited: number;
  other: string[];
}

/** An empty tally. */
export function tally(): Tally {
  return { ok: 0, limited: 0, other: [] };
}

/**
 * One chat completion to `base` with `bearer`, counted into `t`; a refusal
 * counts as limited when its code is `limitedCode`. A refused client pauses
 * 50 ms, so the load stays bounded.
 */
export async function chatInto(
  base: string,
  bearer: string,
  limitedCode: string,
  t: Tally,
): Promise<void> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });
  const text = await res.text();
  if (res.status === 200) t.ok++;
  else if (
    res.status === 429 && res.headers.has("retry-after") &&
    JSON.parse(text).error?.code === limitedCode
  ) t.limited++;
  else t.other.push(`${res.status} ${text.slice(0, 200)}`);
  if (res.status !== 200) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Drives every replica from `loops` loops of `send` until `ms` have passed;
 * returns a tally per replica and the window, s.
 */
export async function drive(
  sidecars: readonly SidecarProcess[],
  ms: number,
  loops: number,
  send: (base: string, t: Tally) => Promise<void>,
): Promise<{ tallies: Tally[]; windowS: number }> {
  const tallies = sidecars.map(tally);
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(sidecars.flatMap((s, i) =>
    Array.from({ length: loops }, async () => {
      while (performance.now() < end) await send(s.url, tallies[i]!);
    })
  ));
  return { tallies, windowS: (performance.now() - t0) / 1000 };
}

/** Replicas started on one config file, up and counting each other; disposing kills them and removes their dirs. */
export interface ConfiguredCluster extends AsyncDisposable {
  sidecars: SidecarProcess[];
}

/**
 * Starts `replicas` Sidecars, each with its own data dir, on one config
 * file holding `yaml`, with `env` (Redis among it), and waits until every
 * one sees Redis and the others.
 */
export async function startConfiguredCluster(
  replicas: number,
  yaml: string,
  env: Record<string, string>,
): Promise<ConfiguredCluster> {
  const cfgDir = await Deno.makeTempDir({ prefix: "sidecar-cluster-cfg-" });
  const dirs = await Promise.all(
    Array.from({ length: replicas }, () => Deno.makeTempDir({ prefix: "sidecar-cluster-" })),
  );
  const config = `${cfgDir}/sidecar.yaml`;
  const sidecars: SidecarProcess[] = [];
  const dispose = async () => {
    for (const s of sidecars) await s.kill();
    for (const dir of [...dirs, cfgDir]) await Deno.remove(dir, { recursive: true });
  };
  try {
    await Deno.writeTextFile(config, yaml);
    sidecars.push(
      ...await Promise.all(dirs.map((dir) => SidecarProcess.start(dir, env, ["--config", config]))),
    );
    await clusterUp(sidecars, replicas);
  } catch (err) {
    await dispose();
    throw err;
  }
  return { sidecars, [Symbol.asyncDispose]: dispose };
}

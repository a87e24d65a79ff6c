/**
 * @module cluster
 * What the multi-replica tests share: waiting until every replica sees
 * Redis and the others, and the hash a config file names a client key by.
 */
import type { SidecarProcess } from "./sidecar_process.ts";
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

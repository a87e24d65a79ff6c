/**
 * @module admin_durability_test
 * An acknowledged admin action survives `kill -9`: a cleared cooldown is
 * still cleared after the real process is killed right after answering and
 * started again on the same data dir.
 */
import assert from "node:assert/strict";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { adminCall, sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";

const TRIALS = 10;

/** "cooling" when b1 or any of its models cools (a 429 cools the model), else its status. */
async function statusOf(url: string, token: string): Promise<string | undefined> {
  const status = await adminCall(url, token, "GET", "/api/status");
  const row = (status.json.data as {
    backend_id: string;
    status: string;
    models_cooling: unknown[];
  }[]).find((s) => s.backend_id === "b1");
  return row && row.models_cooling.length > 0 ? "cooling" : row?.status;
}

Deno.test("sidecar serve: a cleared cooldown stays cleared after kill -9 right after the answer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-durable-" });
  const upstream = await startMockUpstream({
    name: "b1",
    default: { kind: "rate_limit", retryAfter: "3600" },
  });
  const token = "sc-admin-e2e-durable";
  const env = sidecarEnv({ SIDECAR_ADMIN_TOKEN: token, SIDECAR_LOG_LEVEL: "error" });
  let server = await SidecarProcess.start(dir, env);
  try {
    const created = await adminCall(server.url, token, "POST", "/api/backends", {
      id: "b1",
      name: "B1",
      base_url: upstream.url,
      models: ["*"],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const lost: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(res.status, 429);
      await res.body?.cancel();
      assert.equal(await statusOf(server.url, token), "cooling");
      // Reading the cooldowns flushes the write-behind queue: the cooldown is on disk.
      await adminCall(server.url, token, "GET", "/api/cooldowns?backend_id=b1");

      const cleared = await adminCall(server.url, token, "POST", "/api/backends/b1/clear-cooldown");
      assert.equal(cleared.status, 200, JSON.stringify(cleared.json));
      await server.kill();

      server = await SidecarProcess.start(dir, env);
      if (await statusOf(server.url, token) !== "active") {
        lost.push(trial);
        // Start the next trial from a cleared backend, whatever this one left.
        await adminCall(server.url, token, "POST", "/api/backends/b1/clear-cooldown");
        await adminCall(server.url, token, "GET", "/api/cooldowns");
      }
    }
    assert.deepEqual(lost, [], `cooldown back after restart in trials ${lost.join(", ")}`);
  } finally {
    await server.kill();
    await upstream.close();
    await Deno.remove(dir, { recursive: true });
  }
});

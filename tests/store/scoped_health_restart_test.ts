/**
 * @module scoped_health_restart_test
 * A model's cooldown survives a restart: it is written behind to SQLite and
 * seeded into the registry at boot, for that model only.
 */
import assert from "node:assert/strict";
import { FakeClock, startTestRuntime } from "../helpers/test_runtime.ts";

Deno.test("boot() after a restart keeps a (backend, model) cooldown for that model only", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-scoped-restart-" });
  try {
    const clock = new FakeClock();
    const t0 = clock.now();
    {
      await using rt = await startTestRuntime({ dataDir, now: clock.now });
      const res = await rt.admin("POST", "/api/backends", {
        id: "b1",
        name: "B1",
        base_url: "http://127.0.0.1:1/v1",
        api_key: "sk-test-restart-0000000000",
        models: ["gpt-4o*"],
      });
      assert.equal(res.status, 201, await res.text());
      rt.deps.registry.report("b1", { kind: "rate_limited", retryAfterMs: 60_000 }, t0, "gpt-4o");
      rt.deps.store.flush();
    }
    clock.advance(10_000);
    await using rt = await startTestRuntime({ dataDir, now: clock.now });
    const { registry } = rt.deps;
    const now = clock.now();
    assert.equal(registry.pick("gpt-4o", now).kind, "none");
    assert.equal(registry.readyAt("gpt-4o", now), t0 + 60_000);
    const other = registry.pick("gpt-4o-mini", now);
    assert.equal(other.kind === "backend" && other.backend.id, "b1");
    assert.equal(other.kind === "backend" && other.probe, false);
    const [row] = registry.status(now);
    assert.equal(row?.status, "active");
    assert.deepEqual(row?.models_cooling, [
      { model: "gpt-4o", cooldown_until: new Date(t0 + 60_000).toISOString(), consecutive_429: 1 },
    ]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

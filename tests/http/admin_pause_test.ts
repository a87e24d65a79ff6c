/**
 * @module admin_pause_test
 * `POST /api/backends/:id/pause` (docs/cooldowns.md, "Pause"): out of
 * rotation with no end, visible in /api/status and the cooldown events,
 * still paused after a restart, back after clear-cooldown.
 */
import assert from "node:assert/strict";
import { FakeClock, startTestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;

async function data<T = Obj>(res: Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return (JSON.parse(text) as { data: T }).data;
}

const BACKEND = {
  id: "b1",
  name: "b1",
  base_url: "http://127.0.0.1:9/v1",
  api_key: "sk-upstream-test-0000000000000000",
  models: ["gpt-4o"],
};

Deno.test("POST /api/backends/:id/pause pauses until clear-cooldown, across a restart", async () => {
  const clock = new FakeClock();
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-pause-" });
  const fetch =
    (() => Promise.reject(new Error("no upstream call expected"))) as typeof globalThis.fetch;
  {
    await using rt = await startTestRuntime({ dataDir, now: clock.now, sleep: clock.sleep, fetch });
    await data(rt.admin("POST", "/api/backends", BACKEND), 201);
    const view = await data<Obj>(rt.admin("POST", "/api/backends/b1/pause"));
    assert.equal(view.status, "cooling");
    assert.equal(view.paused, true);
    assert.equal(view.cooldown_until, null);
    assert.equal((await data<Obj>(rt.admin("GET", "/api/backends/b1"))).paused, true);
    assert.equal((await data<Obj[]>(rt.admin("GET", "/api/backends")))[0]!.paused, true);
    await data(rt.admin("POST", "/api/backends/nope/pause"), 404);

    const [row] = await data<Obj[]>(rt.admin("GET", "/api/status"));
    assert.equal(row!.status, "cooling");
    assert.equal(row!.paused, true);
    const [event] = await data<Obj[]>(rt.admin("GET", "/api/cooldowns"));
    assert.equal(event!.reason, "paused");
    assert.equal(event!.model, null);
    assert.equal(event!.started_at, new Date(clock.ms).toISOString());

    const res = await rt.app.request("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: "Bearer sc-admin-test-token", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    });
    await res.body?.cancel();
    assert.notEqual(res.status, 200);
  }
  clock.advance(3_600_000);
  {
    await using rt = await startTestRuntime({ dataDir, now: clock.now, sleep: clock.sleep, fetch });
    const [row] = await data<Obj[]>(rt.admin("GET", "/api/status"));
    assert.equal(row!.paused, true, "still paused after a restart");
    const view = await data<Obj>(rt.admin("POST", "/api/backends/b1/clear-cooldown"));
    assert.equal(view.status, "active");
    assert.equal(view.paused, false);
    const [after] = await data<Obj[]>(rt.admin("GET", "/api/status"));
    assert.equal(after!.paused, false);
    const [event] = await data<Obj[]>(rt.admin("GET", "/api/cooldowns"));
    assert.equal(event!.ended_at, new Date(clock.ms).toISOString(), "the clear ends the event");
  }
});

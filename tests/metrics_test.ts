/**
 * @module metrics_test
 * The Prometheus text from live status rows: backend gauges, and one series
 * per (backend, upstream model) pair that is cooling; the shared state in Redis mode.
 */
import assert from "node:assert/strict";
import type { StatusRow } from "../src/engine/status_row.ts";
import { Metrics } from "../src/metrics.ts";
import type { ClusterStatus } from "../src/state/shared_state.ts";

function row(id: string, over: Partial<StatusRow> = {}): StatusRow {
  return {
    backend_id: id,
    status: "active",
    paused: false,
    cooldown_until: null,
    consecutive_429: 0,
    failures: 0,
    rpm_tokens_left: null,
    tpm_tokens_left: null,
    in_flight: 0,
    models_cooling: [],
    ...over,
  };
}

Deno.test("Metrics.render() labels pair cooldowns by backend and model", () => {
  const text = new Metrics().render([
    row("a", {
      consecutive_429: 2,
      models_cooling: [
        { model: "gpt-4o", cooldown_until: "2026-11-27T10:00:20.000Z", consecutive_429: 2 },
        { model: 'odd"name', cooldown_until: null, consecutive_429: 1 },
      ],
    }),
    row("b", { status: "cooling", cooldown_until: "2026-11-27T11:00:00.000Z" }),
  ]);
  const lines = text.split("\n");
  const expected = [
    'sidecar_backend_up{backend="a"} 1',
    'sidecar_backend_up{backend="b"} 0',
    'sidecar_backend_consecutive_429{backend="a"} 2',
    'sidecar_model_cooling{backend="a",model="gpt-4o"} 1',
    'sidecar_model_cooling{backend="a",model="odd\\"name"} 1',
    `sidecar_model_cooldown_until_seconds{backend="a",model="gpt-4o"} ${
      Date.UTC(2026, 10, 27, 10, 0, 20) / 1000
    }`,
    'sidecar_model_consecutive_429{backend="a",model="gpt-4o"} 2',
    'sidecar_model_consecutive_429{backend="a",model="odd\\"name"} 1',
  ];
  for (const line of expected) assert.ok(lines.includes(line), `missing: ${line}\n${text}`);
  // A probe in flight has no end to show.
  assert.equal(
    lines.filter((l) => l.startsWith("sidecar_model_cooldown_until_seconds{")).length,
    1,
  );
  assert.ok(!lines.some((l) => l.includes('backend="b",model=')), "b has no cooling model");
});

Deno.test("Metrics.render() with no cooling model gives the gauge types and no series", () => {
  const lines = new Metrics().render([row("a")]).split("\n");
  assert.ok(lines.includes("# TYPE sidecar_model_cooling gauge"));
  assert.equal(lines.filter((l) => l.startsWith("sidecar_model_")).length, 0);
});

Deno.test("Metrics.render() shows the shared state's link and replicas in Redis mode only", () => {
  const render = (status?: ClusterStatus) =>
    new Metrics(status ? { clusterStatus: () => status } : {}).render([]).split("\n");
  for (const lines of [render(), render({ state: "in_process" })]) {
    assert.ok(!lines.some((l) => l.includes("sidecar_shared_state_up")));
    assert.ok(!lines.some((l) => l.includes("sidecar_replicas_alive")));
  }
  const up = render({ state: "up", replicasAlive: 3 });
  assert.ok(up.includes("# TYPE sidecar_shared_state_up gauge"));
  assert.ok(up.includes("sidecar_shared_state_up 1"));
  assert.ok(up.includes("sidecar_replicas_alive 3"));
  const down = render({ state: "down", replicasAlive: 2 });
  assert.ok(down.includes("sidecar_shared_state_up 0"));
  assert.ok(down.includes("sidecar_replicas_alive 2"), "the last count seen");
});

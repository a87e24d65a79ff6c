/**
 * @module proxy_routing_test
 * Routing (docs/routing.md) end to end: pool priority, weighted round-robin,
 * standbys, and admin changes taking effect on the next request.
 */
import assert from "node:assert/strict";
import { chat, ok, type Proxy, startProxy } from "./proxy_harness.ts";

async function served(p: Proxy, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const { response } = await p.client.chat.completions.create(chat()).withResponse();
    out.push(response.headers.get("x-sidecar-backend") ?? "?");
  }
  return out;
}

function counts(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

Deno.test("pools are tried by priority, lowest first; a PATCH reorders them at once", async () => {
  await using p = await startProxy({
    backends: [{ id: "main" }, { id: "spare", pool: "fallback" }],
  });
  assert.deepEqual(await served(p, 3), ["main", "main", "main"]);
  await ok(p.rt.admin("PATCH", "/api/pools/fallback", { priority: -1 }));
  assert.deepEqual(await served(p, 2), ["spare", "spare"]);
  assert.equal(p.mock("spare").requests.length, 2);
});

Deno.test("weights share a pool's traffic by smooth weighted round-robin", async () => {
  await using p = await startProxy({
    backends: [{ id: "big", weight: 3 }, { id: "small", weight: 1 }],
  });
  const ids = await served(p, 8);
  assert.deepEqual(counts(ids), { big: 6, small: 2 });
  // Smooth: the small backend's turns are spread out, never back to back.
  assert.ok(!ids.join(",").includes("small,small"), ids.join(","));
});

Deno.test("a weight-0 standby serves only when the rest of its pool cannot", async () => {
  await using p = await startProxy({
    backends: [{ id: "main" }, { id: "standby", weight: 0 }, { id: "spare", pool: "fallback" }],
  });
  assert.deepEqual(await served(p, 2), ["main", "main"]);
  p.mock("main").script({ kind: "rate_limit" });
  const ids = await served(p, 2);
  assert.deepEqual(ids, ["standby", "standby"]);
  assert.equal(p.mock("spare").requests.length, 0);
});

Deno.test("disabling or editing a backend applies to the next request", async () => {
  await using p = await startProxy({ backends: [{ id: "b1" }, { id: "b2", pool: "fallback" }] });
  assert.deepEqual(await served(p, 1), ["b1"]);
  await ok(p.rt.admin("PATCH", "/api/backends/b1", { enabled: false }));
  assert.deepEqual(await served(p, 1), ["b2"]);
  await ok(p.rt.admin("PATCH", "/api/backends/b1", { enabled: true, models: ["other"] }));
  assert.deepEqual(await served(p, 1), ["b2"]);
  await ok(p.rt.admin("PATCH", "/api/backends/b1", { models: ["gpt-*"], api_key: "sk-rotated" }));
  assert.deepEqual(await served(p, 1), ["b1"]);
  assert.equal(p.mock("b1").requests.at(-1)?.headers.get("authorization"), "Bearer sk-rotated");
  assert.equal(p.rt.deps.registry.get("b1")?.slots.count, 0);
});

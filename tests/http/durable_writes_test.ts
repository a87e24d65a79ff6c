/**
 * @module durable_writes_test
 * Every admin action, through the JSON API and the dashboard, commits the
 * write-behind queue before it answers: a write queued before the action is
 * on disk when the answer arrives.
 */
import assert from "node:assert/strict";
import { startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";
import { signIn } from "./pages_client.ts";

/** Queues a write, runs `act`, and tells whether the write was committed by the answer. */
async function committedBy(rt: TestRuntime, act: () => Promise<Response>): Promise<number> {
  let ran = false;
  rt.deps.store.writes.enqueue(() => void (ran = true));
  const res = await act();
  await res.body?.cancel();
  assert.ok(ran, `queued write committed before the ${res.status} answer`);
  assert.equal(rt.deps.store.writes.pending, 0);
  return res.status;
}

const BACKEND = {
  id: "b1",
  name: "B1",
  base_url: "http://127.0.0.1:9/v1",
  api_key: "sk-durable",
  models: ["m"],
};

Deno.test("admin API: every change commits the write-behind queue before answering", async () => {
  await using rt = await startTestRuntime();
  const steps: [string, string, unknown?][] = [
    ["POST", "/api/pools", { id: "p1", name: "P1" }],
    ["PATCH", "/api/pools/p1", { priority: 7 }],
    ["POST", "/api/backends", BACKEND],
    ["PATCH", "/api/backends/b1", { weight: 3 }],
    ["POST", "/api/backends/b1/clear-cooldown"],
    ["PATCH", "/api/config", { failure_threshold: 4 }],
    ["POST", "/api/keys", { name: "k" }],
    ["DELETE", "/api/backends/b1"],
    ["DELETE", "/api/pools/p1"],
  ];
  for (const [method, path, body] of steps) {
    const status = await committedBy(rt, () => rt.admin(method, path, body));
    assert.ok(status < 300, `${method} ${path}: ${status}`);
  }
  const key = rt.deps.store.keys.list()[0]!.id;
  assert.equal(await committedBy(rt, () => rt.admin("DELETE", `/api/keys/${key}`)), 204);
});

Deno.test("dashboard: every change commits the write-behind queue before answering", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  await (await rt.admin("POST", "/api/backends", BACKEND)).body?.cancel();
  const steps: [string, Record<string, string>][] = [
    ["/backends/b1/clear-cooldown", {}],
    ["/backends/b1/enabled", { enabled: "false" }],
    ["/pools", { id: "p2", name: "P2", priority: "5" }],
    ["/pools/p2/delete", {}],
    ["/keys", { name: "k" }],
    [
      "/settings",
      Object.fromEntries(
        Object.entries(rt.deps.registry.config).map(([k, v]) => [k, String(v)]),
      ),
    ],
    ["/backends/b1/delete", {}],
  ];
  for (const [path, form] of steps) {
    const status = await committedBy(rt, () => client.post(path, form));
    assert.ok(status < 400, `${path}: ${status}`);
  }
});

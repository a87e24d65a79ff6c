/**
 * @module admin_api_resume_test
 * `resume` and `not_resumable_models` through `/api/backends` over a real
 * SQLite file: the default, setting it, refusing bad values with nothing
 * stored, marks listed, cleared by an edit, removed with the backend, and
 * kept across a re-boot on the same data dir.
 */
import assert from "node:assert/strict";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

type Obj = Record<string, unknown>;

function backendBody(over: Obj = {}): Obj {
  return {
    id: "b1",
    name: "B1",
    base_url: "http://127.0.0.1:9/v1",
    models: ["gpt-4o*"],
    ...over,
  };
}

async function json(res: Response | Promise<Response>, status: number): Promise<Obj> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return JSON.parse(text);
}

const backend = async (rt: TestRuntime, id = "b1") =>
  (await json(rt.admin("GET", `/api/backends/${id}`), 200)).data as Obj;

/** Two runtimes one after the other on one data dir, removed at the end. */
async function withDataDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-resume-test-" });
  try {
    await fn(dataDir);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("POST /api/backends defaults resume to off with no not-resumable models", async () => {
  await using rt = await startTestRuntime();
  const b = (await json(rt.admin("POST", "/api/backends", backendBody()), 201)).data as Obj;
  assert.equal(b.resume, "off");
  assert.deepEqual(b.not_resumable_models, []);
  assert.equal(rt.deps.registry.get("b1")?.resume, "off");
  const [listed] = (await json(rt.admin("GET", "/api/backends"), 200)).data as Obj[];
  assert.equal(listed?.resume, "off");
});

Deno.test("POST and PATCH /api/backends set resume; the routing table follows", async () => {
  await using rt = await startTestRuntime();
  const b = (await json(rt.admin("POST", "/api/backends", backendBody({ resume: "prefill" })), 201))
    .data as Obj;
  assert.equal(b.resume, "prefill");
  assert.equal(rt.deps.store.backends.get("b1")?.resume, "prefill");
  assert.equal(rt.deps.registry.get("b1")?.resume, "prefill");
  const patched = (await json(
    rt.admin("PATCH", "/api/backends/b1", { resume: "continue_final_message" }),
    200,
  )).data as Obj;
  assert.equal(patched.resume, "continue_final_message");
  assert.equal(rt.deps.registry.get("b1")?.resume, "continue_final_message");
  // A patch without resume keeps it.
  await json(rt.admin("PATCH", "/api/backends/b1", { weight: 2 }), 200);
  assert.equal((await backend(rt)).resume, "continue_final_message");
});

Deno.test("POST/PATCH /api/backends refuse a bad resume with 400 param resume, storing nothing", async () => {
  await using rt = await startTestRuntime();
  for (const resume of ["on", "", "PREFILL", null, true, 1]) {
    const err = await json(
      rt.admin("POST", "/api/backends", backendBody({ id: "b2", resume })),
      400,
    );
    assert.deepEqual(
      [(err.error as Obj).param, (err.error as Obj).type],
      ["resume", "invalid_request_error"],
    );
    assert.match(String((err.error as Obj).message), /resume/);
  }
  assert.equal(rt.deps.store.backends.get("b2"), undefined);
  await json(rt.admin("POST", "/api/backends", backendBody({ resume: "prefill" })), 201);
  rt.deps.registry.markNotResumable("b1", "gpt-4o", rt.deps.now());
  const before = rt.deps.store.backends.get("b1");
  for (const resume of ["continue", null]) {
    const err = await json(
      rt.admin("PATCH", "/api/backends/b1", { resume, name: "Renamed" }),
      400,
    );
    assert.equal((err.error as Obj).param, "resume");
  }
  assert.deepEqual(rt.deps.store.backends.get("b1"), before);
  assert.deepEqual(
    (await backend(rt)).not_resumable_models,
    ["gpt-4o"],
    "a refused edit keeps marks",
  );
});

Deno.test("not_resumable_models lists marks; any PATCH clears them in the store too", async () => {
  const clock = new FakeClock();
  await using rt = await startTestRuntime({ now: clock.now });
  await json(rt.admin("POST", "/api/backends", backendBody({ resume: "prefill" })), 201);
  await json(rt.admin("POST", "/api/backends", backendBody({ id: "b2", resume: "prefill" })), 201);
  rt.deps.registry.markNotResumable("b1", "gpt-4o", clock.now());
  rt.deps.registry.markNotResumable("b1", "gpt-4o-mini", clock.now());
  rt.deps.registry.markNotResumable("b2", "gpt-4o", clock.now());
  assert.deepEqual((await backend(rt)).not_resumable_models, ["gpt-4o", "gpt-4o-mini"]);
  const live = rt.deps.registry.get("b1")!;
  assert.equal(rt.deps.registry.resumable(live, "gpt-4o"), false);

  await json(rt.admin("PATCH", "/api/backends/b1", { weight: 3 }), 200);
  assert.deepEqual((await backend(rt)).not_resumable_models, []);
  assert.equal(rt.deps.registry.resumable(live, "gpt-4o"), true);
  assert.deepEqual(
    rt.deps.store.resumeMarks.loadAll().map((m) => [m.backendId, m.model]),
    [["b2", "gpt-4o"]],
    "the edit cleared only its own backend's rows",
  );
  assert.deepEqual((await backend(rt, "b2")).not_resumable_models, ["gpt-4o"]);
  // A PATCH that changes nothing is still an edit.
  await json(rt.admin("PATCH", "/api/backends/b2", {}), 200);
  assert.deepEqual((await backend(rt, "b2")).not_resumable_models, []);
});

Deno.test("DELETE /api/backends/:id removes its marks; a backend re-created under the id has none", async () => {
  await using rt = await startTestRuntime();
  await json(rt.admin("POST", "/api/backends", backendBody({ resume: "prefill" })), 201);
  rt.deps.registry.markNotResumable("b1", "gpt-4o", rt.deps.now());
  rt.deps.store.flush();
  assert.equal((await rt.admin("DELETE", "/api/backends/b1")).status, 204);
  assert.deepEqual(rt.deps.store.resumeMarks.loadAll(), []);
  await json(rt.admin("POST", "/api/backends", backendBody({ resume: "prefill" })), 201);
  assert.deepEqual((await backend(rt)).not_resumable_models, []);
  assert.equal(rt.deps.registry.resumable(rt.deps.registry.get("b1")!, "gpt-4o"), true);
});

Deno.test("marks survive a re-boot on the same data dir; a cleared mark stays cleared", async () => {
  await withDataDir(async (dataDir) => {
    const clock = new FakeClock();
    {
      await using rt = await startTestRuntime({ dataDir, now: clock.now });
      await json(rt.admin("POST", "/api/backends", backendBody({ resume: "prefill" })), 201);
      await json(
        rt.admin("POST", "/api/backends", backendBody({ id: "b2", resume: "prefill" })),
        201,
      );
      rt.deps.registry.markNotResumable("b1", "gpt-4o", clock.now());
      // Queued, not yet written, when the edit comes: it must not come back after the clear.
      rt.deps.registry.markNotResumable("b2", "gpt-4o", clock.now());
      assert.ok(rt.deps.store.writes.pending > 0);
      await json(rt.admin("PATCH", "/api/backends/b2", { weight: 2 }), 200);
    }
    {
      await using rt = await startTestRuntime({ dataDir, now: clock.now });
      const b1 = await backend(rt);
      assert.equal(b1.resume, "prefill");
      assert.deepEqual(b1.not_resumable_models, ["gpt-4o"]);
      assert.deepEqual(rt.deps.registry.resumeMarks("b1"), [
        { backendId: "b1", model: "gpt-4o", markedAt: clock.now() },
      ]);
      assert.equal(rt.deps.registry.resumable(rt.deps.registry.get("b1")!, "gpt-4o"), false);
      assert.deepEqual((await backend(rt, "b2")).not_resumable_models, []);
    }
  });
});

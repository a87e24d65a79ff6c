/**
 * @module health_repo_test
 * Persisted backend health round trip and the cooldown event history.
 */
import assert from "node:assert/strict";
import type { BackendHealth } from "../../src/engine/cooldown.ts";
import { backendFields, tempStore } from "./temp_store.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const NOW_ISO = "2026-11-27T10:00:00Z";

Deno.test("HealthRepo.save() / loadAll() round-trip every health state", () => {
  using t = tempStore();
  const { store } = t;
  const states: Record<string, BackendHealth> = {
    healthy: { health: { state: "healthy" }, consecutive429: 0, failures: 2 },
    cooling: {
      health: { state: "cooling", reason: "429", since: T0, until: T0 + 5000 },
      consecutive429: 3,
      failures: 0,
    },
    probing: {
      health: { state: "probing", reason: "errors", probeSince: T0 },
      consecutive429: 0,
      failures: 0,
    },
  };
  for (const id of Object.keys(states)) store.backends.insert(id, backendFields(), NOW_ISO);
  for (const [id, h] of Object.entries(states)) store.health.save(id, h);
  const loaded = store.health.loadAll();
  assert.deepEqual(Object.fromEntries(loaded), states);
});

Deno.test("HealthRepo.save() overwrites the previous state", () => {
  using t = tempStore();
  const { store } = t;
  store.backends.insert("b1", backendFields(), NOW_ISO);
  store.health.save("b1", {
    health: { state: "cooling", reason: "auth", since: T0, until: T0 + 300_000 },
    consecutive429: 0,
    failures: 0,
  });
  store.health.save("b1", { health: { state: "healthy" }, consecutive429: 0, failures: 0 });
  assert.deepEqual(store.health.loadAll().get("b1"), {
    health: { state: "healthy" },
    consecutive429: 0,
    failures: 0,
  });
});

Deno.test("HealthRepo.save() for a deleted backend stores nothing", () => {
  using t = tempStore();
  t.store.health.save("gone", { health: { state: "healthy" }, consecutive429: 1, failures: 0 });
  assert.equal(t.store.health.loadAll().size, 0);
});

Deno.test("HealthRepo.loadAll() skips an unreadable row instead of failing", () => {
  using t = tempStore();
  const { store } = t;
  store.backends.insert("b1", backendFields(), NOW_ISO);
  store.backends.insert("b2", backendFields(), NOW_ISO);
  store.backends.insert("b3", backendFields(), NOW_ISO);
  store.health.save("b1", { health: { state: "healthy" }, consecutive429: 1, failures: 0 });
  const raw = store.db.prepare(
    "INSERT INTO backend_state (backend_id, health, consecutive_429, failures) VALUES (?, ?, 0, 0)",
  );
  raw.run("b2", '{"state":"melting"}');
  raw.run("b3", "not json");
  assert.deepEqual([...store.health.loadAll().keys()], ["b1"]);
});

Deno.test("HealthRepo.addEvent() / events() list newest first, per backend and limited", () => {
  using t = tempStore();
  const { store } = t;
  for (let i = 0; i < 5; i++) {
    store.health.addEvent({
      backend_id: i % 2 === 0 ? "b1" : "b2",
      reason: "429",
      consecutive: i + 1,
      seconds: 5,
      started_at: T0 + i * 1000,
      ended_at: T0 + i * 1000 + 5000,
    });
  }
  const all = store.health.events(10);
  assert.deepEqual(all.map((e) => e.consecutive), [5, 4, 3, 2, 1]);
  assert.deepEqual(all[0], {
    id: 5,
    backend_id: "b1",
    model: null,
    reason: "429",
    consecutive: 5,
    seconds: 5,
    started_at: "2026-11-27T10:00:04.000Z",
    ended_at: "2026-11-27T10:00:09.000Z",
  });
  assert.deepEqual(store.health.events(10, "b2").map((e) => e.consecutive), [4, 2]);
  assert.deepEqual(store.health.events(2).map((e) => e.consecutive), [5, 4]);
  assert.deepEqual(store.health.events(10, "nobody"), []);
});

Deno.test("HealthRepo.endLatest() moves the running latest event's end only", () => {
  using t = tempStore();
  const { store } = t;
  const ev = (started: number, ended: number) =>
    store.health.addEvent({
      backend_id: "b1",
      reason: "errors",
      consecutive: 3,
      seconds: (ended - started) / 1000,
      started_at: started,
      ended_at: ended,
    });
  ev(T0, T0 + 10_000);
  ev(T0 + 20_000, T0 + 30_000);

  // Cleared at T0+25s: the latest (still running) event ends then.
  store.health.endLatest("b1", T0 + 25_000, T0 + 25_000);
  let [latest, earlier] = store.health.events(10, "b1");
  assert.equal(latest!.ended_at, new Date(T0 + 25_000).toISOString());
  assert.equal(latest!.seconds, 5);
  assert.equal(earlier!.ended_at, new Date(T0 + 10_000).toISOString());

  // Already over at T0+40s: nothing moves.
  store.health.endLatest("b1", T0 + 40_000, T0 + 40_000);
  [latest] = store.health.events(10, "b1");
  assert.equal(latest!.ended_at, new Date(T0 + 25_000).toISOString());
});

Deno.test("HealthRepo.purge() drops events started before the cutoff", () => {
  using t = tempStore();
  for (let i = 0; i < 4; i++) {
    t.store.health.addEvent({
      backend_id: "b1",
      reason: "quota",
      consecutive: 1,
      seconds: 1,
      started_at: T0 + i,
      ended_at: T0 + i + 1000,
    });
  }
  assert.equal(t.store.health.purge(T0 + 2), 2);
  assert.equal(t.store.health.events(10).length, 2);
});

const PAIR_COOLING: BackendHealth = {
  health: { state: "cooling", reason: "429", since: T0, until: T0 + 10_000 },
  consecutive429: 2,
  failures: 0,
};

Deno.test("HealthRepo.save() with a model keeps a pair beside the backend's own row", () => {
  using t = tempStore();
  const { store } = t;
  store.backends.insert("b1", backendFields(), NOW_ISO);
  store.backends.insert("b2", backendFields(), NOW_ISO);
  const own: BackendHealth = { health: { state: "healthy" }, consecutive429: 0, failures: 1 };
  store.health.save("b1", own);
  store.health.save("b1", PAIR_COOLING, "gpt-4o");
  // A pair with no backend row: the backend scope loads healthy.
  store.health.save("b2", PAIR_COOLING, "gpt-4o-mini");
  const loaded = store.health.loadAll();
  assert.deepEqual(loaded.get("b1"), { ...own, models: new Map([["gpt-4o", PAIR_COOLING]]) });
  assert.deepEqual(loaded.get("b2"), {
    health: { state: "healthy" },
    consecutive429: 0,
    failures: 0,
    models: new Map([["gpt-4o-mini", PAIR_COOLING]]),
  });
});

Deno.test("HealthRepo.save() deletes a pair that healed instead of storing it", () => {
  using t = tempStore();
  const { store } = t;
  store.backends.insert("b1", backendFields(), NOW_ISO);
  store.health.save("b1", PAIR_COOLING, "gpt-4o");
  store.health.save("b1", PAIR_COOLING, "gpt-4o-mini");
  store.health.save(
    "b1",
    { health: { state: "healthy" }, consecutive429: 0, failures: 0 },
    "gpt-4o",
  );
  const rows = store.db.prepare("SELECT model FROM backend_state ORDER BY model").all();
  assert.deepEqual(rows.map((r) => r.model), ["gpt-4o-mini"]);
});

Deno.test("HealthRepo: deleting a backend removes its pair rows", () => {
  using t = tempStore();
  const { store } = t;
  store.backends.insert("b1", backendFields(), NOW_ISO);
  store.health.save("b1", PAIR_COOLING, "gpt-4o");
  store.health.save("b1", { health: { state: "healthy" }, consecutive429: 0, failures: 0 });
  store.backends.remove("b1");
  assert.equal(store.health.loadAll().size, 0);
  assert.equal(store.db.prepare("SELECT COUNT(*) AS n FROM backend_state").get()?.n, 0);
});

Deno.test("HealthRepo.endLatest() with a model moves that pair's event only", () => {
  using t = tempStore();
  const { store } = t;
  const ev = (model: string | null) =>
    store.health.addEvent({
      backend_id: "b1",
      model,
      reason: model ? "429" : "errors",
      consecutive: 1,
      seconds: 10,
      started_at: T0,
      ended_at: T0 + 10_000,
    });
  ev("gpt-4o");
  ev(null);
  ev("gpt-4o-mini");
  store.health.endLatest("b1", T0 + 20_000, T0 + 1_000, "gpt-4o");
  store.health.endLatest("b1", T0 + 2_000, T0 + 1_000);
  const ends = Object.fromEntries(
    store.health.events(10, "b1").map((e) => [String(e.model), e.ended_at]),
  );
  assert.deepEqual(ends, {
    "gpt-4o": new Date(T0 + 20_000).toISOString(),
    "null": new Date(T0 + 2_000).toISOString(),
    "gpt-4o-mini": new Date(T0 + 10_000).toISOString(),
  });
});

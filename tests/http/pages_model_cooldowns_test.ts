/**
 * @module pages_model_cooldowns_test
 * A model cooling on its own on the dashboard: the overview's status table
 * and the backends list show it with its countdown under an active backend,
 * the cooldowns page names the model, and clearing there clears both scopes.
 */
import assert from "node:assert/strict";
import { signedInWithBackend } from "./pages_client.ts";

const setup = () => signedInWithBackend({ api_key: "sk-secret-a-000000" });

const PAIR_LINE =
  /<li class="sub nowrap" data-model="gpt-4o"><code>gpt-4o<\/code> cooling <span class="countdown" data-remaining-ms="12000"/;

Deno.test("dashboard: a model cooldown shows under its backend, which stays active", async () => {
  await using t = await setup();
  const { registry } = t.rt.deps;
  registry.report("a", { kind: "rate_limited", retryAfterMs: 12_000 }, t.clock.ms, "gpt-4o");

  const overview = await (await t.client.get("/", { target: "status-table" })).text();
  assert.match(overview, /^<section id="status-table"/);
  assert.match(overview, /<span class="badge active">1 active<\/span>/);
  assert.match(overview, PAIR_LINE);
  assert.match(overview, /\(429 ×1\)/);
  assert.match(overview, /Clear cooldown/);

  const list = await (await t.client.get("/backends", { target: "backends-table" })).text();
  assert.match(list, /badge active/);
  assert.match(list, PAIR_LINE);
  assert.match(list, /Clear cooldown/);

  const events = await (await t.client.get("/cooldowns")).text();
  assert.match(
    events,
    /rate limited \(429\)<span class="sub mono" title="Only this model cooled">gpt-4o<\/span>/,
  );
});

Deno.test("dashboard: clear cooldown from the status table clears the backend and its models", async () => {
  await using t = await setup();
  const { registry } = t.rt.deps;
  registry.report("a", { kind: "rate_limited" }, t.clock.ms, "gpt-4o");
  registry.report("a", { kind: "auth" }, t.clock.ms, "gpt-4o");
  const res = await t.client.post("/backends/a/clear-cooldown", {}, { target: "status-table" });
  const html = await res.text();
  assert.match(html, /^<section id="status-table"/);
  assert.doesNotMatch(html, /data-model=/);
  const [row] = registry.status(t.clock.ms);
  assert.equal(row?.status, "active");
  assert.deepEqual(row?.models_cooling, []);
});

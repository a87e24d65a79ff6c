/**
 * @module export_prices_test
 * `sidecar config export` writes the price table and a backend's own prices
 * with the fields that are set, and the file reads back as the same prices.
 */
import assert from "node:assert/strict";
import { formatIssues } from "../../src/config_file/config_issue.ts";
import { exportConfig } from "../../src/config_file/export_config.ts";
import { parseConfigText } from "../../src/config_file/parse_config_file.ts";
import { DEFAULT_PRICES } from "../../src/pricing/default_prices.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";

Deno.test("config export writes every price and a backend's own, and they read back the same", async () => {
  await using rt = await startTestRuntime();
  const own = [{ model: "*", input_per_mtok: 0.5, output_per_mtok: 1, max_output_tokens: 2048 }];
  const res = await rt.admin("POST", "/api/backends", {
    id: "b1",
    name: "b1",
    base_url: "http://127.0.0.1:9/v1",
    models: ["*"],
    prices: own,
  });
  assert.equal(res.status, 201);
  const text = exportConfig({
    config: rt.deps.registry.config,
    pools: rt.deps.store.pools.list(),
    backends: rt.deps.store.backends.list(),
    keys: [],
    prices: rt.deps.store.prices.list(),
  });
  assert.doesNotMatch(text, /cached_input_per_mtok: null/, "null fields are left out");
  const stored = { pools: rt.deps.store.pools.list(), backends: [], keys: [] };
  const parsed = parseConfigText(text, () => undefined, stored);
  assert.ok(parsed.ok, parsed.ok ? "" : formatIssues(parsed.issues));
  const byModel = (a: { model: string }, b: { model: string }) => a.model < b.model ? -1 : 1;
  assert.deepEqual(parsed.config.prices.sort(byModel), [...DEFAULT_PRICES].sort(byModel));
  assert.deepEqual(parsed.config.backends[0]?.prices, [
    { ...own[0], cached_input_per_mtok: null, reasoning_per_mtok: null },
  ]);
});

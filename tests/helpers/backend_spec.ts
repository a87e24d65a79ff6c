/**
 * @module backend_spec
 * One routing-table backend for engine and plan tests: the fields a
 * `BackendSpec` needs, with defaults a test overrides where its assertions
 * read them.
 */
import type { BackendSpec } from "../../src/engine/registry.ts";

/** A backend `id` in pool `primary` serving `models` (default `["gpt-test"]`), no limits. */
export function backendSpec(
  id: string,
  over: Partial<BackendSpec> = {},
  models: string[] = ["gpt-test"],
): BackendSpec {
  return {
    id,
    name: id,
    base_url: `http://${id}.test/v1`,
    api_key: `sk-${id}`,
    pool_id: "primary",
    models,
    model_map: {},
    weight: 1,
    rpm_limit: null,
    tpm_limit: null,
    enabled: true,
    resume: "off",
    prices: [],
    api: "openai",
    ...over,
  };
}

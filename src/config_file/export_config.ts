/**
 * @module export_config
 * The stored config as a config file (docs/config.md, "Export"): settings
 * that differ from the defaults, pools, backends with their provider key as
 * a `${SIDECAR_KEY_<ID>}` reference (never the key), client keys as hashes
 * with their policy, the price table.
 * What it writes passes `sidecar config check` once those variables are set.
 */
import { stringify } from "yaml";
import { DEFAULT_CONFIG, type GatewayConfig } from "../gateway_config.ts";
import { DEFAULT_POLICY, type KeyPolicy, policyOf } from "../keys/key_policy.ts";
import type { PriceEntry } from "../pricing/price_entry.ts";
import { bySpecificity } from "../pricing/price_table.ts";
import type { BackendRecord, ClientKeyRecord, Pool } from "../store/rows.ts";

/** What is exported. */
export interface ExportInput {
  config: GatewayConfig;
  pools: readonly Pool[];
  backends: readonly BackendRecord[];
  keys: readonly ClientKeyRecord[];
  prices: readonly PriceEntry[];
}

/** The environment variable an exported backend's key is read from. */
export function keyVariable(backendId: string): string {
  return "SIDECAR_KEY_" + backendId.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** The policy fields of a key that differ from a new key's. */
function changedPolicy(p: KeyPolicy): Partial<KeyPolicy> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (JSON.stringify(v) !== JSON.stringify(DEFAULT_POLICY[k as keyof KeyPolicy])) out[k] = v;
  }
  return out;
}

/** A price as a file writes it: the fields that apply (`null` ones are the default). */
function writtenPrice(p: PriceEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    model: p.model,
    input_per_mtok: p.input_per_mtok,
    output_per_mtok: p.output_per_mtok,
  };
  if (p.cached_input_per_mtok !== null) out.cached_input_per_mtok = p.cached_input_per_mtok;
  if (p.reasoning_per_mtok !== null) out.reasoning_per_mtok = p.reasoning_per_mtok;
  if (p.max_output_tokens !== null) out.max_output_tokens = p.max_output_tokens;
  return out;
}

/** The YAML text, with a header naming the variables to set. */
export function exportConfig(input: ExportInput): string {
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.config)) {
    if (DEFAULT_CONFIG[k as keyof GatewayConfig] !== v) settings[k] = v;
  }
  const variables: string[] = [];
  const taken = new Set<string>();
  const backends = input.backends.map((b) => {
    const out: Record<string, unknown> = { id: b.id, name: b.name };
    if (b.api !== "openai") out.api = b.api;
    out.base_url = b.base_url;
    if (b.api_key_hint !== "") {
      let name = keyVariable(b.id);
      for (let n = 2; taken.has(name); n++) name = `${keyVariable(b.id)}_${n}`;
      taken.add(name);
      variables.push(`${name} (${b.api_key_hint})`);
      out.api_key = `\${${name}}`;
    }
    out.pool_id = b.pool_id;
    out.models = b.models;
    if (Object.keys(b.model_map).length > 0) out.model_map = b.model_map;
    if (b.weight !== 1) out.weight = b.weight;
    if (b.rpm_limit !== null) out.rpm_limit = b.rpm_limit;
    if (b.tpm_limit !== null) out.tpm_limit = b.tpm_limit;
    if (!b.enabled) out.enabled = false;
    if (b.resume !== "off") out.resume = b.resume;
    if (b.prices.length > 0) out.prices = b.prices.map(writtenPrice);
    return out;
  });
  const doc = {
    settings,
    pools: input.pools.map((p) => ({ id: p.id, name: p.name, priority: p.priority })),
    backends,
    keys: input.keys.map((k) => ({
      id: k.id,
      name: k.name,
      sha256: k.key_hash,
      ...changedPolicy(policyOf(k)),
    })),
    prices: bySpecificity(input.prices).map(writtenPrice),
  };
  const header = [
    "# Sidecar config, exported from the database (docs/config.md).",
    "# Provider keys are not in this file: set these variables before using it:",
    ...(variables.length > 0 ? variables.map((v) => `#   ${v}`) : ["#   (none)"]),
  ];
  return header.join("\n") + "\n" + stringify(doc, { lineWidth: 0 });
}

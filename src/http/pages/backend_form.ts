/**
 * @module backend_form
 * The backend form as a person types it — models one per line, the model
 * map as `requested = upstream` lines — turned into the JSON body the admin
 * layer validates, and a stored backend turned back into form values. The
 * API key is never a form value: it is write-only.
 */
import type { BackendView } from "../../admin/backends.ts";
import { BadRequestError } from "../../errors.ts";
import type { BackendFormValues, FormValues } from "../../../views/view_models.ts";
import { numberField } from "./form_input.ts";

/** Values of an empty create form. */
export function newBackendValues(poolId = "primary"): BackendFormValues {
  return {
    id: "",
    name: "",
    base_url: "",
    pool_id: poolId,
    models: "",
    model_map: "",
    weight: "1",
    rpm_limit: "",
    tpm_limit: "",
    enabled: true,
    resume: "off",
    api: "openai",
  };
}

/** Values of a stored backend, for its edit form. */
export function backendValues(b: BackendView): BackendFormValues {
  return {
    id: b.id,
    name: b.name,
    base_url: b.base_url,
    pool_id: b.pool_id,
    models: b.models.join("\n"),
    model_map: Object.entries(b.model_map).map(([from, to]) => `${from} = ${to}`).join("\n"),
    weight: String(b.weight),
    rpm_limit: b.rpm_limit === null ? "" : String(b.rpm_limit),
    tpm_limit: b.tpm_limit === null ? "" : String(b.tpm_limit),
    enabled: b.enabled,
    resume: b.resume,
    api: b.api,
  };
}

/** The posted values to show again after an error (the key is dropped). */
export function postedBackendValues(f: FormValues, id = ""): BackendFormValues {
  return {
    id: f.id ?? id,
    name: f.name ?? "",
    base_url: f.base_url ?? "",
    pool_id: f.pool_id ?? "",
    models: f.models ?? "",
    model_map: f.model_map ?? "",
    weight: f.weight ?? "",
    rpm_limit: f.rpm_limit ?? "",
    tpm_limit: f.tpm_limit ?? "",
    enabled: f.enabled !== undefined,
    resume: f.resume ?? "off",
    api: f.api ?? "openai",
  };
}

/**
 * The body for `createBackend` or `updateBackend`. On edit an empty key
 * field means "keep the stored key".
 */
export function backendBody(f: FormValues, mode: "create" | "edit"): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: f.name ?? "",
    base_url: f.base_url ?? "",
    pool_id: f.pool_id ?? "",
    models: splitModels(f.models ?? ""),
    model_map: parseModelMap(f.model_map ?? ""),
    rpm_limit: numberField(f.rpm_limit, null),
    tpm_limit: numberField(f.tpm_limit, null),
    enabled: f.enabled !== undefined,
  };
  // Passed as posted, so a value outside a select is refused by the schema, at its field.
  if (f.resume !== undefined) body.resume = f.resume;
  if (f.api !== undefined) body.api = f.api;
  const weight = numberField(f.weight, undefined);
  if (weight !== undefined) body.weight = weight;
  if (mode === "create" && f.id?.trim()) body.id = f.id.trim();
  const key = f.api_key ?? "";
  if (mode === "create" || key !== "") body.api_key = key;
  return body;
}

/** Models one per line or comma-separated; blanks dropped, duplicates kept once. */
export function splitModels(text: string): string[] {
  return [...new Set(text.split(/[\n,]/).map((m) => m.trim()).filter(Boolean))];
}

/**
 * `requested = upstream` per line (`->` works too); blank lines and `#`
 * comments are skipped. Colons are not separators: model names use them
 * (`llama3:8b`).
 */
export function parseModelMap(text: string): Record<string, string> {
  // A Map, not an object literal: "__proto__" or "constructor" are just names here.
  const map = new Map<string, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(.+?)\s*(?:->|=>|=)\s*(.+)$/.exec(line);
    if (!m) {
      throw new BadRequestError(
        `Line ${i + 1} must look like "requested = upstream", got "${line}"`,
        "model_map",
      );
    }
    const [from, to] = [m[1]!.trim(), m[2]!.trim()];
    if (map.has(from)) {
      throw new BadRequestError(`Line ${i + 1}: "${from}" is mapped twice`, "model_map");
    }
    map.set(from, to);
  }
  return Object.fromEntries(map);
}

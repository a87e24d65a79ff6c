/**
 * @module key_form
 * The key form as a person types it — models one per line, limits as text,
 * the expiry as a `datetime-local` in UTC, metadata as JSON text — turned
 * into the JSON body `createKey` / `updateKey` validate (the API's own
 * rules), and a stored key turned back into form values.
 */
import type { ClientKeyView } from "../../admin/client_keys.ts";
import { BadRequestError } from "../../errors.ts";
import type { KeyFormValues } from "../../../views/key_form.tsx";
import type { FormValues } from "../../../views/view_models.ts";
import { splitModels } from "./backend_form.ts";
import { numberField } from "./form_input.ts";
import { toLocalInput } from "./usage_range.ts";

/** Values of an empty create form: a key without limits, enabled. */
export function newKeyValues(): KeyFormValues {
  return {
    id: "",
    name: "",
    models: "",
    rpm_limit: "",
    tpm_limit: "",
    max_concurrent: "",
    budget_usd: "",
    budget_period: "",
    expires_at: "",
    enabled: true,
    metadata: "",
  };
}

const text = (n: number | null) => (n === null ? "" : String(n));

/** Values of a stored key, for its edit form. */
export function keyValues(k: ClientKeyView): KeyFormValues {
  return {
    id: k.id,
    name: k.name,
    models: (k.models ?? []).join("\n"),
    rpm_limit: text(k.rpm_limit),
    tpm_limit: text(k.tpm_limit),
    max_concurrent: text(k.max_concurrent),
    budget_usd: text(k.budget_usd),
    budget_period: k.budget_period ?? "",
    expires_at: k.expires_at === null ? "" : toLocalInput(Date.parse(k.expires_at)),
    enabled: k.enabled,
    metadata: Object.keys(k.metadata).length === 0 ? "" : JSON.stringify(k.metadata, null, 2),
  };
}

/** The posted values, to show again after an error. */
export function postedKeyValues(f: FormValues, id = ""): KeyFormValues {
  return {
    id,
    name: f.name ?? "",
    models: f.models ?? "",
    rpm_limit: f.rpm_limit ?? "",
    tpm_limit: f.tpm_limit ?? "",
    max_concurrent: f.max_concurrent ?? "",
    budget_usd: f.budget_usd ?? "",
    budget_period: f.budget_period ?? "",
    expires_at: f.expires_at ?? "",
    enabled: f.enabled !== undefined,
    metadata: f.metadata ?? "",
  };
}

/**
 * The body for `createKey`, or for `updateKey` when `shown` is what the
 * edit form showed: an expiry left as shown is not sent, so saving a key
 * whose expiry has passed (or that had seconds the field cannot show)
 * keeps it instead of being refused as a past time.
 */
export function keyBody(f: FormValues, shown?: KeyFormValues): Record<string, unknown> {
  const models = splitModels(f.models ?? "");
  const body: Record<string, unknown> = {
    name: f.name ?? "",
    models: models.length === 0 ? null : models,
    rpm_limit: numberField(f.rpm_limit, null),
    tpm_limit: numberField(f.tpm_limit, null),
    max_concurrent: numberField(f.max_concurrent, null),
    budget_usd: numberField(f.budget_usd, null),
    // Passed as posted, so a value outside the select is refused by the schema, at its field.
    budget_period: (f.budget_period ?? "") === "" ? null : f.budget_period,
    enabled: f.enabled !== undefined,
    metadata: parseMetadata(f.metadata ?? ""),
  };
  const expires = (f.expires_at ?? "").trim();
  if (shown === undefined || expires !== shown.expires_at) body.expires_at = expiryOf(expires);
  return body;
}

/** A `datetime-local` value is UTC on the dashboard; a time with its zone is passed as typed. */
function expiryOf(value: string): string | null {
  if (value === "") return null;
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
}

/** JSON text; empty is `{}`. Whether it is an object within 4 KiB is the schema's to say. */
function parseMetadata(value: string): unknown {
  if (value.trim() === "") return {};
  try {
    return JSON.parse(value);
  } catch {
    throw new BadRequestError('Must be JSON, like {"team": "billing"}', "metadata");
  }
}

/**
 * @module settings_fields
 * The settings page's fields: labels and grouping for people, units from
 * the field names, and ranges and defaults read from the config's zod
 * schema, so the page can never disagree with what `PATCH /api/config` accepts.
 */
import { z } from "zod";
import { BadRequestError } from "../../errors.ts";
import {
  CONFIG_HELP,
  DEFAULT_CONFIG,
  GatewayConfig,
  type GatewayConfig as Config,
} from "../../gateway_config.ts";
import type { FormValues, SettingSpec, Unit } from "../../../views/view_models.ts";

/** A config field's key. */
export type ConfigKey = keyof Config;

const LABELS: Record<ConfigKey, string> = {
  cooldown_base_seconds: "Base cooldown",
  cooldown_max_seconds: "Longest cooldown",
  cooldown_exponential_backoff: "Exponential backoff",
  cooldown_precheck_threshold_seconds: "Precheck threshold",
  quota_cooldown_seconds: "Quota cooldown",
  failure_threshold: "Failure threshold",
  error_cooldown_seconds: "Error cooldown",
  max_attempts: "Attempts per request",
  pool_retries: "Retries inside a pool",
  attempt_timeout_ms: "Attempt timeout",
  first_chunk_timeout_ms: "First chunk timeout",
  stream_idle_timeout_ms: "Stream idle timeout",
  request_deadline_ms: "Request deadline",
  max_wait_ms: "Wait when all are cooling",
  max_body_bytes: "Largest request body",
  usage_retention_days: "Keep request records",
};

/** The form's sections, in order. */
export const SETTING_GROUPS: readonly { title: string; intro: string; keys: ConfigKey[] }[] = [
  {
    title: "Cooldown after a 429",
    intro: "How long a rate-limited backend is left alone. A longer Retry-After from the " +
      "provider always wins.",
    keys: [
      "cooldown_base_seconds",
      "cooldown_max_seconds",
      "cooldown_exponential_backoff",
      "cooldown_precheck_threshold_seconds",
      "quota_cooldown_seconds",
    ],
  },
  {
    title: "Failures",
    intro: "5xx answers, timeouts and connection resets in a row.",
    keys: ["failure_threshold", "error_cooldown_seconds"],
  },
  {
    title: "Attempts and timeouts",
    intro: "How hard one client request tries before it gets an error.",
    keys: [
      "max_attempts",
      "pool_retries",
      "attempt_timeout_ms",
      "first_chunk_timeout_ms",
      "stream_idle_timeout_ms",
      "request_deadline_ms",
      "max_wait_ms",
    ],
  },
  {
    title: "Limits and retention",
    intro: "",
    keys: ["max_body_bytes", "usage_retention_days"],
  },
];

/** Every field's spec. */
export function settingSpecs(): Record<ConfigKey, SettingSpec> {
  const out = {} as Record<ConfigKey, SettingSpec>;
  for (const key of Object.keys(LABELS) as ConfigKey[]) {
    const inner = unwrap(GatewayConfig.shape[key]);
    const isNumber = inner instanceof z.ZodNumber;
    out[key] = {
      key,
      label: LABELS[key],
      unit: isNumber ? unitOf(key) : "bool",
      min: isNumber ? finite(inner.minValue) : null,
      max: isNumber ? finite(inner.maxValue) : null,
      default: DEFAULT_CONFIG[key],
      help: CONFIG_HELP[key],
    };
  }
  return out;
}

/** The posted settings form as a config patch; a checkbox left unticked means false. */
export function settingsBody(
  f: FormValues,
  skip: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const spec of Object.values(settingSpecs())) {
    if (skip.has(spec.key)) continue;
    if (spec.unit === "bool") {
      body[spec.key] = f[spec.key] !== undefined;
      continue;
    }
    const raw = (f[spec.key] ?? "").trim().replaceAll("_", "").replaceAll(",", "");
    if (raw === "") throw new BadRequestError("Enter a number", spec.key);
    const n = Number(raw);
    body[spec.key] = Number.isFinite(n) ? n : raw;
  }
  return body;
}

/** The config as form values. */
export function settingsValues(config: Config): FormValues {
  return Object.fromEntries(
    Object.entries(config).map((
      [k, v],
    ) => [k, typeof v === "boolean" ? (v ? "on" : "") : String(v)]),
  );
}

function unitOf(key: string): Unit {
  if (key.endsWith("_seconds")) return "s";
  if (key.endsWith("_ms")) return "ms";
  if (key.endsWith("_bytes")) return "bytes";
  if (key.endsWith("_days")) return "days";
  return "count";
}

function unwrap(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodDefault ? unwrap(schema.unwrap() as z.ZodType) : schema;
}

function finite(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

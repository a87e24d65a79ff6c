/**
 * @module view_models
 * The shapes the views render, owned by the views: the pages compute them
 * (src/http/pages) and the components draw them. Admin results and store
 * rows that a view shows as they are (`BackendView`, `RequestRecord`) stay
 * with their owners; only shapes made for the dashboard live here.
 */
import type { GatewayConfig } from "../src/gateway_config.ts";
import type { ModelCoolingView } from "./model_cooldowns.tsx";

/** One backend's live state as the status table shows it. */
export interface StatusView {
  id: string;
  name: string;
  pool_id: string;
  pool_name: string;
  /** `cooling` only when the whole backend is; its cooling models are in `models_cooling`. */
  status: "active" | "cooling" | "disabled";
  /** An operator's pause holds it: cooling with no end until cleared. */
  paused: boolean;
  /** Milliseconds of cooldown left at render time; null when not cooling. */
  remaining_ms: number | null;
  cooldown_until: string | null;
  consecutive_429: number;
  failures: number;
  rpm_limit: number | null;
  rpm_tokens_left: number | null;
  in_flight: number;
  /** Upstream models of this backend cooling on their own (rate limits). */
  models_cooling: ModelCoolingView[];
}

/** One named series of a chart; `values[i]` belongs to bucket `i`. */
export interface ChartSeries {
  name: string;
  values: number[];
  /** The folded remainder of the smaller groups. */
  other?: boolean;
}

/** What a time chart draws. */
export interface ChartData {
  /** Start of the first bucket, epoch ms. */
  start: number;
  bucketMs: number;
  /** Number of buckets. */
  count: number;
  series: ChartSeries[];
}

/** A form's string fields (files and repeated names are not used by the dashboard). */
export type FormValues = Record<string, string>;

/** Messages by field name; `_form` is for errors about the form as a whole. */
export type FormErrors = Record<string, string>;

/** What the backend form shows (all text, as typed), never the key. */
export interface BackendFormValues {
  id: string;
  name: string;
  base_url: string;
  pool_id: string;
  models: string;
  model_map: string;
  weight: string;
  rpm_limit: string;
  tpm_limit: string;
  enabled: boolean;
  resume: string;
  /** `openai` or `anthropic`, or what was posted. */
  api: string;
}

/** How a settings field is entered and read. */
export type Unit = "s" | "ms" | "bytes" | "days" | "count" | "bool";

/** One config field as the settings form shows it. */
export interface SettingSpec {
  key: keyof GatewayConfig;
  label: string;
  unit: Unit;
  min: number | null;
  max: number | null;
  default: number | boolean;
  help: string;
}

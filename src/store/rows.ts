/**
 * @module rows
 * zod schemas for what `node:sqlite` returns: every row is parsed here, at
 * the store boundary, so the rest of Sidecar works with typed values.
 */
import { z } from "zod";
import { ApiFamily } from "../engine/api_family.ts";
import { COOLDOWN_REASONS } from "../engine/cooldown.ts";
import { ResumeMode } from "../engine/resume_mode.ts";
import { BudgetPeriod, JsonObject } from "../keys/key_policy.ts";
import { PriceInput } from "../pricing/price_entry.ts";
import { OUTCOMES } from "../proxy/request_outcome.ts";

const jsonText = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return schema.parse(JSON.parse(text)) as z.infer<T>;
    } catch {
      ctx.addIssue({ code: "custom", message: "Invalid JSON column" });
      return z.NEVER;
    }
  });

const flag = z.union([z.number(), z.bigint()]).transform((v) => Number(v) !== 0);
const int = z.union([z.number(), z.bigint()]).transform((v) => Number(v));
const nullableInt = int.nullable();

/** Who owns a config row: `"file"`, the declarative config file (docs/config.md), or null. */
export const Managed = z.enum(["file"]).nullable();
export type Managed = z.infer<typeof Managed>;

/** A pool: backends grouped under one failover priority (lower is tried first). */
export const PoolRow = z.object({
  id: z.string(),
  name: z.string(),
  priority: int,
  managed: Managed,
  created_at: z.string(),
  updated_at: z.string(),
});
export type Pool = z.infer<typeof PoolRow>;

/** A backend as stored: the key only in sealed form. */
export const BackendRow = z.object({
  id: z.string(),
  name: z.string(),
  base_url: z.string(),
  api_key_enc: z.string(),
  api_key_hint: z.string(),
  pool_id: z.string(),
  models: jsonText(z.array(z.string())),
  model_map: jsonText(z.record(z.string(), z.string())),
  weight: int,
  rpm_limit: nullableInt,
  tpm_limit: nullableInt,
  enabled: flag,
  resume: ResumeMode,
  /** Its own prices, which win over the price table for it (docs/accounting.md). */
  prices: jsonText(z.array(PriceInput)),
  /** The API it speaks, which also says what `base_url` is (admin/base_url.ts). */
  api: ApiFamily,
  managed: Managed,
  created_at: z.string(),
  updated_at: z.string(),
});
export type BackendRecord = z.infer<typeof BackendRow>;

/** A client key: only its SHA-256 hash and a short hint are kept, with its policy (docs/keys.md). */
export const ClientKeyRow = z.object({
  id: z.string(),
  name: z.string(),
  key_hash: z.string(),
  key_hint: z.string(),
  managed: Managed,
  created_at: z.string(),
  /** JSON array of globs; NULL: every model. */
  models: jsonText(z.array(z.string())).nullable(),
  rpm_limit: nullableInt,
  tpm_limit: nullableInt,
  max_concurrent: nullableInt,
  budget_usd: z.number().nullable(),
  budget_period: BudgetPeriod.nullable(),
  expires_at: z.string().nullable(),
  enabled: flag,
  metadata: jsonText(JsonObject),
  last_used_at: z.string().nullable(),
});
export type ClientKeyRecord = z.infer<typeof ClientKeyRow>;

/** One upstream attempt of a client request. */
export const Attempt = z.object({
  backend_id: z.string(),
  status: z.number().nullable(),
  reason: z.string(),
  ms: z.number(),
});
export type Attempt = z.infer<typeof Attempt>;

/** How a client request ended; the list is the proxy's accounting's. */
export const Outcome = z.enum(OUTCOMES);

/** The request record (docs/accounting.md). */
export const RequestRecord = z.object({
  id: z.string(),
  ts: z.string(),
  model: z.string(),
  upstream_model: z.string().nullable(),
  backend_id: z.string().nullable(),
  pool_id: z.string().nullable(),
  key_id: z.string().nullable(),
  /** The API the client spoke: `openai` (the OpenAI endpoints) or `anthropic` (`/v1/messages`). */
  api: ApiFamily,
  status: z.number(),
  outcome: Outcome,
  stream: z.boolean(),
  attempts: z.array(Attempt),
  latency_ms: z.number(),
  ttfb_ms: z.number().nullable(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  /** USD; null when unpriced (or recorded before costs were). */
  cost_usd: z.number().nullable(),
  /** An upstream call that served it had no price. */
  unpriced: z.boolean(),
  /** Its cost includes an estimate for a stream that reported no usage. */
  usage_estimated: z.boolean(),
  error: z.string().nullable(),
});
export type RequestRecord = z.infer<typeof RequestRecord>;

/** The `requests` table row, turned into a {@link RequestRecord}. */
export const RequestRow = z.object({
  id: z.string(),
  ts: int.transform((ms) => new Date(ms).toISOString()),
  model: z.string(),
  upstream_model: z.string().nullable(),
  backend_id: z.string().nullable(),
  pool_id: z.string().nullable(),
  key_id: z.string().nullable(),
  api: ApiFamily,
  status: int,
  outcome: Outcome,
  stream: flag,
  attempts: jsonText(z.array(Attempt)),
  latency_ms: int,
  ttfb_ms: nullableInt,
  prompt_tokens: int,
  completion_tokens: int,
  total_tokens: int,
  cost_usd: z.number().nullable(),
  unpriced: flag,
  usage_estimated: flag,
  error: z.string().nullable(),
});

/** A cooldown event row (times as ISO strings). */
export const CooldownEventRow = z.object({
  id: int,
  backend_id: z.string(),
  /** The upstream model of a pair (rate-limit) cooldown; null when the whole backend cooled. */
  model: z.string().nullable(),
  reason: z.enum(COOLDOWN_REASONS),
  consecutive: int,
  seconds: z.number(),
  started_at: int.transform((ms) => new Date(ms).toISOString()),
  ended_at: int.transform((ms) => new Date(ms).toISOString()),
});
export type CooldownEvent = z.infer<typeof CooldownEventRow>;

/** A usage aggregate row (docs/accounting.md). */
export const UsageRow = z.object({
  key: z.string(),
  requests: int,
  errors: int,
  prompt_tokens: int,
  completion_tokens: int,
  total_tokens: int,
  /** USD over the group's priced requests; null when none has a cost. */
  cost_usd: z.number().nullable(),
  /** Requests of the group with an unpriced call. */
  unpriced_requests: int,
  avg_latency_ms: int,
  p95_latency_ms: int,
});
export type UsageRow = z.infer<typeof UsageRow>;

/** One time bucket of one group (`bucket` is its start, epoch ms), for the dashboard's charts. */
export const SeriesRow = z.object({
  bucket: int,
  key: z.string(),
  requests: int,
  errors: int,
  prompt_tokens: int,
  completion_tokens: int,
  total_tokens: int,
});
export type SeriesRow = z.infer<typeof SeriesRow>;

/** Totals and latency percentiles over a window, for the dashboard overview. */
export const SummaryRow = z.object({
  requests: int,
  errors: int,
  prompt_tokens: int,
  completion_tokens: int,
  total_tokens: int,
  p50_latency_ms: nullableInt,
  p95_latency_ms: nullableInt,
});
export type SummaryRow = z.infer<typeof SummaryRow>;

/** A price table entry as stored (docs/accounting.md, "Cost"), with who owns it. */
export const PriceRow = z.object({
  model: z.string(),
  input_per_mtok: z.number(),
  cached_input_per_mtok: z.number().nullable(),
  output_per_mtok: z.number(),
  reasoning_per_mtok: z.number().nullable(),
  max_output_tokens: nullableInt,
  managed: Managed,
});
export type PriceRecord = z.infer<typeof PriceRow>;

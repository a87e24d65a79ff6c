/**
 * @module gateway_config
 * The operator-tunable gateway config (docs/api.md, "Config"): one zod schema is the
 * source of truth for defaults, ranges, the PATCH body and the stored row.
 */
import { z } from "zod";

const seconds = (max: number) => z.number().int().min(0).max(max);
const millis = (min: number, max: number) => z.number().int().min(min).max(max);
const DAY = 86_400;

/** Every field with its range; `.default()` gives the contract's defaults. */
export const GatewayConfig = z.strictObject({
  cooldown_base_seconds: seconds(DAY).default(5),
  cooldown_max_seconds: seconds(DAY).default(300),
  cooldown_exponential_backoff: z.boolean().default(true),
  cooldown_precheck_threshold_seconds: seconds(3600).default(1),
  quota_cooldown_seconds: seconds(7 * DAY).default(3600),
  failure_threshold: z.number().int().min(1).max(1000).default(3),
  error_cooldown_seconds: seconds(DAY).default(10),
  max_attempts: z.number().int().min(1).max(20).default(4),
  attempt_timeout_ms: millis(100, 3_600_000).default(120_000),
  first_chunk_timeout_ms: millis(100, 3_600_000).default(60_000),
  stream_idle_timeout_ms: millis(100, 3_600_000).default(30_000),
  request_deadline_ms: millis(100, 7_200_000).default(300_000),
  max_wait_ms: millis(0, 600_000).default(0),
  pool_retries: z.number().int().min(0).max(10).default(1),
  max_body_bytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(33_554_432),
  usage_retention_days: z.number().int().min(1).max(3650).default(30),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

type Fields = typeof GatewayConfig.shape;

/**
 * PATCH body: any subset of the fields, unknown fields refused. Built from the
 * fields without their defaults: zod's `.partial()` would fill every absent
 * field with its default, so a patch of one field would reset all the others.
 */
export const GatewayConfigPatch = z.strictObject(
  Object.fromEntries(
    Object.entries(GatewayConfig.shape).map(([k, s]) => [k, s.unwrap().optional()]),
  ) as { [K in keyof Fields]: z.ZodOptional<ReturnType<Fields[K]["unwrap"]>> },
);
export type GatewayConfigPatch = z.infer<typeof GatewayConfigPatch>;

/** The contract defaults. */
export const DEFAULT_CONFIG: GatewayConfig = GatewayConfig.parse({});

/** Human help for each field, shown on the settings page. */
export const CONFIG_HELP: Record<keyof GatewayConfig, string> = {
  cooldown_base_seconds: "Seconds a backend cools after its first 429 (doubles per repeat).",
  cooldown_max_seconds: "Upper bound of any 429 cooldown; also the cooldown for 401/403.",
  cooldown_exponential_backoff: "Double the 429 cooldown each time (off: grow linearly).",
  cooldown_precheck_threshold_seconds:
    "A cooldown ending within this many seconds still counts as cooling.",
  quota_cooldown_seconds: "Cooldown after a 429 insufficient_quota.",
  failure_threshold: "Consecutive 5xx/timeouts/resets before a backend cools.",
  error_cooldown_seconds: "Cooldown after failure_threshold consecutive errors.",
  max_attempts: "Upstream attempts per client request, across all backends.",
  attempt_timeout_ms: "Wait this long for an upstream's response headers.",
  first_chunk_timeout_ms: "Wait this long for a stream's first event.",
  stream_idle_timeout_ms: "A stream silent this long is ended as stalled.",
  request_deadline_ms: "All attempts of one request must fit in this time.",
  max_wait_ms: "When every backend is cooling, wait up to this long instead of a 429.",
  pool_retries:
    "Extra attempts inside a pool after transient failures (0-10), before the next pool.",
  max_body_bytes: "Largest request body accepted (413 above).",
  usage_retention_days: "Request records older than this are deleted.",
};

/**
 * @module key_policy
 * What a client key may do (docs/keys.md): the models it may ask for, its
 * rate and concurrency limits, its budget, its expiry, whether it is
 * enabled, and the operator's own metadata. One set of zod fields for the
 * admin API, the config file and the stored row, so a field means the same
 * everywhere; bounds refuse the absurd values a typo makes.
 */
import { z } from "zod";

/** How often a budget starts again (UTC; weeks start on Monday), or never (`total`). */
export const BUDGET_PERIODS = ["day", "week", "month", "total"] as const;
export const BudgetPeriod = z.enum(BUDGET_PERIODS);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/** Upper bounds: far above any real deployment, low enough to catch an extra zero or ten. */
export const KEY_BOUNDS = {
  rpm: 10_000_000,
  tpm: 10_000_000_000,
  concurrent: 100_000,
  budgetUsd: 1_000_000_000,
  metadataBytes: 4096,
  models: 1000,
} as const;

/** A key's policy, as stored and as the admission step reads it. Null: no limit. */
export interface KeyPolicy {
  /** Globs of models the key may request (model_match.ts); null: every model. */
  models: string[] | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_concurrent: number | null;
  budget_usd: number | null;
  budget_period: BudgetPeriod | null;
  /** ISO-8601 UTC; the key is refused from this instant on. */
  expires_at: string | null;
  enabled: boolean;
  metadata: Record<string, unknown>;
}

/** A key without any limit: what a key is created with unless told otherwise. */
export const DEFAULT_POLICY: Readonly<KeyPolicy> = Object.freeze({
  models: null,
  rpm_limit: null,
  tpm_limit: null,
  max_concurrent: null,
  budget_usd: null,
  budget_period: null,
  expires_at: null,
  enabled: true,
  metadata: {},
});

const limit = (max: number) => z.number().int().min(1).max(max).nullable();

const ModelGlobs = z
  .array(z.string().trim().min(1, "Must not be empty").max(256))
  .min(1, "List at least one model, or send null for every model")
  .max(KEY_BOUNDS.models)
  .nullable();

const utf8 = new TextEncoder();

/**
 * A JSON object, checked and never rebuilt: a copy (as `z.record` makes)
 * would drop an own `__proto__` key.
 */
export const JsonObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  "Must be a JSON object",
);

/** The operator's own tags: a JSON object of at most 4 KiB as JSON text. */
const Metadata = JsonObject
  .refine(
    (v) => utf8.encode(JSON.stringify(v)).length <= KEY_BOUNDS.metadataBytes,
    `Must be at most ${KEY_BOUNDS.metadataBytes} bytes as JSON`,
  );

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Epoch ms of an ISO-8601 time with a zone (`Z` or `±hh:mm`), or NaN. Every
 * field is range-checked, since `Date.parse` rolls `02-30` over into March.
 */
export function parseIsoTime(text: string): number {
  const m = ISO_TIME.exec(text);
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as number[];
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  if (day.getUTCMonth() !== mo! - 1 || day.getUTCDate() !== d) return NaN;
  if (h! > 23 || mi! > 59 || s! > 59) return NaN;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return NaN;
  return Date.parse(text);
}

/** `ms` as stored: ISO-8601 UTC, to the millisecond only when it has any. */
export function isoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? iso.slice(0, -5) + "Z" : iso;
}

/** An ISO-8601 time with a zone, stored in UTC. */
const IsoTime = z
  .string()
  .refine((s) => Number.isFinite(parseIsoTime(s)), "Must be an ISO-8601 time with a zone")
  .transform((s) => isoTime(parseIsoTime(s)));

/** Each policy field with its schema; absent means "no change" on a PATCH. */
const POLICY_FIELDS = {
  models: ModelGlobs,
  rpm_limit: limit(KEY_BOUNDS.rpm),
  tpm_limit: limit(KEY_BOUNDS.tpm),
  max_concurrent: limit(KEY_BOUNDS.concurrent),
  budget_usd: z.number().min(0).max(KEY_BOUNDS.budgetUsd).nullable(),
  budget_period: BudgetPeriod.nullable(),
  expires_at: IsoTime.nullable(),
  enabled: z.boolean(),
  metadata: Metadata,
} as const;

/** The policy fields, each defaulting to {@link DEFAULT_POLICY}: for a new key. */
export const POLICY_CREATE = {
  models: POLICY_FIELDS.models.default(null),
  rpm_limit: POLICY_FIELDS.rpm_limit.default(null),
  tpm_limit: POLICY_FIELDS.tpm_limit.default(null),
  max_concurrent: POLICY_FIELDS.max_concurrent.default(null),
  budget_usd: POLICY_FIELDS.budget_usd.default(null),
  budget_period: POLICY_FIELDS.budget_period.default(null),
  expires_at: POLICY_FIELDS.expires_at.default(null),
  enabled: POLICY_FIELDS.enabled.default(true),
  metadata: POLICY_FIELDS.metadata.default(() => ({})),
} as const;

/** The policy fields, each optional: for a change to a key. */
export const POLICY_PATCH = {
  models: POLICY_FIELDS.models.optional(),
  rpm_limit: POLICY_FIELDS.rpm_limit.optional(),
  tpm_limit: POLICY_FIELDS.tpm_limit.optional(),
  max_concurrent: POLICY_FIELDS.max_concurrent.optional(),
  budget_usd: POLICY_FIELDS.budget_usd.optional(),
  budget_period: POLICY_FIELDS.budget_period.optional(),
  expires_at: POLICY_FIELDS.expires_at.optional(),
  enabled: POLICY_FIELDS.enabled.optional(),
  metadata: POLICY_FIELDS.metadata.optional(),
} as const;

/** A policy's fields picked out of a parsed object that holds more. */
export function policyOf(v: KeyPolicy): KeyPolicy {
  return {
    models: v.models,
    rpm_limit: v.rpm_limit,
    tpm_limit: v.tpm_limit,
    max_concurrent: v.max_concurrent,
    budget_usd: v.budget_usd,
    budget_period: v.budget_period,
    expires_at: v.expires_at,
    enabled: v.enabled,
    metadata: v.metadata,
  };
}

/**
 * What no single field can say: a budget needs its period (a budget of $50
 * "per" nothing would be read differently by every operator). The field at
 * fault, or undefined.
 */
export function policyIssue(p: KeyPolicy): { param: string; message: string } | undefined {
  if (p.budget_usd !== null && p.budget_period === null) {
    return {
      param: "budget_period",
      message: "Required with budget_usd: day, week, month or total",
    };
  }
  return undefined;
}

/** Adds {@link policyIssue} to a zod object of policy fields, at its field. */
export function refinePolicy(p: KeyPolicy, ctx: z.RefinementCtx): void {
  const issue = policyIssue(p);
  if (issue) ctx.addIssue({ code: "custom", path: [issue.param], message: issue.message });
}

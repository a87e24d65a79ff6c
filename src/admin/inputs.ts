/**
 * @module inputs
 * zod schemas for what the admin API and the dashboard forms accept: the
 * single source of truth for validation of pools, backends and client keys.
 */
import { z } from "zod";
import { ApiFamily } from "../engine/api_family.ts";
import { ResumeMode } from "../engine/resume_mode.ts";
import { PriceList } from "../pricing/price_entry.ts";
import { POLICY_CREATE, POLICY_PATCH, refinePolicy } from "../keys/key_policy.ts";

/** Ids are slugs so they are safe in URLs, logs and HTML attributes. */
export const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "Must be 1-64 chars: a-z, 0-9, '.', '_', '-'");

/** A display name: 1-200 characters after trimming. */
export const Name = z.string().trim().min(1, "Must not be empty").max(200);

/** An http(s) URL; what it is stored as depends on the backend's `api` (admin/base_url.ts). */
const BaseUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.username === "" &&
        u.password === "";
    } catch {
      return false;
    }
  }, "Must be an http(s) URL without credentials");

const ModelName = z.string().trim().min(1).max(256);

/** Upper bounds stop absurd values from a typo (an extra zero or ten). */
const RPM_MAX = 10_000_000;
const TPM_MAX = 10_000_000_000;

/** Body of `POST /api/backends`. */
export const BackendCreate = z.strictObject({
  id: Slug.optional(),
  name: Name,
  base_url: BaseUrl,
  api_key: z.string().max(8192).default(""),
  pool_id: Slug.default("primary"),
  models: z.array(ModelName).min(1, "List at least one model").max(1000),
  model_map: z.record(ModelName, ModelName).default({}),
  weight: z.number().int().min(0).max(1000).default(1),
  rpm_limit: z.number().int().min(1).max(RPM_MAX).nullable().default(null),
  tpm_limit: z.number().int().min(1).max(TPM_MAX).nullable().default(null),
  enabled: z.boolean().default(true),
  resume: ResumeMode.default("off"),
  prices: PriceList.default([]),
  api: ApiFamily.default("openai"),
});
export type BackendCreate = z.infer<typeof BackendCreate>;

/** Body of `PATCH /api/backends/:id`: any writable field; `api_key` replaces the key. */
export const BackendPatch = z.strictObject({
  name: Name.optional(),
  base_url: BaseUrl.optional(),
  api_key: z.string().max(8192).optional(),
  pool_id: Slug.optional(),
  models: z.array(ModelName).min(1, "List at least one model").max(1000).optional(),
  model_map: z.record(ModelName, ModelName).optional(),
  weight: z.number().int().min(0).max(1000).optional(),
  rpm_limit: z.number().int().min(1).max(RPM_MAX).nullable().optional(),
  tpm_limit: z.number().int().min(1).max(TPM_MAX).nullable().optional(),
  enabled: z.boolean().optional(),
  resume: ResumeMode.optional(),
  prices: PriceList.optional(),
  api: ApiFamily.optional(),
});
export type BackendPatch = z.infer<typeof BackendPatch>;

/** Body of `POST /api/pools`. */
export const PoolCreate = z.strictObject({
  id: Slug.optional(),
  name: Name,
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(50),
});
export type PoolCreate = z.infer<typeof PoolCreate>;

/** Body of `PATCH /api/pools/:id`. */
export const PoolPatch = z.strictObject({
  name: Name.optional(),
  priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type PoolPatch = z.infer<typeof PoolPatch>;

/** Body of `POST /api/keys`: a name and the key's policy (docs/keys.md). */
export const KeyCreate = z.strictObject({ name: Name, ...POLICY_CREATE }).superRefine(refinePolicy);
export type KeyCreate = z.infer<typeof KeyCreate>;

/** Body of `PATCH /api/keys/:id`: any of them; the whole policy is checked once merged. */
export const KeyPatch = z.strictObject({ name: Name.optional(), ...POLICY_PATCH });
export type KeyPatch = z.infer<typeof KeyPatch>;

/** Makes a slug from a display name, for ids the caller did not give. */
export function slugify(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48);
  return s || "item";
}

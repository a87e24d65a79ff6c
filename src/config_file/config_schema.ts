/**
 * @module config_schema
 * The declarative config file (docs/config.md): one strict zod schema for
 * `settings`, `pools`, `backends`, `keys` and `prices`, built from the admin API's own
 * schemas so a field means the same in the file, the API and the dashboard.
 */
import { z } from "zod";
import { BackendCreate, Name, PoolCreate, Slug } from "../admin/inputs.ts";
import { normalizeBaseUrl } from "../admin/base_url.ts";
import { GatewayConfigPatch } from "../gateway_config.ts";
import { PriceList } from "../pricing/price_entry.ts";
import { POLICY_CREATE, refinePolicy } from "../keys/key_policy.ts";

/** A pool in the file: an id is required, since it is what the file's rows are matched on. */
export const FilePool = PoolCreate.extend({ id: Slug, name: Name.optional() });
export type FilePool = z.infer<typeof FilePool>;

/**
 * A backend in the file: the fields `POST /api/backends` takes, `id` required,
 * `name` optional, and its base URL stored by the API's rule (admin/base_url.ts):
 * an anthropic URL ending in `/v1` or `/v1/messages` is cut to the root, a
 * URL naming the other API's endpoint is an error at `backends[i].base_url`.
 */
export const FileBackend = BackendCreate.extend({ id: Slug, name: Name.optional() }).transform(
  (b, ctx) => {
    const url = normalizeBaseUrl(b.api, b.base_url);
    if (url.ok) return { ...b, base_url: url.base_url };
    ctx.addIssue({ code: "custom", path: ["base_url"], message: url.message });
    return z.NEVER;
  },
);
export type FileBackend = z.infer<typeof FileBackend>;

/**
 * A client key in the file: only the SHA-256 of its secret (`sidecar key new`
 * prints one), and the policy fields `POST /api/keys` takes. An `expires_at`
 * in the past is accepted here (the key is then refused as expired): a file
 * must not turn invalid with time.
 */
export const FileKey = z.strictObject({
  id: Slug,
  name: Name,
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "Must be the 64 hex digits of the secret's SHA-256")
    .transform((s) => s.toLowerCase()),
  ...POLICY_CREATE,
}).superRefine(refinePolicy);
export type FileKey = z.infer<typeof FileKey>;

/** The whole file. Unknown fields are refused at every level. */
export const ConfigFile = z.strictObject({
  settings: GatewayConfigPatch.default({}),
  pools: z.array(FilePool).max(1000).default([]),
  backends: z.array(FileBackend).max(10_000).default([]),
  keys: z.array(FileKey).max(100_000).default([]),
  /** Price table entries (docs/accounting.md, "Cost"); a glob listed twice is an error. */
  prices: PriceList.default([]),
});
export type ConfigFile = z.infer<typeof ConfigFile>;

/**
 * @module admin_token
 * The admin secret: from `SIDECAR_ADMIN_TOKEN`, or generated on first start
 * and shown once. Only its SHA-256 hash is ever stored.
 */
import type { MetaRepo } from "../store/meta_repo.ts";
import { generateSecret, sha256Hex } from "./token_hash.ts";

const ADMIN_HASH = "admin_token_hash";

/** The admin token hash in force, and the token itself if it was just generated. */
export interface AdminToken {
  hash: string;
  generated?: string;
}

/** Resolves the admin token hash: env wins; else the stored hash; else a new token. */
export function resolveAdminToken(
  meta: MetaRepo,
  envToken: string | undefined,
): AdminToken {
  if (envToken !== undefined && envToken !== "") return { hash: sha256Hex(envToken) };
  const stored = meta.get(ADMIN_HASH);
  if (stored !== undefined) return { hash: stored };
  const token = generateSecret("sc-admin-");
  const hash = sha256Hex(token);
  meta.put(ADMIN_HASH, hash);
  return { hash, generated: token };
}

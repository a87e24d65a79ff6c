/**
 * @module config_file_status
 * Which config file this database follows and how its last load went
 * (docs/config.md, "Status"), kept in the `meta` table so the admin API and
 * the dashboard read it from the store like everything else: `GET
 * /api/config`'s `config_file`, the 409s naming the file, the error banner.
 */
import { z } from "zod";
import type { MetaRepo } from "../store/meta_repo.ts";

const META_KEY = "config_file";

/** The file and its last load: `error` is null when the last load applied. */
export const ConfigFileStatus = z.object({
  path: z.string(),
  /** When the file was last applied (ISO), null when it never was. */
  loaded_at: z.string().nullable(),
  /** Why the last load was refused (every issue, one a line); null after a good one. */
  error: z.string().nullable(),
});
export type ConfigFileStatus = z.infer<typeof ConfigFileStatus>;

/** The status, or null when no file is in use. */
export function readConfigFileStatus(meta: Pick<MetaRepo, "get">): ConfigFileStatus | null {
  const text = meta.get(META_KEY);
  if (!text) return null;
  const parsed = ConfigFileStatus.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Records the status; null: no file is in use. */
export function writeConfigFileStatus(meta: MetaRepo, status: ConfigFileStatus | null): void {
  meta.put(META_KEY, status ? JSON.stringify(status) : "");
}

/**
 * @module config_repo
 * The gateway config, one row per field; parsed (with defaults) on read.
 */
import type { DatabaseSync } from "node:sqlite";
import { GatewayConfig, type GatewayConfigPatch } from "../gateway_config.ts";
import type { Managed } from "./rows.ts";

/** Loads and patches the stored gateway config. */
export function createConfigRepo(db: DatabaseSync) {
  const all = db.prepare("SELECT key, value FROM config");
  const put = db.prepare(
    "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  );
  const managed = db.prepare("SELECT key FROM config WHERE managed = 'file' ORDER BY key");
  const setManaged = db.prepare("UPDATE config SET managed = ? WHERE key = ?");
  const remove = db.prepare("DELETE FROM config WHERE key = ?");
  return {
    load(): GatewayConfig {
      const stored: Record<string, unknown> = {};
      const known = Object.keys(GatewayConfig.shape);
      for (const row of all.all() as { key: string; value: string }[]) {
        // A field dropped in a later version must not break start-up.
        if (known.includes(row.key)) stored[row.key] = JSON.parse(row.value);
      }
      return GatewayConfig.parse(stored);
    },
    save(patch: GatewayConfigPatch): void {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) put.run(key, JSON.stringify(value));
      }
    },
    /** The fields the config file sets (docs/config.md). */
    managedFields: (): string[] => (managed.all() as { key: string }[]).map((r) => r.key),
    /** Marks who owns a stored field; null hands it to the dashboard. */
    setManaged(key: string, owner: Managed): void {
      setManaged.run(owner, key);
    },
    /** Forgets a stored field: it reads as its default again. */
    remove(key: string): void {
      remove.run(key);
    },
  };
}
export type ConfigRepo = ReturnType<typeof createConfigRepo>;

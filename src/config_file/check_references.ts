/**
 * @module check_references
 * The checks a schema cannot make alone (docs/config.md, "Validation"): ids
 * listed twice, a backend's pool that neither the file nor the database has,
 * a key hash another key already has, and a pool the file drops that still
 * holds backends made in the dashboard.
 */
import type { Managed } from "../store/rows.ts";
import type { ConfigIssue } from "./config_issue.ts";
import type { ConfigFile } from "./config_schema.ts";

/** What the database holds, as far as the file's references are concerned. */
export interface StoredIds {
  pools: readonly { id: string; managed: Managed }[];
  backends: readonly { id: string; pool_id: string; managed: Managed }[];
  keys: readonly { id: string; key_hash: string; managed: Managed }[];
}

/**
 * What is stored as an exclusive load sees it (docs/config.md, "With shared
 * state"): every row counts as the file's, so one the file does not list is
 * deleted, not kept beside it.
 */
export function asFileOwned(stored: StoredIds): StoredIds {
  const own = <T extends { managed: Managed }>(rows: readonly T[]) =>
    rows.map((r) => ({ ...r, managed: "file" as const }));
  return { pools: own(stored.pools), backends: own(stored.backends), keys: own(stored.keys) };
}

/**
 * Issues of a file that passed the schema, against what is stored. Rows the
 * file manages and no longer lists will be deleted, so they do not count as
 * existing; rows of the same id are taken over by the file.
 */
export function checkReferences(file: ConfigFile, stored: StoredIds): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  duplicates("pools", file.pools.map((p) => p.id), issues);
  duplicates("backends", file.backends.map((b) => b.id), issues);
  duplicates("keys", file.keys.map((k) => k.id), issues);
  duplicates("keys", file.keys.map((k) => k.sha256), issues, "sha256");

  const filePools = new Set(file.pools.map((p) => p.id));
  const keptPools = new Set(
    stored.pools.filter((p) => p.managed !== "file").map((p) => p.id),
  );
  file.backends.forEach((b, i) => {
    if (!filePools.has(b.pool_id) && !keptPools.has(b.pool_id)) {
      issues.push({
        path: `backends[${i}].pool_id`,
        message: `No pool "${b.pool_id}" in the file or the database`,
      });
    }
  });

  const fileBackends = new Set(file.backends.map((b) => b.id));
  for (const pool of stored.pools) {
    if (pool.managed !== "file" || filePools.has(pool.id)) continue;
    // Backends the file lists move where it says; those it made and dropped go.
    const left = stored.backends.filter((b) =>
      b.pool_id === pool.id && !fileBackends.has(b.id) && b.managed !== "file"
    );
    if (left.length > 0) {
      issues.push({
        path: "pools",
        message: `Pool "${pool.id}" left the file but still holds ${
          left.map((b) => `"${b.id}"`).join(", ")
        }: keep it in the file, or move those backends first`,
      });
    }
  }

  const fileKeys = new Set(file.keys.map((k) => k.id));
  const otherHashes = new Map(
    stored.keys.filter((k) => !fileKeys.has(k.id) && k.managed !== "file").map((
      k,
    ) => [k.key_hash, k.id]),
  );
  file.keys.forEach((k, i) => {
    const other = otherHashes.get(k.sha256);
    if (other !== undefined) {
      issues.push({
        path: `keys[${i}].sha256`,
        message: `The same secret is already client key "${other}" in the database`,
      });
    }
  });
  return issues;
}

function duplicates(
  section: string,
  values: readonly string[],
  issues: ConfigIssue[],
  field = "id",
): void {
  const first = new Map<string, number>();
  values.forEach((v, i) => {
    const seen = first.get(v);
    if (seen === undefined) first.set(v, i);
    else {
      issues.push({
        path: `${section}[${i}].${field}`,
        message: field === "id"
          ? `Duplicate id "${v}" (also ${section}[${seen}])`
          : `Same ${field} as ${section}[${seen}]`,
      });
    }
  });
}

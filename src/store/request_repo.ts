/**
 * @module request_repo
 * Request records: batched inserts from the proxy, newest-first listing
 * (narrowed by key, backend, model or outcome) and the usage aggregates
 * (docs/accounting.md).
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { createRequestWrites } from "./writer_statements.ts";
import {
  type RequestRecord,
  RequestRow,
  SeriesRow,
  SummaryRow,
  type UsageRow,
  UsageRow as UsageRowSchema,
} from "./rows.ts";

/** A request record as the proxy produces it (`ts` in epoch ms). */
export type RequestEntry = Omit<RequestRecord, "ts"> & { ts: number };

/** The record fields a listing can be narrowed by, each to one exact value. */
export const REQUEST_FILTER_FIELDS = ["key_id", "backend_id", "model", "outcome"] as const;
export type RequestFilterField = typeof REQUEST_FILTER_FIELDS[number];

/** Which records a listing keeps: those equal to every field given. */
export type RequestFilter = { [F in RequestFilterField]?: RequestRecord[F] & string };

/** The groupings `/api/usage` offers. */
export const USAGE_GROUPS = ["backend", "model", "pool", "key", "hour", "minute"] as const;
export type UsageGroup = typeof USAGE_GROUPS[number];

const GROUP_EXPR: Record<UsageGroup | SeriesGroup, string> = {
  total: "'total'",
  backend: "COALESCE(backend_id, '(none)')",
  model: "model",
  pool: "COALESCE(pool_id, '(none)')",
  key: "COALESCE(key_id, '(admin)')",
  hour: "strftime('%Y-%m-%dT%H:00:00Z', ts / 1000, 'unixepoch')",
  minute: "strftime('%Y-%m-%dT%H:%M:00Z', ts / 1000, 'unixepoch')",
};

/** The groupings the dashboard's time-series charts offer (`total`: one series). */
export const SERIES_GROUPS = ["backend", "model", "pool", "key", "total"] as const;
export type SeriesGroup = typeof SERIES_GROUPS[number];

/** Insert, list, aggregate and purge request records. */
export function createRequestRepo(db: DatabaseSync) {
  const writes = createRequestWrites(db);
  // One statement per combination of filters used, made on first use: the
  // column names come from REQUEST_FILTER_FIELDS, every value is bound.
  const listings = new Map<string, StatementSync>();
  const listing = (fields: readonly string[]) => {
    const sig = fields.join(",");
    let stmt = listings.get(sig);
    if (!stmt) {
      const where = fields.map((f) => (f === "before" ? "ts < ?" : `${f} = ?`)).join(" AND ");
      stmt = db.prepare(
        `SELECT * FROM requests ${where ? `WHERE ${where} ` : ""}ORDER BY ts DESC, id DESC LIMIT ?`,
      );
      listings.set(sig, stmt);
    }
    return stmt;
  };
  const usage = new Map(
    USAGE_GROUPS.map((g) => [g, db.prepare(usageSql(GROUP_EXPR[g]))] as const),
  );
  const series = new Map(
    SERIES_GROUPS.map((g) => [g, db.prepare(seriesSql(GROUP_EXPR[g]))] as const),
  );
  const totals = db.prepare(
    `SELECT COUNT(*) AS requests, COALESCE(SUM(outcome != 'ok'), 0) AS errors,
       COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens,
       COALESCE(SUM(completion_tokens), 0) AS completion_tokens,
       COALESCE(SUM(total_tokens), 0) AS total_tokens
     FROM requests WHERE ts >= ? AND ts < ?`,
  );
  const nthLatency = db.prepare(
    "SELECT latency_ms FROM requests WHERE ts >= ? AND ts < ? ORDER BY latency_ms LIMIT 1 OFFSET ?",
  );

  return {
    insert: writes.insert,
    /** Newest first; `before` (epoch ms) pages backwards; `filter` keeps the matching ones. */
    list(limit: number, before?: number, filter: RequestFilter = {}): RequestRecord[] {
      const fields: string[] = REQUEST_FILTER_FIELDS.filter((f) => filter[f] !== undefined);
      const values: (string | number)[] = fields.map((f) => filter[f as RequestFilterField]!);
      if (before !== undefined) {
        fields.push("before");
        values.push(before);
      }
      return listing(fields).all(...values, limit).map((r) => RequestRow.parse(r));
    },
    /**
     * Aggregates over `[since, until)` (epoch ms), one row per group; with
     * `keyId`, of that client key's requests only.
     */
    usage(group: UsageGroup, since: number, until: number, keyId?: string): UsageRow[] {
      const key = keyId ?? null;
      return usage.get(group)!.all(since, until, key, key).map((r) => UsageRowSchema.parse(r));
    },
    /** Per-`bucketMs` totals of each group over `[since, until)`, oldest bucket first. */
    series(group: SeriesGroup, bucketMs: number, since: number, until: number): SeriesRow[] {
      const size = Math.max(1, Math.floor(bucketMs));
      return series.get(group)!.all(size, size, since, until).map((r) => SeriesRow.parse(r));
    },
    /** Totals and nearest-rank p50/p95 latency over `[since, until)`. */
    summary(since: number, until: number): SummaryRow {
      const t = totals.get(since, until) as Record<string, unknown>;
      const n = Number(t.requests);
      const rank = (p: number) => {
        if (n === 0) return null;
        const row = nthLatency.get(since, until, Math.ceil(n * p) - 1) as
          | { latency_ms: number }
          | undefined;
        return row?.latency_ms ?? null;
      };
      return SummaryRow.parse({ ...t, p50_latency_ms: rank(0.5), p95_latency_ms: rank(0.95) });
    },
    purge: writes.purge,
  };
}
export type RequestRepo = ReturnType<typeof createRequestRepo>;

// p95 by nearest rank: the row at rank ceil(0.95 * n) of each group, found
// with window functions so no per-group query or client-side sort is needed.
function usageSql(keyExpr: string): string {
  return `
    WITH g AS (
      SELECT ${keyExpr} AS key, latency_ms, outcome, prompt_tokens, completion_tokens, total_tokens,
        cost_usd, unpriced
      FROM requests WHERE ts >= ? AND ts < ? AND (? IS NULL OR key_id = ?)
    ),
    ranked AS (
      SELECT key, latency_ms,
        ROW_NUMBER() OVER (PARTITION BY key ORDER BY latency_ms) AS rn,
        COUNT(*) OVER (PARTITION BY key) AS n
      FROM g
    ),
    p95 AS (SELECT key, latency_ms FROM ranked WHERE rn = (n * 95 + 99) / 100)
    SELECT a.key, a.requests, a.errors, a.prompt_tokens, a.completion_tokens, a.total_tokens,
      a.cost_usd, a.unpriced_requests, a.avg_latency_ms, COALESCE(p95.latency_ms, 0) AS p95_latency_ms
    FROM (
      SELECT key, COUNT(*) AS requests, SUM(outcome != 'ok') AS errors,
        SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens,
        SUM(total_tokens) AS total_tokens, ROUND(SUM(cost_usd), 10) AS cost_usd,
        SUM(unpriced) AS unpriced_requests,
        CAST(ROUND(AVG(latency_ms)) AS INTEGER) AS avg_latency_ms
      FROM g GROUP BY key
    ) a LEFT JOIN p95 ON p95.key = a.key
    ORDER BY a.key`;
}

// Bound JS numbers arrive as REAL: the casts keep the division integral.
function seriesSql(keyExpr: string): string {
  return `
    SELECT (ts / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket, ${keyExpr} AS key, COUNT(*) AS requests,
      SUM(outcome != 'ok') AS errors, SUM(prompt_tokens) AS prompt_tokens,
      SUM(completion_tokens) AS completion_tokens, SUM(total_tokens) AS total_tokens
    FROM requests WHERE ts >= ? AND ts < ?
    GROUP BY bucket, key ORDER BY bucket, key`;
}

/**
 * @module What Sidecar's own records say a client key did, read through the
 * admin API after the load (docs/keys.md, docs/accounting.md): the budget's
 * spend and reservations, the key's request records and their cost, and a
 * request for a model outside its allowlist. It shows that the governed
 * configuration's figures were made with admission and budgets at work, not
 * around them.
 */

/** The key's policy, its budget's state and its records after the load. */
export interface KeyAudit {
  keyId: string;
  /** The policy as Sidecar holds it. */
  policy: {
    models: string[] | null;
    rpmLimit: number | null;
    budgetUsd: number | null;
    budgetPeriod: string | null;
  };
  /** `spend_usd` of `GET /api/keys/:id`: settled in the current period, USD. */
  spendUsd: number;
  /** `reserved_usd`: still held by requests in flight, USD (0 once the load has ended). */
  reservedUsd: number;
  /** The key's row of `GET /api/usage?group_by=key`: its request records. */
  requests: number;
  errors: number;
  costUsd: number | null;
  unpricedRequests: number;
  /** A request for a model outside the allowlist, sent after the records were read. */
  refusal: { model: string; status: number; code: string | null };
}

/** Where and as whom the audit reads. */
export interface AuditAccess {
  /** Sidecar's origin. */
  base: string;
  adminToken: string;
  keyId: string;
  /** The client key's secret, for the refused request. */
  clientKey: string;
}

/** A model no allowlist of the bench names. */
export const OUTSIDE_MODEL = "not-on-the-allowlist";

/** How long in-flight reservations may take to settle after the load, ms. */
const SETTLE_MS = 10_000;

async function getJson(a: AuditAccess, path: string): Promise<unknown> {
  const res = await fetch(a.base + path, {
    headers: { authorization: `Bearer ${a.adminToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

interface KeyJson {
  models: string[] | null;
  rpm_limit: number | null;
  budget_usd: number | null;
  budget_period: string | null;
  spend_usd: number;
  reserved_usd: number;
}

interface UsageRow {
  key: string;
  requests: number;
  errors: number;
  cost_usd: number | null;
  unpriced_requests: number;
}

/** Reads the key once its reservations have settled, then its records, then makes the refusal. */
export async function auditKey(a: AuditAccess): Promise<KeyAudit> {
  const deadline = Date.now() + SETTLE_MS;
  let key: KeyJson;
  for (;;) {
    key = ((await getJson(a, `/api/keys/${a.keyId}`)) as { data: KeyJson }).data;
    if (key.reserved_usd === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const usage = (await getJson(a, "/api/usage?group_by=key")) as { data: UsageRow[] };
  const row = usage.data.find((u) => u.key === a.keyId);
  const refused = await fetch(`${a.base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${a.clientKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: OUTSIDE_MODEL, messages: [{ role: "user", content: "hi" }] }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await refused.json().catch(() => null) as { error?: { code?: unknown } } | null;
  return {
    keyId: a.keyId,
    policy: {
      models: key.models,
      rpmLimit: key.rpm_limit,
      budgetUsd: key.budget_usd,
      budgetPeriod: key.budget_period,
    },
    spendUsd: key.spend_usd,
    reservedUsd: key.reserved_usd,
    requests: row?.requests ?? 0,
    errors: row?.errors ?? 0,
    costUsd: row?.cost_usd ?? null,
    unpricedRequests: row?.unpriced_requests ?? 0,
    refusal: {
      model: OUTSIDE_MODEL,
      status: refused.status,
      code: typeof answer?.error?.code === "string" ? answer.error.code : null,
    },
  };
}

/**
 * @module A governed key against an ungoverned one (issue 14): the
 * `sidecar_governed` configuration keeps at least 95% of `sidecar`'s
 * throughput at every loaded level, in the same run. Beside it, the key's
 * audit (key_audit.ts): the budget settled a real cost for every recorded
 * request, nothing stayed reserved, and a model outside the allowlist was
 * refused, so the figures were made with admission and budgets at work.
 */

import type { KeyAudit } from "./key_audit.ts";
import { byId, fmtInt } from "./report_format.ts";
import {
  checkLines,
  checkTable,
  pendingReason,
  type SameRunCheck,
  throughputChecks,
} from "./report_same_run.ts";
import type { RunResults, TargetResult } from "./results.ts";
import { GOVERNED_PAIR } from "./settings.ts";

/** The target. */
export const GOVERNED_GOALS = {
  /** The governed key's req/s as a share of the ungoverned one's, percent, at every loaded level. */
  minThroughputPct: 95,
};

/** How far the budget's spend may be from the records' cost, USD (sums in another order). */
const SPEND_TOLERANCE_USD = 1e-6;

function usd(n: number | null): string {
  return n === null ? "–" : `$${n.toFixed(6)}`;
}

/**
 * Requests the bench saw answered through the key before the audit: the
 * checked ones and those of the measured load runs (warm-ups are not
 * counted, so Sidecar's records hold at least this many).
 */
export function requestsSent(t: TargetResult): number {
  const runs = Object.values(t.load ?? {}).flatMap((l) => l.runs);
  return (t.smoke?.ok ?? 0) + runs.reduce((n, run) => n + run.requests, 0);
}

/** The audit as a check: what admission and the budget did during the run. */
export function auditCheck(audit: KeyAudit, sent: number): SameRunCheck {
  const problems: string[] = [];
  if (!(audit.spendUsd > 0)) problems.push("nothing spent");
  if (audit.costUsd === null || Math.abs(audit.spendUsd - audit.costUsd) > SPEND_TOLERANCE_USD) {
    problems.push("spend is not the records' cost");
  }
  if (audit.reservedUsd !== 0) problems.push(`${usd(audit.reservedUsd)} still reserved`);
  if (audit.requests < sent) problems.push(`${fmtInt(sent - audit.requests)} requests unrecorded`);
  if (audit.unpricedRequests > 0) problems.push(`${fmtInt(audit.unpricedRequests)} unpriced`);
  const refused = audit.refusal.status === 403 && audit.refusal.code === "model_not_allowed";
  if (!refused) problems.push("the model outside the allowlist was not refused");
  return {
    what: "admission and budget at work",
    goal: "spend > 0 and = the records' cost, none reserved, every request recorded and priced, " +
      "a model outside the allowlist refused",
    measured:
      `${usd(audit.spendUsd)} spent, ${usd(audit.costUsd)} in ${fmtInt(audit.requests)} records (${
        fmtInt(sent)
      } answered to the bench, ${fmtInt(audit.errors)} not ok), ` +
      `${usd(audit.reservedUsd)} reserved; \`${audit.refusal.model}\`: ${audit.refusal.status} ` +
      `${audit.refusal.code ?? "no code"}` + (problems.length ? `: ${problems.join("; ")}` : ""),
    met: problems.length === 0,
  };
}

/** The checks of a run, or undefined when it did not measure both configurations. */
export function governedChecks(r: RunResults): SameRunCheck[] | undefined {
  const free = byId(r, GOVERNED_PAIR.ungoverned);
  const governed = byId(r, GOVERNED_PAIR.governed);
  if (!governed) return undefined;
  const checks = free?.load && governed.load
    ? throughputChecks(free, governed, GOVERNED_GOALS.minThroughputPct, {
      what: "throughput",
      versus: "the ungoverned key",
    })
    : [];
  if (governed.keyAudit) checks.push(auditCheck(governed.keyAudit, requestsSent(governed)));
  return checks.length ? checks : undefined;
}

/** The governed-key section of RESULTS.md's targets; none when the run left it out. */
export function governedTable(r: RunResults): string[] {
  const free = r.targets.find((t) => t.id === GOVERNED_PAIR.ungoverned);
  const governed = r.targets.find((t) => t.id === GOVERNED_PAIR.governed);
  if (!governed) return [];
  const out = [`**${governed.label}, against ${free?.label ?? "no policy"} in the same run**`, ""];
  const checks = governedChecks(r);
  if (!checks) {
    const why = pendingReason(governed, GOVERNED_PAIR.governed, GOVERNED_PAIR.ungoverned);
    return [...out, `Pending: ${why}.`, ""];
  }
  const p = governed.keyAudit?.policy;
  if (p) {
    out.push(
      `The key's policy: \`models\` ${JSON.stringify(p.models)}, \`rpm_limit\` ${
        fmtInt(p.rpmLimit ?? undefined)
      }, \`budget_usd\` ${fmtInt(p.budgetUsd ?? undefined)} a ${p.budgetPeriod}; the bench ` +
        `models priced. Read after the load: \`GET /api/keys/:id\` and the key's row of ` +
        `\`GET /api/usage?group_by=key\`, then one request for a model outside the allowlist.`,
      "",
    );
  }
  return [...out, ...checkTable(checks)];
}

/** Console lines for the run's summary; none when not measured. */
export function governedSummary(r: RunResults): string[] {
  return checkLines("governed key", governedChecks(r) ?? []);
}

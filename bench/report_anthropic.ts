/**
 * @module Anthropic backends against an OpenAI one (issue 15), in the same
 * run: a Messages request to an anthropic backend (`sidecar_messages`) costs
 * no more than a chat completion to an openai backend (`sidecar`), its req/s
 * within 10% at every loaded level; chat completions translated to and from
 * an anthropic backend (`sidecar_translated`) add at most 0.1 ms at the
 * median at one connection.
 */

import { byId } from "./report_format.ts";
import {
  addedP50Check,
  checkLines,
  checkTable,
  pendingReason,
  type SameRunCheck,
  throughputChecks,
} from "./report_same_run.ts";
import type { RunResults } from "./results.ts";
import { ANTHROPIC_SET } from "./settings.ts";

/** The targets. */
export const ANTHROPIC_GOALS = {
  /** Messages req/s as a share of chat completions', percent, at every loaded level. */
  minMessagesThroughputPct: 90,
  /** The translated configuration's p50 over `sidecar`'s at one connection, ms. */
  maxTranslationP50Ms: 0.1,
};

const VERSUS = "chat completions to an openai backend";

/** The checks of a run: each for a configuration measured beside `sidecar`. */
export function anthropicChecks(r: RunResults): SameRunCheck[] {
  const openai = byId(r, ANTHROPIC_SET.openai);
  if (!openai?.load) return [];
  const checks: SameRunCheck[] = [];
  const messages = byId(r, ANTHROPIC_SET.messages);
  if (messages?.load) {
    checks.push(
      ...throughputChecks(openai, messages, ANTHROPIC_GOALS.minMessagesThroughputPct, {
        what: "Messages throughput",
        versus: VERSUS,
      }),
    );
  }
  const translated = byId(r, ANTHROPIC_SET.translated);
  const added = translated?.load &&
    addedP50Check(openai, translated, ANTHROPIC_GOALS.maxTranslationP50Ms, {
      what: "p50 added by translation",
      versus: VERSUS,
    });
  if (added) checks.push(added);
  return checks;
}

/** The Anthropic section of RESULTS.md's targets; none when the run left both out. */
export function anthropicTable(r: RunResults): string[] {
  const ids: string[] = [ANTHROPIC_SET.messages, ANTHROPIC_SET.translated];
  if (!r.targets.some((t) => ids.includes(t.id))) return [];
  const openai = r.targets.find((t) => t.id === ANTHROPIC_SET.openai);
  const out = [
    `**Anthropic backends, against ${openai?.label ?? ANTHROPIC_SET.openai} in the same run**`,
    "",
  ];
  const checks = anthropicChecks(r);
  for (const id of ids) {
    const t = r.targets.find((x) => x.id === id);
    if (!t || (byId(r, id)?.load && byId(r, ANTHROPIC_SET.openai)?.load)) continue;
    out.push(`${t.label}: pending: ${pendingReason(t, id, ANTHROPIC_SET.openai)}.`, "");
  }
  return checks.length ? [...out, ...checkTable(checks)] : out;
}

/** Console lines for the run's summary; none when not measured. */
export function anthropicSummary(r: RunResults): string[] {
  return checkLines("anthropic", anthropicChecks(r));
}

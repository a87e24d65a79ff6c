/**
 * @module openai_usage
 * Token usage as OpenAI-compatible APIs report it: a chat, completions,
 * embeddings or Responses API body's `usage`, or a Responses API stream
 * event's `response.usage`.
 */
import { isRecord } from "../translate/json.ts";
import type { Usage } from "../usage.ts";

/**
 * Reads token usage from a chat, completions, embeddings or Responses API
 * body, or from a Responses API stream event (`response.usage`). Embeddings
 * report no completion tokens, which count as 0. The details priced apart
 * (docs/accounting.md, "Cost") are read where OpenAI puts them
 * (`prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`,
 * or their `input_`/`output_` names), and DeepSeek's `prompt_cache_hit_tokens`;
 * both are parts of the prompt and completion counts, never added to them.
 */
export function extractUsage(json: unknown): Usage | undefined {
  if (!isRecord(json)) return undefined;
  const usage = isRecord(json.usage)
    ? json.usage
    : isRecord(json.response) && isRecord(json.response.usage)
    ? json.response.usage
    : undefined;
  if (!usage) return undefined;
  const prompt = count(usage.prompt_tokens) ?? count(usage.input_tokens);
  const completion = count(usage.completion_tokens) ?? count(usage.output_tokens);
  const total = count(usage.total_tokens);
  if (prompt === undefined && completion === undefined && total === undefined) return undefined;
  const c = completion ?? 0;
  const p = prompt ?? Math.max(0, (total ?? 0) - c);
  const result: Usage = { prompt_tokens: p, completion_tokens: c, total_tokens: total ?? p + c };
  const cached = detail(usage, "prompt_tokens_details", "input_tokens_details", "cached_tokens") ??
    count(usage.prompt_cache_hit_tokens);
  const reasoning = detail(
    usage,
    "completion_tokens_details",
    "output_tokens_details",
    "reasoning_tokens",
  );
  if (cached !== undefined) result.cached_tokens = cached;
  if (reasoning !== undefined) result.reasoning_tokens = reasoning;
  return result;
}

/** `usage[a][field]`, else `usage[b][field]`, when it is a count. */
function detail(
  usage: Record<string, unknown>,
  a: string,
  b: string,
  field: string,
): number | undefined {
  const details = isRecord(usage[a]) ? usage[a] : isRecord(usage[b]) ? usage[b] : undefined;
  return details ? count(details[field]) : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

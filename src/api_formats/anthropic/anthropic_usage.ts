/**
 * @module anthropic_usage
 * Token usage as Anthropic's Messages API reports it, in Sidecar's one
 * vocabulary (usage.ts): its `input_tokens` leaves out the cached prompt,
 * so the whole prompt is `input_tokens + cache_creation_input_tokens +
 * cache_read_input_tokens`, and the cache reads are its cached tokens
 * (translate/usage.ts). A stream spreads the counts over `message_start`
 * and `message_delta`, whose counts are cumulative: {@link UsageCounter}
 * keeps the latest of each.
 */
import { isRecord, type Json } from "../translate/json.ts";
import { chatUsageOf } from "../translate/usage.ts";
import type { Usage } from "../usage.ts";

const FIELDS = [
  "input_tokens",
  "cache_creation_input_tokens",
  "cache_read_input_tokens",
  "output_tokens",
] as const;

/** The usage of a whole Messages answer; undefined for a body without one (a count_tokens answer). */
export function anthropicUsage(json: unknown): Usage | undefined {
  return isRecord(json) ? usageOfCounts(json.usage) : undefined;
}

/** The usage of one Anthropic `usage` object, when it reports any count. */
export function usageOfCounts(counts: unknown): Usage | undefined {
  if (!isRecord(counts) || !FIELDS.some((f) => typeof counts[f] === "number")) return undefined;
  const chat = chatUsageOf(counts);
  return {
    prompt_tokens: chat.prompt_tokens,
    completion_tokens: chat.completion_tokens,
    total_tokens: chat.total_tokens,
    cached_tokens: chat.prompt_tokens_details.cached_tokens,
  };
}

/** The usage of one stream so far. */
export class UsageCounter {
  #counts: Json = {};

  /** Takes the counts an event reports (the later of each wins); returns the usage so far. */
  add(counts: unknown): Usage | undefined {
    if (!isRecord(counts)) return undefined;
    for (const field of FIELDS) {
      if (typeof counts[field] === "number") this.#counts[field] = counts[field];
    }
    return usageOfCounts(this.#counts);
  }
}

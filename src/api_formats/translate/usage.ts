/**
 * @module usage
 * Token counts across the two families. They count the prompt differently:
 * OpenAI's `prompt_tokens` is the whole prompt, cached tokens included
 * (`prompt_tokens_details.cached_tokens` says how many were read from the
 * cache); Anthropic's `input_tokens` is only the part neither read from nor
 * written to the cache, beside `cache_read_input_tokens` and
 * `cache_creation_input_tokens`. So:
 *
 * - Anthropic → OpenAI: `prompt_tokens = input + cache_creation + cache_read`,
 *   `cached_tokens = cache_read`.
 * - OpenAI → Anthropic: `input_tokens = prompt_tokens - cached_tokens`,
 *   `cache_read_input_tokens = cached_tokens`, and
 *   `cache_creation_input_tokens = 0` (OpenAI reports no cache writes: they
 *   are in `input_tokens`).
 *
 * Either way the whole prompt and the completion count the same, so the
 * usage Sidecar records and charges is exact.
 */
import type { MessagesUsage } from "./anthropic_shapes.ts";
import type { ChatUsage } from "./chat_shapes.ts";
import { isRecord } from "./json.ts";

/** OpenAI's usage of an Anthropic `usage` object (zeros for counts it lacks). */
export function chatUsageOf(usage: unknown): ChatUsage {
  const u = isRecord(usage) ? usage : {};
  const read = count(u.cache_read_input_tokens);
  const prompt = count(u.input_tokens) + count(u.cache_creation_input_tokens) + read;
  const completion = count(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read },
  };
}

/** Anthropic's usage of an OpenAI `usage` object (zeros for counts it lacks). */
export function messagesUsageOf(usage: unknown): MessagesUsage {
  const u = isRecord(usage) ? usage : {};
  const prompt = count(u.prompt_tokens);
  const details = isRecord(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const cached = Math.min(count(details.cached_tokens), prompt);
  return {
    input_tokens: prompt - cached,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: count(u.completion_tokens),
  };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * @module usage
 * The token counts Sidecar records, limits and prices a request by, in one
 * vocabulary whatever API counted them: chat completions' (the whole prompt,
 * cached tokens included). Each API format reads its upstream's own counts
 * into this shape (openai_usage.ts, anthropic_usage.ts).
 */

/** Token counts of one upstream call, or of a request. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Of `prompt_tokens`, those read from the provider's prompt cache; absent when not reported. */
  cached_tokens?: number;
  /** Of `completion_tokens`, the reasoning tokens; absent when not reported. */
  reasoning_tokens?: number;
}

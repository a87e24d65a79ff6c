/**
 * @module default_prices
 * The price table a new database starts with (docs/accounting.md, "The
 * default table"): published list prices as of November 2025, in USD per
 * million tokens, standard tier, from the providers' own pricing pages:
 *
 * - OpenAI: https://openai.com/api/pricing/ (cached input as listed there)
 * - Anthropic: https://www.anthropic.com/pricing#api (cached input is the
 *   cache-read price; cache writes are not priced separately here)
 * - Google: https://ai.google.dev/gemini-api/docs/pricing (the price for
 *   prompts up to 200k tokens; no cached price, so cached tokens cost input)
 * - DeepSeek: https://api-docs.deepseek.com/quick_start/pricing (from
 *   2025-09-29; cached input is the cache-hit price)
 *
 * `max_output_tokens` is each model's documented largest answer. Prices
 * change: the table is seeded once and is the operator's to edit from then
 * on; Sidecar never rewrites it.
 */
import type { PriceEntry } from "./price_entry.ts";

type Price = Omit<PriceEntry, "model" | "cached_input_per_mtok" | "reasoning_per_mtok"> & {
  cached_input_per_mtok?: number;
};

function entry(model: string, p: Price): PriceEntry {
  return { cached_input_per_mtok: null, reasoning_per_mtok: null, ...p, model };
}

/** A model's alias and its dated snapshots (`gpt-4o-2024-08-06`), at one price. */
function withSnapshots(model: string, p: Price): PriceEntry[] {
  return [entry(model, p), entry(`${model}-20*`, p)];
}

const GPT_5 = {
  input_per_mtok: 1.25,
  cached_input_per_mtok: 0.125,
  output_per_mtok: 10,
  max_output_tokens: 128_000,
};
const GPT_5_CHAT = { ...GPT_5, max_output_tokens: 16_384 };
const CLAUDE_OPUS_4 = {
  input_per_mtok: 15,
  cached_input_per_mtok: 1.5,
  output_per_mtok: 75,
  max_output_tokens: 32_000,
};
const CLAUDE_SONNET = {
  input_per_mtok: 3,
  cached_input_per_mtok: 0.3,
  output_per_mtok: 15,
  max_output_tokens: 64_000,
};
const DEEPSEEK = { input_per_mtok: 0.28, cached_input_per_mtok: 0.028, output_per_mtok: 0.42 };

/** Seeded into the price table of a new database (store/migrations.ts). */
export const DEFAULT_PRICES: readonly PriceEntry[] = Object.freeze([
  // OpenAI
  ...withSnapshots("gpt-5", GPT_5),
  entry("gpt-5-chat-latest", GPT_5_CHAT),
  entry("gpt-5-codex", GPT_5),
  ...withSnapshots("gpt-5-mini", {
    input_per_mtok: 0.25,
    cached_input_per_mtok: 0.025,
    output_per_mtok: 2,
    max_output_tokens: 128_000,
  }),
  ...withSnapshots("gpt-5-nano", {
    input_per_mtok: 0.05,
    cached_input_per_mtok: 0.005,
    output_per_mtok: 0.4,
    max_output_tokens: 128_000,
  }),
  ...withSnapshots("gpt-5-pro", {
    input_per_mtok: 15,
    output_per_mtok: 120,
    max_output_tokens: 272_000,
  }),
  ...withSnapshots("gpt-5.1", GPT_5),
  entry("gpt-5.1-chat-latest", GPT_5_CHAT),
  entry("gpt-5.1-codex", GPT_5),
  ...withSnapshots("gpt-4.1", {
    input_per_mtok: 2,
    cached_input_per_mtok: 0.5,
    output_per_mtok: 8,
    max_output_tokens: 32_768,
  }),
  ...withSnapshots("gpt-4.1-mini", {
    input_per_mtok: 0.4,
    cached_input_per_mtok: 0.1,
    output_per_mtok: 1.6,
    max_output_tokens: 32_768,
  }),
  ...withSnapshots("gpt-4.1-nano", {
    input_per_mtok: 0.1,
    cached_input_per_mtok: 0.025,
    output_per_mtok: 0.4,
    max_output_tokens: 32_768,
  }),
  ...withSnapshots("gpt-4o", {
    input_per_mtok: 2.5,
    cached_input_per_mtok: 1.25,
    output_per_mtok: 10,
    max_output_tokens: 16_384,
  }),
  entry("gpt-4o-2024-05-13", { input_per_mtok: 5, output_per_mtok: 15, max_output_tokens: 4096 }),
  ...withSnapshots("gpt-4o-mini", {
    input_per_mtok: 0.15,
    cached_input_per_mtok: 0.075,
    output_per_mtok: 0.6,
    max_output_tokens: 16_384,
  }),
  ...withSnapshots("o1", {
    input_per_mtok: 15,
    cached_input_per_mtok: 7.5,
    output_per_mtok: 60,
    max_output_tokens: 100_000,
  }),
  ...withSnapshots("o3", {
    input_per_mtok: 2,
    cached_input_per_mtok: 0.5,
    output_per_mtok: 8,
    max_output_tokens: 100_000,
  }),
  ...withSnapshots("o3-pro", {
    input_per_mtok: 20,
    output_per_mtok: 80,
    max_output_tokens: 100_000,
  }),
  ...withSnapshots("o3-mini", {
    input_per_mtok: 1.1,
    cached_input_per_mtok: 0.55,
    output_per_mtok: 4.4,
    max_output_tokens: 100_000,
  }),
  ...withSnapshots("o4-mini", {
    input_per_mtok: 1.1,
    cached_input_per_mtok: 0.275,
    output_per_mtok: 4.4,
    max_output_tokens: 100_000,
  }),
  entry("text-embedding-3-small", {
    input_per_mtok: 0.02,
    output_per_mtok: 0,
    max_output_tokens: null,
  }),
  entry("text-embedding-3-large", {
    input_per_mtok: 0.13,
    output_per_mtok: 0,
    max_output_tokens: null,
  }),
  entry("text-embedding-ada-002", {
    input_per_mtok: 0.1,
    output_per_mtok: 0,
    max_output_tokens: null,
  }),
  // Anthropic: dated ids (claude-opus-4-1-20250805) and aliases (claude-opus-4-1) alike.
  entry("claude-opus-4-5*", {
    input_per_mtok: 5,
    cached_input_per_mtok: 0.5,
    output_per_mtok: 25,
    max_output_tokens: 64_000,
  }),
  entry("claude-opus-4-1*", CLAUDE_OPUS_4),
  entry("claude-opus-4-0*", CLAUDE_OPUS_4),
  entry("claude-opus-4-2025*", CLAUDE_OPUS_4),
  entry("claude-sonnet-4*", CLAUDE_SONNET),
  entry("claude-3-7-sonnet*", CLAUDE_SONNET),
  entry("claude-3-5-sonnet*", { ...CLAUDE_SONNET, max_output_tokens: 8192 }),
  entry("claude-haiku-4-5*", {
    input_per_mtok: 1,
    cached_input_per_mtok: 0.1,
    output_per_mtok: 5,
    max_output_tokens: 64_000,
  }),
  entry("claude-3-5-haiku*", {
    input_per_mtok: 0.8,
    cached_input_per_mtok: 0.08,
    output_per_mtok: 4,
    max_output_tokens: 8192,
  }),
  entry("claude-3-opus*", { ...CLAUDE_OPUS_4, max_output_tokens: 4096 }),
  entry("claude-3-haiku*", {
    input_per_mtok: 0.25,
    cached_input_per_mtok: 0.03,
    output_per_mtok: 1.25,
    max_output_tokens: 4096,
  }),
  // Google Gemini (OpenAI-compatible endpoint names)
  entry("gemini-2.5-pro", { input_per_mtok: 1.25, output_per_mtok: 10, max_output_tokens: 65_536 }),
  entry("gemini-2.5-flash", {
    input_per_mtok: 0.3,
    output_per_mtok: 2.5,
    max_output_tokens: 65_536,
  }),
  entry("gemini-2.5-flash-lite", {
    input_per_mtok: 0.1,
    output_per_mtok: 0.4,
    max_output_tokens: 65_536,
  }),
  entry("gemini-2.0-flash", { input_per_mtok: 0.1, output_per_mtok: 0.4, max_output_tokens: 8192 }),
  entry("gemini-2.0-flash-lite", {
    input_per_mtok: 0.075,
    output_per_mtok: 0.3,
    max_output_tokens: 8192,
  }),
  // DeepSeek
  entry("deepseek-chat", { ...DEEPSEEK, max_output_tokens: 8192 }),
  entry("deepseek-reasoner", { ...DEEPSEEK, max_output_tokens: 65_536 }),
]);

/**
 * @module token_count_estimate
 * A `count_tokens` answer for a model only `openai` backends serve, which
 * have no such endpoint: an estimate, marked as one (docs/anthropic.md,
 * "Counting tokens"). Text counts one token per four characters, as every
 * other estimate in Sidecar does (pricing/token_estimate.ts); an image
 * counts what Anthropic charges for the largest it takes, since its size
 * is not read.
 */
import { tokensOfChars } from "../../pricing/token_estimate.ts";
import { isRecord, type Json } from "../translate/json.ts";

/** Anthropic's cost of an image at its largest size, (1092 × 1092) / 750 pixels per token. */
export const IMAGE_TOKENS = 1590;

/** The estimated `input_tokens` of a Messages request body. */
export function estimateInputTokens(body: Json): number {
  const count = { chars: 0, images: 0 };
  contentChars(body.system, count);
  if (Array.isArray(body.messages)) {
    for (const m of body.messages) if (isRecord(m)) contentChars(m.content, count);
  }
  if (Array.isArray(body.tools)) count.chars += JSON.stringify(body.tools).length;
  return tokensOfChars(count.chars) + count.images * IMAGE_TOKENS;
}

/** Adds the characters and images of a content string or block list to `count`. */
function contentChars(content: unknown, count: { chars: number; images: number }): void {
  if (typeof content === "string") {
    count.chars += content.length;
    return;
  }
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (!isRecord(block)) continue;
    switch (block.type) {
      case "image":
        count.images++;
        break;
      case "tool_use":
        count.chars += JSON.stringify(block.input ?? {}).length;
        break;
      case "tool_result":
        contentChars(block.content, count);
        break;
      default:
        for (const field of ["text", "thinking"]) {
          const value = block[field];
          if (typeof value === "string") count.chars += value.length;
        }
    }
  }
}

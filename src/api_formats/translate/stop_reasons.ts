/**
 * @module stop_reasons
 * Why an answer ended, in each family's words: Anthropic's `stop_reason`
 * and OpenAI's `finish_reason`.
 *
 * | Anthropic `stop_reason` | OpenAI `finish_reason` |
 * | --- | --- |
 * | `end_turn`, `stop_sequence`, `pause_turn` | `stop` |
 * | `max_tokens`, `model_context_window_exceeded` | `length` |
 * | `tool_use` | `tool_calls` (and the legacy `function_call`) |
 * | `refusal` | `content_filter` |
 *
 * OpenAI's `stop` does not say whether a stop sequence matched, so it
 * becomes `end_turn` with `stop_sequence: null`; vLLM's extension, the
 * matched stop string in the choice's `stop_reason`, becomes `stop_sequence`.
 */
import type { StopReason } from "./anthropic_shapes.ts";
import type { FinishReason } from "./chat_shapes.ts";

/** An Anthropic answer's ending. */
export interface Stop {
  stop_reason: StopReason;
  stop_sequence: string | null;
}

/** The `finish_reason` of an Anthropic `stop_reason` (`stop` for one not known). */
export function finishReasonOf(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

/**
 * The Anthropic ending of an OpenAI choice: its `finish_reason`, and
 * `matched`, the choice's `stop_reason` where vLLM names the stop string
 * that ended it (`end_turn` for a reason not known).
 */
export function stopOf(finishReason: unknown, matched?: unknown): Stop {
  switch (finishReason) {
    case "length":
      return { stop_reason: "max_tokens", stop_sequence: null };
    case "tool_calls":
    case "function_call":
      return { stop_reason: "tool_use", stop_sequence: null };
    case "content_filter":
      return { stop_reason: "refusal", stop_sequence: null };
    default:
      return typeof matched === "string"
        ? { stop_reason: "stop_sequence", stop_sequence: matched }
        : { stop_reason: "end_turn", stop_sequence: null };
  }
}

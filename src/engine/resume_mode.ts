/**
 * @module resume_mode
 * How a backend lets a broken chat stream be continued: the one schema the
 * admin input, the stored row and the routing table share.
 */
import { z } from "zod";

/**
 * - `off`: a broken stream ends with an in-band error, as before.
 * - `prefill`: the conversation is sent again with the delivered text as a
 *   final assistant message, which the model continues (Anthropic-style).
 * - `continue_final_message`: the same, plus `"continue_final_message": true,
 *   "add_generation_prompt": false` in the body, which vLLM needs to continue
 *   that message instead of starting a new turn.
 */
export const ResumeMode = z.enum(["off", "prefill", "continue_final_message"], {
  error: 'Must be "off", "prefill" or "continue_final_message"',
});
export type ResumeMode = z.infer<typeof ResumeMode>;

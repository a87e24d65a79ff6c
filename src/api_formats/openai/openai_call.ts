/**
 * @module openai_call
 * What Sidecar reads of an OpenAI request body before routing it: the
 * model, whether it streams, and whether the client asked for a chat
 * stream's usage chunk. Everything else is the upstream's to judge.
 */
import { MAX_MODEL_BYTES } from "../../text_bounds.ts";
import type { CallFields } from "../api_format.ts";
import { callModel } from "../call_model.ts";
import type { Json } from "../translate/json.ts";

const MODEL_MESSAGES = {
  missing: 'Missing required field "model"',
  tooLong: `Field "model" exceeds ${MAX_MODEL_BYTES} bytes`,
};

/** The fields of an OpenAI request body that routing and admission read. */
export function openAiCallFields(body: Json): CallFields {
  const opts = body.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: callModel(body.model, MODEL_MESSAGES),
    stream: body.stream === true,
    clientWantsUsage: opts?.include_usage === true,
  };
}

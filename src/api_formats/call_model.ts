/**
 * @module call_model
 * The `model` a request is routed by, read the same way for every API: a
 * non-empty string, bounded before the name reaches the routing cache, a
 * record or a log line.
 */
import { BadRequestError } from "../errors.ts";
import { exceedsUtf8Bytes, MAX_MODEL_BYTES } from "../text_bounds.ts";

/** How an API words the two refusals. */
export interface ModelMessages {
  missing: string;
  tooLong: string;
}

/** `value` as a model name, or a 400 at `model` worded by `messages`. */
export function callModel(value: unknown, messages: ModelMessages): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new BadRequestError(messages.missing, "model");
  }
  if (exceedsUtf8Bytes(value, MAX_MODEL_BYTES)) {
    throw new BadRequestError(messages.tooLong, "model");
  }
  return value;
}

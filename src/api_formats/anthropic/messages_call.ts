/**
 * @module messages_call
 * What Sidecar reads of a Messages request before routing it, refusing
 * what Anthropic's API itself refuses first, in its words (the field's path,
 * then what is wrong): so a request that no translation could carry
 * (no `max_tokens`, `messages` not a list) gets the same 400 from every
 * backend, and an `openai` one is never asked. The rest is the upstream's,
 * or the translation's, to judge.
 * https://docs.claude.com/en/api/messages
 */
import { BadRequestError } from "../../errors.ts";
import { MAX_MODEL_BYTES } from "../../text_bounds.ts";
import type { CallFields } from "../api_format.ts";
import { callModel } from "../call_model.ts";
import type { Endpoint } from "../endpoint.ts";
import type { Json } from "../translate/json.ts";

const MODEL_MESSAGES = {
  missing: "model: Field required",
  tooLong: `model: String should have at most ${MAX_MODEL_BYTES} bytes`,
};

/**
 * The client's headers of Anthropic's API that go on to an `anthropic`
 * backend: the version its body is written for, and the betas it uses.
 */
const API_HEADERS = ["anthropic-version", "anthropic-beta"] as const;

/** The fields of a Messages (or count_tokens) request body that routing and admission read. */
export function messagesCallFields(endpoint: Endpoint, body: Json, headers: Headers): CallFields {
  const model = callModel(body.model, MODEL_MESSAGES);
  if (body.messages === undefined) refuse("messages", "Field required");
  if (!Array.isArray(body.messages)) refuse("messages", "Input should be a valid list");
  if (endpoint === "/messages") {
    const max = body.max_tokens;
    if (max === undefined) refuse("max_tokens", "Field required");
    if (typeof max !== "number" || !Number.isInteger(max)) {
      refuse("max_tokens", "Input should be a valid integer");
    }
    if (max < 1) refuse("max_tokens", "Input should be greater than or equal to 1");
    if (body.stream !== undefined && typeof body.stream !== "boolean") {
      refuse("stream", "Input should be a valid boolean");
    }
  }
  const apiHeaders: Record<string, string> = {};
  for (const name of API_HEADERS) {
    const value = headers.get(name);
    if (value !== null) apiHeaders[name] = value;
  }
  return { model, stream: body.stream === true, clientWantsUsage: false, apiHeaders };
}

function refuse(field: string, why: string): never {
  throw new BadRequestError(`${field}: ${why}`, field);
}

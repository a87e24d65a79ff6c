/**
 * @module openai_request
 * The request sent to an OpenAI-compatible backend: its URL (the base with
 * the endpoint appended), its own key as a Bearer token (never the
 * client's), the model rewritten by `model_map`, for chat streams a request
 * for the usage chunk so every stream can be accounted, a Messages request
 * translated to chat completions (translate/), and a continuation's
 * prefill. An OpenAI client's bytes go up unchanged when none of that
 * changes them, as for most requests.
 */
import { upstreamModel } from "../../engine/model_match.ts";
import type { LiveBackend } from "../../engine/registry.ts";
import type { ClientCall } from "../../proxy/upstream_request.ts";
import type { Prefill, UpstreamRequest } from "../api_format.ts";
import { exactBody, prefilledBody } from "../exact_body.ts";
import type { Json } from "../translate/json.ts";
import { upstreamUrl } from "../upstream_url.ts";

/** Builds the upstream `fetch` arguments of `call` for `backend`. */
export function openAiRequest(
  call: ClientCall,
  backend: LiveBackend,
  signal: AbortSignal,
  prefill?: Prefill,
): UpstreamRequest {
  const model = upstreamModel(backend.model_map, call.model);
  const native = call.api === "openai";
  // A translated stream asks for its usage chunk itself (translate/).
  const askUsage = native && call.stream && call.endpoint === "/chat/completions" &&
    !call.clientWantsUsage;
  let body: BodyInit = call.raw;
  // Re-serialise only when something changes: most requests go up byte for byte.
  if (!native || model !== call.model || askUsage || prefill) {
    const base = native
      ? exactBody(call.body, call.raw)
      : call.translations.bodyFor(call.api, "openai", call.body);
    let changed: Json = { ...base, model };
    if (prefill) changed = continued(changed, prefill);
    if (askUsage) {
      const opts = typeof changed.stream_options === "object" && changed.stream_options !== null
        ? changed.stream_options
        : {};
      changed.stream_options = { ...opts, include_usage: true };
    }
    body = JSON.stringify(changed);
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: call.stream ? "text/event-stream" : "application/json",
  };
  if (backend.api_key !== "") headers.authorization = `Bearer ${backend.api_key}`;
  return {
    url: upstreamUrl(backend.base_url, native ? call.endpoint : "/chat/completions"),
    upstreamModel: model,
    init: { method: "POST", headers, body, signal },
  };
}

/**
 * The chat body continuing `prefill`: the delivered text as a final
 * assistant message, and for vLLM `continue_final_message`, which it needs
 * to continue that message instead of starting a new turn after it.
 */
function continued(body: Json, prefill: Prefill): Json {
  const out = prefilledBody(body, prefill.text);
  if (prefill.mode === "continue_final_message" && prefill.text !== "") {
    return { ...out, continue_final_message: true, add_generation_prompt: false };
  }
  return out;
}

/**
 * @module anthropic_request
 * The request sent to an `anthropic` backend, Anthropic's Messages API: its
 * URL (the host root with `/v1/messages` or `/v1/messages/count_tokens`),
 * its own key as `x-api-key` (never the client's, never a Bearer token), the
 * `anthropic-version` the client sent (its body is written for it) or
 * 2023-06-01, with the client's `anthropic-beta`; the model rewritten by
 * `model_map`; a chat completions request translated (translate/); a
 * continuation's prefill. A Messages client's bytes go up unchanged when
 * none of that changes them.
 */
import { upstreamModel } from "../../engine/model_match.ts";
import type { LiveBackend } from "../../engine/registry.ts";
import type { ClientCall } from "../../proxy/upstream_request.ts";
import type { Prefill, UpstreamRequest } from "../api_format.ts";
import { exactBody, prefilledBody } from "../exact_body.ts";
import type { Json } from "../translate/json.ts";
import { upstreamUrl } from "../upstream_url.ts";

/**
 * The API version Sidecar's own requests are written for (a chat client's,
 * translated): the one whose sampling fields (`temperature`, `top_p`) the
 * translation sends.
 */
export const ANTHROPIC_VERSION = "2023-06-01";

/** Builds the upstream `fetch` arguments of `call` for `backend`. */
export function anthropicRequest(
  call: ClientCall,
  backend: LiveBackend,
  signal: AbortSignal,
  prefill?: Prefill,
): UpstreamRequest {
  const model = upstreamModel(backend.model_map, call.model);
  const native = call.api === "anthropic";
  let body: BodyInit = call.raw;
  if (!native || model !== call.model || prefill) {
    const base = native
      ? exactBody(call.body, call.raw)
      : call.translations.bodyFor(call.api, "anthropic", call.body);
    let changed: Json = { ...base, model };
    if (prefill) changed = prefilledBody(changed, prefill.text);
    body = JSON.stringify(changed);
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: call.stream ? "text/event-stream" : "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
    ...(native ? call.apiHeaders : undefined),
  };
  if (backend.api_key !== "") headers["x-api-key"] = backend.api_key;
  const path = call.endpoint === "/messages/count_tokens"
    ? "/v1/messages/count_tokens"
    : "/v1/messages";
  return {
    url: upstreamUrl(backend.base_url, path),
    upstreamModel: model,
    init: { method: "POST", headers, body, signal },
  };
}

/**
 * @module base_url
 * What a backend's stored `base_url` means, by the API it speaks, and the
 * one rule that turns what an operator typed into it (docs/api.md, "Base
 * URL"). The admin API, the dashboard and the config file all store what
 * {@link normalizeBaseUrl} returns, so the request path only appends:
 *
 * - `openai`: the API's base, version included (`https://api.openai.com/v1`);
 *   the request path appends the endpoint (`/chat/completions`, ...).
 * - `anthropic`: the host root (`https://api.anthropic.com`); the request
 *   path appends `/v1/messages` (or `/v1/messages/count_tokens`).
 *
 * Trailing slashes are dropped for both. An Anthropic URL given with `/v1`
 * or an endpoint is cut back to the root, with a note saying so. An OpenAI
 * URL that names an endpoint is refused rather than cut: where its base ends
 * (`/v1`, `/openai/v1`, `/v1beta/openai`) differs between providers.
 */
import type { ApiFamily } from "../engine/api_family.ts";

/** What an operator's URL becomes: the URL to store (and a note when it was changed), or why not. */
export type BaseUrlResult =
  | { ok: true; base_url: string; note: string | null }
  | { ok: false; message: string };

/** The OpenAI endpoints Sidecar appends to an `openai` base (proxy/upstream_request.ts). */
const OPENAI_ENDPOINT = /\/(chat\/completions|completions|embeddings|responses)$/i;
/** Anthropic's Messages endpoints. */
const MESSAGES_ENDPOINT = /\/messages(\/count_tokens)?$/i;
/** What an `anthropic` base may carry past its root: the version, or the version and an endpoint. */
const ANTHROPIC_SUFFIX = /\/v1(\/messages(\/count_tokens)?)?$/i;

/**
 * The URL to store for a backend speaking `api`, from `url` as given (an
 * http(s) URL; admin/inputs.ts checks that). A query or fragment is kept
 * and left out of the checks.
 */
export function normalizeBaseUrl(api: ApiFamily, url: string): BaseUrlResult {
  const cut = url.search(/[?#]/);
  const tail = cut < 0 ? "" : url.slice(cut);
  const head = (cut < 0 ? url : url.slice(0, cut)).replace(/\/+$/, "");
  // The path starts at the first slash after the scheme's: a host named v1 is no suffix.
  const slash = head.indexOf("/", head.indexOf("//") + 2);
  const path = slash < 0 ? "" : head.slice(slash);
  if (api === "openai") {
    const endpoint = path.match(OPENAI_ENDPOINT)?.[0];
    if (endpoint) {
      return refuse(
        `ends in the endpoint ${endpoint}: give the API's base instead ` +
          `(such as https://api.openai.com/v1); Sidecar appends the endpoint`,
      );
    }
    const messages = path.match(MESSAGES_ENDPOINT)?.[0];
    if (messages) {
      return refuse(
        `ends in ${messages}, Anthropic's Messages endpoint: for Anthropic's API set api ` +
          `to "anthropic" with the host root (such as https://api.anthropic.com)`,
      );
    }
    return { ok: true, base_url: head + tail, note: null };
  }
  const endpoint = path.match(OPENAI_ENDPOINT)?.[0];
  if (endpoint) {
    return refuse(
      `ends in ${endpoint}, an OpenAI endpoint: an anthropic backend takes the host root ` +
        `(such as https://api.anthropic.com); for an OpenAI-compatible API set api to "openai"`,
    );
  }
  const suffix = path.match(ANTHROPIC_SUFFIX)?.[0];
  if (!suffix) return { ok: true, base_url: head + tail, note: null };
  const root = head.slice(0, head.length - suffix.length) + tail;
  return {
    ok: true,
    base_url: root,
    note: `base_url "${url}" was stored as "${root}": an anthropic backend's base URL is ` +
      `the host root, and Sidecar appends /v1/messages`,
  };
}

function refuse(reason: string): BaseUrlResult {
  return { ok: false, message: `The base URL ${reason}` };
}

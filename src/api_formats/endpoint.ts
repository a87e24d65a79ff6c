/**
 * @module endpoint
 * The `/v1` endpoints Sidecar proxies, which API family each belongs to,
 * and which backends can serve it: a backend serves the endpoints of its
 * own API, and the other family's where a translation exists
 * (docs/api_formats.md).
 */
import type { ApiFamily } from "../engine/api_family.ts";

/** The endpoints Sidecar proxies, as path suffixes after `/v1`. */
export type Endpoint =
  | "/chat/completions"
  | "/completions"
  | "/embeddings"
  | "/responses"
  | "/messages"
  | "/messages/count_tokens";

/** What Sidecar knows of one endpoint. */
export interface EndpointSpec {
  /** The API its clients speak. */
  api: ApiFamily;
  /** The APIs of the backends that can serve it. */
  servedBy: readonly ApiFamily[];
}

/**
 * Every endpoint, in the order the routes are registered. Chat completions
 * and Messages translate into each other (translate/); the other OpenAI
 * endpoints have no Anthropic counterpart, and counting tokens is only
 * asked of an `anthropic` backend (for `openai` ones Sidecar estimates it).
 */
export const ENDPOINTS: Readonly<Record<Endpoint, EndpointSpec>> = {
  "/chat/completions": { api: "openai", servedBy: ["openai", "anthropic"] },
  "/completions": { api: "openai", servedBy: ["openai"] },
  "/embeddings": { api: "openai", servedBy: ["openai"] },
  "/responses": { api: "openai", servedBy: ["openai"] },
  "/messages": { api: "anthropic", servedBy: ["anthropic", "openai"] },
  "/messages/count_tokens": { api: "anthropic", servedBy: ["anthropic"] },
};

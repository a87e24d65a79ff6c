/**
 * @module api_family
 * Which API a backend speaks (docs/api.md, "Backends"): the one schema the
 * admin input, the stored row, the config file and the routing table share,
 * so the request path reads `backend.api` and never guesses from a URL.
 */
import { z } from "zod";

/**
 * - `openai`: an OpenAI-compatible API; `base_url` is its base including the
 *   version (`https://api.openai.com/v1`) and Sidecar appends the endpoint
 *   (`/chat/completions`, ...).
 * - `anthropic`: Anthropic's Messages API natively; `base_url` is the host
 *   root (`https://api.anthropic.com`) and Sidecar appends `/v1/messages`,
 *   sending the key as `x-api-key` with `anthropic-version`.
 */
export const API_FAMILIES = ["openai", "anthropic"] as const;

/** A backend's `api`; `openai` when not given. */
export const ApiFamily = z.enum(API_FAMILIES, { error: 'Must be "openai" or "anthropic"' });
export type ApiFamily = z.infer<typeof ApiFamily>;

/**
 * @module formats
 * The API format of each family (api_format.ts), by the name a backend's
 * `api` field and a request's endpoint give it.
 */
import type { ApiFamily } from "../engine/api_family.ts";
import type { ApiFormat } from "./api_format.ts";
import { ANTHROPIC } from "./anthropic/anthropic_format.ts";
import { OPENAI } from "./openai/openai_format.ts";

const FORMATS: Readonly<Record<ApiFamily, ApiFormat>> = { openai: OPENAI, anthropic: ANTHROPIC };

/** The format of `api`. */
export function formatOf(api: ApiFamily): ApiFormat {
  return FORMATS[api];
}

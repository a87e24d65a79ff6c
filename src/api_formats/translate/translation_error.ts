/**
 * @module translation_error
 * The error of the translation between the OpenAI and Anthropic API
 * families: what could not be translated, and where (the `path` of the
 * field, such as `messages[2].content[0].type`). A SidecarError, so the one
 * mapper renders it; the Anthropic front door renders it in Anthropic's shape
 * through openAiErrorToAnthropic().
 */
import { SidecarError } from "../../errors.ts";

/** Which body could not be translated: the client's request, or the upstream's answer. */
export type TranslatedBody = "request" | "response";

/**
 * A request Sidecar cannot translate (400 `invalid_request_error`, `param`
 * the path), or an upstream answer it cannot (502 `server_error`, code
 * `untranslatable_response`: the backend answered, but not in a form the
 * client's API can carry).
 */
export class TranslationError extends SidecarError {
  constructor(
    /** Where in the body: `messages[2].content[0].type`. */
    readonly path: string,
    reason: string,
    readonly body: TranslatedBody = "request",
  ) {
    super(
      body === "request" ? 400 : 502,
      body === "request" ? "invalid_request_error" : "server_error",
      `${reason} at ${path}`,
      body === "request" ? null : "untranslatable_response",
      body === "request" ? path : null,
    );
  }
}

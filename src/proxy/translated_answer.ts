/**
 * @module translated_answer
 * A committed non-stream answer of the other API family, read whole (it is
 * re-written, so it cannot be relayed as it arrives) and translated for the
 * client (api_formats/answer_translation.ts). An answer that is cut short,
 * too large, not JSON or not translatable is Sidecar's own 502: the backend
 * answered, but nothing the client's API can carry.
 */
import { type AnswerIdentity, translateAnswer } from "../api_formats/answer_translation.ts";
import { isRecord } from "../api_formats/translate/json.ts";
import { TranslationError } from "../api_formats/translate/translation_error.ts";
import type { Usage } from "../api_formats/usage.ts";
import type { ApiFamily } from "../engine/api_family.ts";
import { type SidecarError, UpstreamFailedError } from "../errors.ts";
import type { KeyScrubber } from "../key_scrubber.ts";
import type { UsageReader } from "./body_relay.ts";
import { concatBytes } from "../bytes.ts";

/** The largest answer translated; bigger ones are refused (no chat or Messages answer comes near). */
export const TRANSLATED_ANSWER_LIMIT = 16 * 1024 * 1024;

/** What a translated answer came to: the client's body and the upstream's usage, or a 502. */
export type TranslatedAnswer =
  | { ok: true; body: string; usage: Usage | undefined }
  | { ok: false; error: SidecarError };

const utf8 = new TextDecoder();

/** Reads `res` whole and translates it for a client of `to`. */
export async function translatedAnswer(
  res: Response,
  to: ApiFamily,
  identity: AnswerIdentity,
  scrub: KeyScrubber,
  usageOf: UsageReader,
): Promise<TranslatedAnswer> {
  const bytes = await readWhole(res);
  if (!(bytes instanceof Uint8Array)) return { ok: false, error: bytes };
  let json: unknown;
  try {
    // An echo server can send the key back in a success body too.
    json = JSON.parse(scrub.text(utf8.decode(bytes)));
  } catch {
    return failed("The upstream answer is not JSON", "untranslatable_response");
  }
  if (!isRecord(json)) {
    return failed("The upstream answer is not a JSON object", "untranslatable_response");
  }
  try {
    return {
      ok: true,
      body: JSON.stringify(translateAnswer(to, json, identity)),
      usage: usageOf(json),
    };
  } catch (err) {
    if (err instanceof TranslationError) return { ok: false, error: err };
    throw err;
  }
}

function failed(message: string, code: string): TranslatedAnswer {
  return { ok: false, error: new UpstreamFailedError(502, message, code) };
}

const TOO_LARGE = `The upstream answer is larger than ${TRANSLATED_ANSWER_LIMIT} bytes`;

/** The body's bytes, or why there are none to translate. */
async function readWhole(res: Response): Promise<Uint8Array<ArrayBuffer> | SidecarError> {
  if (!res.body) return new Uint8Array();
  if (Number(res.headers.get("content-length") ?? NaN) > TRANSLATED_ANSWER_LIMIT) {
    await res.body.cancel().catch(() => {});
    return new UpstreamFailedError(502, TOO_LARGE, "upstream_body_too_large");
  }
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return concatBytes(parts);
      size += value.length;
      if (size > TRANSLATED_ANSWER_LIMIT) {
        await reader.cancel().catch(() => {});
        return new UpstreamFailedError(502, TOO_LARGE, "upstream_body_too_large");
      }
      parts.push(value);
    }
  } catch {
    return new UpstreamFailedError(
      502,
      "The upstream body was cut short",
      "upstream_body_truncated",
    );
  }
}

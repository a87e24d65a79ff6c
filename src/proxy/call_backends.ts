/**
 * @module call_backends
 * Which of a model's candidates can serve a call: a backend whose API
 * serves the call's endpoint (api_formats/endpoint.ts), and, when that is
 * the other API family, only if the call translates into it. The body is
 * translated here, once per family, so a request that cannot be is never
 * sent there (and, when nothing else serves the model, is refused with the
 * translation's 400 naming the field) whichever backend the rotation would
 * have picked first.
 */
import { ENDPOINTS } from "../api_formats/endpoint.ts";
import { TranslationError } from "../api_formats/translate/translation_error.ts";
import type { LiveBackend } from "../engine/registry.ts";
import type { ClientCall } from "./upstream_request.ts";

/** What a call's candidates come to. */
export interface CallBackends {
  /** Candidates that cannot serve the call, by id. */
  excluded: ReadonlySet<string>;
  /** Candidates that can. */
  serving: number;
  /** Why a family's backends were left out: the call does not translate into it. */
  untranslatable?: TranslationError;
}

const NONE: ReadonlySet<string> = new Set();

/** The candidates of `call.model` (`candidates`) that can serve `call`. */
export function callBackends(call: ClientCall, candidates: readonly LiveBackend[]): CallBackends {
  const { servedBy } = ENDPOINTS[call.endpoint];
  let excluded: Set<string> | undefined;
  let untranslatable: TranslationError | undefined;
  // Whether the call translates into the other family: asked once (there are two families).
  let translates: boolean | undefined;
  for (const b of candidates) {
    let serves = servedBy.includes(b.api);
    if (serves && b.api !== call.api) {
      if (translates === undefined) {
        untranslatable = translationError(call, b);
        translates = untranslatable === undefined;
      }
      serves = translates;
    }
    if (!serves) (excluded ??= new Set()).add(b.id);
  }
  const out: CallBackends = {
    excluded: excluded ?? NONE,
    serving: candidates.length - (excluded?.size ?? 0),
  };
  if (untranslatable) out.untranslatable = untranslatable;
  return out;
}

/** Why `call` cannot be sent to `b` in `b`'s API, if it cannot (the translation is kept for the attempts). */
function translationError(call: ClientCall, b: LiveBackend): TranslationError | undefined {
  try {
    call.translations.bodyFor(call.api, b.api, call.body);
    return undefined;
  } catch (err) {
    if (err instanceof TranslationError) return err;
    throw err;
  }
}

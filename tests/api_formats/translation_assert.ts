/**
 * @module translation_assert
 * The assertion every "refuses" row of the translation tests makes: the
 * call throws a TranslationError naming `path`, with the status of the body
 * it was translating (400 for a request, 502 for an upstream's answer).
 */
import assert from "node:assert/strict";
import { TranslationError } from "../../src/api_formats/translate/translation_error.ts";

/** Asserts that `fn` throws a TranslationError at `path` with `status`. */
export function assertTranslationError(fn: () => unknown, path: string, status = 400): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof TranslationError, `expected a TranslationError, got ${String(err)}`);
  assert.equal(err.path, path);
  assert.equal(err.status, status);
  assert.equal(err.param, status === 400 ? path : null);
  assert.ok(err.message.endsWith(` at ${path}`), err.message);
}

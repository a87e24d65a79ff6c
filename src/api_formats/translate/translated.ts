/**
 * @module translated
 * What a request translation gives back: the translated body, and what was
 * dropped on the way, for the caller's one `warning` log line (docs/anthropic.md,
 * "What is translated").
 */

/** A translated request body and what was dropped from it. */
export interface Translated<T> {
  body: T;
  /**
   * Fields or block kinds dropped, each named once by its path with `[]` for
   * any index (`top_k`, `messages[].content[].thinking`); empty when nothing was.
   */
  dropped: string[];
}

/**
 * @module text_bounds
 * Limits for strings that come from outside (clients, upstreams) on their
 * way into a cache, a record, an error message or a log line, where an
 * unbounded one costs memory and disk on every copy.
 */

/** Longest model name a client may send, in UTF-8 bytes. */
export const MAX_MODEL_BYTES = 256;

/** Longest outside string quoted in a message or log field, in characters. */
export const MAX_QUOTED_CHARS = 200;

const utf8 = new TextEncoder();

/** Whether `s` takes more than `max` bytes as UTF-8. */
export function exceedsUtf8Bytes(s: string, max: number): boolean {
  // Each UTF-16 unit is 1 to 3 UTF-8 bytes, so most strings are decided
  // without encoding (and a huge one is never copied to be measured).
  if (s.length > max) return true;
  if (s.length * 3 <= max) return false;
  return utf8.encode(s).length > max;
}

/** `s` cut to at most `max` characters, marking the cut with `…`. */
export function clip(s: string, max: number = MAX_QUOTED_CHARS): string {
  return s.length <= max ? s : s.slice(0, max) + "…";
}

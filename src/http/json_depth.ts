/**
 * @module json_depth
 * A nesting-depth limit for JSON bodies, checked on the raw bytes before
 * anything parses or walks them. V8's JSON.parse copes with any depth, but
 * the recursive code after it (JSON.stringify, number checks, a relay's
 * bookkeeping) overflows the stack on a body nested 20,000 levels deep.
 */
import { BadRequestError } from "../errors.ts";

/** Deepest nesting of arrays and objects a body may have. */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether `bytes` nest arrays and objects deeper than `max`, counting `[`
 * and `{` outside strings. One pass, about 1 ns a byte (a 100 KB body costs
 * about what decoding and parsing it costs); a deep body is refused after
 * `max` bytes. It does not validate: malformed JSON is left to JSON.parse.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    let b = bytes[i];
    if (b === QUOTE) {
      // A plain loop: TypedArray indexOf measured slower on many short strings.
      for (i++; i < n; i++) {
        b = bytes[i];
        if (b === QUOTE) break;
        if (b === BACKSLASH) i++;
      }
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** Refuses (400) a body nested deeper than {@link MAX_JSON_DEPTH}. */
export function assertJsonDepth(bytes: Uint8Array): void {
  if (nestsDeeperThan(bytes, MAX_JSON_DEPTH)) {
    throw new BadRequestError(
      `Request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
      null,
      "body_too_deep",
    );
  }
}

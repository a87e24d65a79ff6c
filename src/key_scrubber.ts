/**
 * @module key_scrubber
 * Keeps a backend's own API key out of everything that comes back from its
 * upstream. A careless upstream quotes the key it was sent ("Incorrect API
 * key provided: sk-…") in error bodies, headers or stream events; an echo
 * server puts it in a success body. Each backend gets one scrubber, built
 * when the registry loads it, and the proxy applies it where upstream bytes
 * enter Sidecar; the key is replaced by its hint (`sk-…f3a9`).
 */
import { secretHint } from "./secrets/token_hash.ts";

/**
 * Keys shorter than this are not scrubbed: they are placeholders local
 * servers accept (`EMPTY`, `ollama`, `none`), not secrets, and replacing them
 * would rewrite ordinary words in answers.
 */
export const MIN_SCRUBBED_KEY_CHARS = 12;

/** Longest upstream header value passed to a client. */
export const MAX_HEADER_VALUE_CHARS = 256;

/** Removes one backend's key from upstream text and bytes. */
export interface KeyScrubber {
  /** `s` with every occurrence of the key replaced by its hint. */
  text(s: string): string;
  /** `b` itself when it holds no key, else a copy with the key replaced. */
  bytes<T extends Uint8Array>(b: T): T | Uint8Array<ArrayBuffer>;
  /**
   * An upstream header value fit for a client: without the key, at most
   * {@link MAX_HEADER_VALUE_CHARS}, printable ASCII; undefined to drop it.
   */
  header(value: string): string | undefined;
  /**
   * A scrubber for a body relayed in chunks: holds back the last few bytes
   * of each chunk so a key split across two is still found. Call with
   * `null` at the end for what was held back.
   */
  chunks(): (chunk: Uint8Array | null) => Uint8Array;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const EMPTY = new Uint8Array();
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** A scrubber that only bounds and checks header values (no key to hide). */
export const NO_KEY: KeyScrubber = scrubberFor("");

/** The scrubber of a backend whose key is `key`. */
export function keyScrubber(key: string): KeyScrubber {
  return key.length < MIN_SCRUBBED_KEY_CHARS ? NO_KEY : scrubberFor(key);
}

function scrubberFor(key: string): KeyScrubber {
  if (key === "") {
    return {
      text: (s) => s,
      bytes: <T extends Uint8Array>(b: T) => b,
      header: checkedHeader,
      chunks: () => (chunk) => chunk ?? EMPTY,
    };
  }
  const hint = secretHint(key);
  // Header values are byte strings: the hint's `…` would not fit in one.
  const asciiHint = hint.replaceAll("…", "...");
  const needle = utf8.encode(key);
  const text = (s: string) => s.includes(key) ? s.replaceAll(key, hint) : s;
  const bytes = <T extends Uint8Array>(b: T): T | Uint8Array<ArrayBuffer> =>
    indexOfBytes(b, needle, 0) < 0 ? b : utf8.encode(fromUtf8.decode(b).replaceAll(key, hint));
  return {
    text,
    bytes,
    header: (value) => checkedHeader(value.replaceAll(key, asciiHint)),
    chunks() {
      let held: Uint8Array = EMPTY;
      return (chunk) => {
        if (chunk === null) return bytes(held);
        const joined = held.length === 0 ? chunk : concat(held, chunk);
        const clean = bytes(joined);
        const keep = Math.min(needle.length - 1, clean.length);
        // Copied: the caller may reuse the chunk's buffer for its next read.
        held = clean.slice(clean.length - keep);
        return clean.subarray(0, clean.length - keep);
      };
    },
  };
}

function checkedHeader(value: string): string | undefined {
  return value.length <= MAX_HEADER_VALUE_CHARS && PRINTABLE_ASCII.test(value) ? value : undefined;
}

/** Where `needle` first occurs in `hay` at or after `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

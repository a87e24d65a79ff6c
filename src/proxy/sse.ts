/**
 * @module sse
 * Server-Sent Events framing for the streaming proxy, whatever API the
 * events belong to: incremental splitting (bytes are split into events as
 * they arrive so each event can be forwarded at once; only the unfinished
 * tail is kept) and the encoders of the events Sidecar writes itself. What
 * an event means is its API format's to say (src/api_formats/).
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */

/** One SSE event as cut out of the upstream byte stream. */
export interface SseEvent {
  /**
   * The event's bytes including its terminating blank line, with every line
   * terminator normalised to `\n` (so it always ends with `\n\n`). For an
   * upstream that already uses `\n`, as OpenAI does, these are the exact bytes.
   */
  raw: Uint8Array;
  /** The `data:` lines joined with `\n`; `""` when the event has none. */
  data: string;
  /** The `event:` field, when present. */
  event?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];
// An event is a few hundred bytes; the buffer doubles for a bigger one. Each
// open stream holds one, so this is per-stream memory.
const INITIAL_CAPACITY = 1024;

const encoder = new TextEncoder();
// Not fatal: invalid UTF-8 becomes U+FFFD and JSON.parse then decides.
const decoder = new TextDecoder();

/** Encodes `json` as one SSE event: `data: <json>\n\n`. */
export function encodeSseData(json: unknown): Uint8Array {
  // JSON.stringify escapes newlines, so the payload is always one data line.
  return encoder.encode(`data: ${JSON.stringify(json)}\n\n`);
}

/**
 * Encodes `json` as one named SSE event: `event: <name>\ndata: <json>\n\n`
 * (Anthropic's streams name every event). A line break in `name` would start
 * a field of its own, so any is taken out.
 */
export function encodeSseEvent(name: string, json: unknown): Uint8Array {
  const field = /[\r\n]/.test(name) ? name.replace(/[\r\n]/g, "") : name;
  return encoder.encode(`event: ${field}\ndata: ${JSON.stringify(json)}\n\n`);
}

/**
 * Splits an SSE byte stream into events incrementally. Each byte is scanned
 * once; only the bytes of an event that is complete are decoded, so a chunk
 * boundary inside a multi-byte character or between `\r` and `\n` is harmless.
 *
 * @example
 * const splitter = new SseSplitter();
 * for await (const chunk of body) for (const ev of splitter.push(chunk)) forward(ev.raw);
 * for (const ev of splitter.flush()) forward(ev.raw);
 */
export class SseSplitter {
  #buf = new Uint8Array(INITIAL_CAPACITY);
  // Offsets into #buf: the unfinished event's first byte, the end of the
  // bytes (all scanned: each byte is looked at once), the current line's start.
  #start = 0;
  #end = 0;
  #lineStart = 0;
  /** The last terminator was `\r`: an `\n` right after belongs to it. */
  #skipLF = false;
  /** The current event has a `\r` terminator, so `raw` needs normalising. */
  #hasCR = false;
  #first = true;

  /** Bytes held for an event that has not ended yet. */
  get bufferedBytes(): number {
    return this.#end - this.#start;
  }

  /** Adds bytes from the stream and returns every event they complete. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.#scan(this.#append(chunk));
  }

  /**
   * Ends the stream: returns the last event when the stream stopped without
   * its terminating blank line (a spec-following client would drop it, but
   * the proxy still wants to see e.g. a final `data: [DONE]`). Resets the
   * splitter for reuse.
   */
  flush(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.#end > this.#start) {
      const extraLF = this.#lineStart === this.#end ? 1 : 2;
      events.push(this.#event(this.#start, this.#end, extraLF, this.#hasCR));
    }
    this.#buf = new Uint8Array(INITIAL_CAPACITY);
    this.#start = this.#end = 0;
    this.#lineStart = 0;
    this.#skipLF = this.#hasCR = false;
    this.#first = true;
    return events;
  }

  /** Appends `chunk`, moving the live tail to the front when out of room; returns its offset. */
  #append(chunk: Uint8Array): number {
    if (this.#end + chunk.length > this.#buf.length) {
      const live = this.#end - this.#start;
      const target = live + chunk.length > this.#buf.length
        ? new Uint8Array(Math.max(live + chunk.length, this.#buf.length * 2))
        : this.#buf;
      target.set(this.#buf.subarray(this.#start, this.#end), 0);
      this.#buf = target;
      this.#lineStart -= this.#start;
      this.#end = live;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
    return this.#end - chunk.length;
  }

  // Line and event boundaries as the spec defines them:
  // https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
  #scan(from: number): SseEvent[] {
    const events: SseEvent[] = [];
    // Locals, not fields, in the per-byte loop: this is the proxy's hot path.
    const buf = this.#buf;
    let start = this.#start, lineStart = this.#lineStart;
    let skipLF = this.#skipLF, hasCR = this.#hasCR;
    for (let pos = from; pos < this.#end; pos++) {
      const byte = buf[pos];
      if (byte !== LF && byte !== CR) {
        skipLF = false;
      } else if (byte === LF && skipLF) {
        // Second half of a CRLF whose CR already ended the line (or event).
        skipLF = false;
        if (start === pos) start = pos + 1;
        lineStart = pos + 1;
      } else {
        skipLF = byte === CR;
        if (pos === lineStart) {
          // A blank line ends the event; one with no lines before it is noise.
          if (pos > start) events.push(this.#event(start, pos, 1, hasCR));
          start = pos + 1;
          hasCR = false;
        } else if (byte === CR) {
          hasCR = true;
        }
        lineStart = pos + 1;
      }
    }
    this.#start = start;
    this.#lineStart = lineStart;
    this.#skipLF = skipLF;
    this.#hasCR = hasCR;
    return events;
  }

  /** The event whose lines are `[from, to)`, with `extraLF` newlines added. */
  #event(from: number, to: number, extraLF: number, hasCR: boolean): SseEvent {
    if (this.#first) {
      // The spec drops a leading U+FEFF; left in, it would hide the first field.
      this.#first = false;
      if (BOM.every((byte, i) => this.#buf[from + i] === byte)) from += BOM.length;
    }
    const bytes = this.#buf.subarray(from, to);
    const raw = new Uint8Array(bytes.length + extraLF);
    let n = bytes.length;
    if (!hasCR) {
      raw.set(bytes);
    } else {
      n = 0;
      for (let i = 0; i < bytes.length; i++) {
        const byte = bytes[i] ?? LF;
        raw[n++] = byte === CR ? LF : byte;
        if (byte === CR && bytes[i + 1] === LF) i++;
      }
    }
    raw.fill(LF, n, n + extraLF);
    return parseFields(decoder.decode(bytes), raw.subarray(0, n + extraLF));
  }
}

function parseFields(text: string, raw: Uint8Array): SseEvent {
  const data: string[] = [];
  let event: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "data") data.push(value);
    else if (name === "event") event = value;
    // `id` and `retry` stay in `raw`; the proxy has no use for them.
  }
  const result: SseEvent = { raw, data: data.join("\n") };
  if (event !== undefined) result.event = event;
  return result;
}

/**
 * @module sse
 * Incremental Server-Sent Events splitting and per-event classification for
 * the streaming proxy. Bytes are split into events as they arrive so each
 * event can be forwarded at once; only the unfinished tail is kept.
 */
import { type UpstreamError, upstreamErrorOf } from "./upstream_error.ts";

/** Token counts of one request, in the chat/completions vocabulary. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Of `prompt_tokens`, those read from the provider's prompt cache; absent when not reported. */
  cached_tokens?: number;
  /** Of `completion_tokens`, the reasoning tokens; absent when not reported. */
  reasoning_tokens?: number;
}

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

/** What an upstream stream event means to the proxy. */
export type ChunkInfo =
  | { kind: "done" }
  | { kind: "comment" }
  | { kind: "malformed" }
  | { kind: "error"; error: UpstreamError }
  | {
    kind: "data";
    json: Record<string, unknown>;
    /** Some `choices[i].finish_reason` is set, or a Responses API terminal event. */
    finished: boolean;
    usage?: Usage;
    /** The chat usage chunk: `choices` is `[]` and `usage` is present. */
    usageOnly: boolean;
  };

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];
const INITIAL_CAPACITY = 4096;

const encoder = new TextEncoder();
// Not fatal: invalid UTF-8 becomes U+FFFD and JSON.parse then decides.
const decoder = new TextDecoder();

/** The stream terminator of chat and completions streams. Shared: do not mutate. */
export const DONE_EVENT: Uint8Array = encoder.encode("data: [DONE]\n\n");

/** Encodes `json` as one SSE event: `data: <json>\n\n`. */
export function encodeSseData(json: unknown): Uint8Array {
  // JSON.stringify escapes newlines, so the payload is always one data line.
  return encoder.encode(`data: ${JSON.stringify(json)}\n\n`);
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

// Responses API events after which no more output follows.
const TERMINAL_TYPES = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** Tells the proxy what one upstream event is: payload, terminator, error or noise. */
export function classifyEvent(ev: SseEvent): ChunkInfo {
  // No data lines (keep-alive comments, bare `event:` lines): nothing to parse.
  if (ev.data === "") return { kind: "comment" };
  if (ev.data.trim() === "[DONE]") return { kind: "done" };
  let json: unknown;
  try {
    json = JSON.parse(ev.data);
  } catch {
    return { kind: "malformed" };
  }
  if (!isRecord(json)) return { kind: "malformed" };
  const error = upstreamErrorOf(json);
  if (error) return { kind: "error", error };
  const usage = extractUsage(json);
  const finished = isFinished(json);
  const usageOnly = Array.isArray(json.choices) && json.choices.length === 0 &&
    usage !== undefined;
  const info: DataChunk = { kind: "data", json, finished, usageOnly };
  if (usage) info.usage = usage;
  return info;
}

type DataChunk = Extract<ChunkInfo, { kind: "data" }>;

/**
 * Reads token usage from a chat, completions, embeddings or Responses API
 * body, or from a Responses API stream event (`response.usage`). Embeddings
 * report no completion tokens, which count as 0. The details priced apart
 * (docs/accounting.md, "Cost") are read where OpenAI puts them
 * (`prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`,
 * or their `input_`/`output_` names), and DeepSeek's `prompt_cache_hit_tokens`;
 * both are parts of the prompt and completion counts, never added to them.
 */
export function extractUsage(json: unknown): Usage | undefined {
  if (!isRecord(json)) return undefined;
  const usage = isRecord(json.usage)
    ? json.usage
    : isRecord(json.response) && isRecord(json.response.usage)
    ? json.response.usage
    : undefined;
  if (!usage) return undefined;
  const prompt = count(usage.prompt_tokens) ?? count(usage.input_tokens);
  const completion = count(usage.completion_tokens) ?? count(usage.output_tokens);
  const total = count(usage.total_tokens);
  if (prompt === undefined && completion === undefined && total === undefined) return undefined;
  const c = completion ?? 0;
  const p = prompt ?? Math.max(0, (total ?? 0) - c);
  const result: Usage = { prompt_tokens: p, completion_tokens: c, total_tokens: total ?? p + c };
  const cached = detail(usage, "prompt_tokens_details", "input_tokens_details", "cached_tokens") ??
    count(usage.prompt_cache_hit_tokens);
  const reasoning = detail(
    usage,
    "completion_tokens_details",
    "output_tokens_details",
    "reasoning_tokens",
  );
  if (cached !== undefined) result.cached_tokens = cached;
  if (reasoning !== undefined) result.reasoning_tokens = reasoning;
  return result;
}

/** `usage[a][field]`, else `usage[b][field]`, when it is a count. */
function detail(
  usage: Record<string, unknown>,
  a: string,
  b: string,
  field: string,
): number | undefined {
  const details = isRecord(usage[a]) ? usage[a] : isRecord(usage[b]) ? usage[b] : undefined;
  return details ? count(details[field]) : undefined;
}

function isFinished(json: Record<string, unknown>): boolean {
  if (typeof json.type === "string" && TERMINAL_TYPES.has(json.type)) return true;
  if (!Array.isArray(json.choices)) return false;
  // Truthy, not just non-null: some servers send `""` on every chunk.
  return json.choices.some((choice: unknown) => isRecord(choice) && !!choice.finish_reason);
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

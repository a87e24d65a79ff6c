/**
 * @module mock_upstream
 * A scripted, misbehaving OpenAI-compatible upstream for proxy end-to-end
 * tests: a real HTTP/1.1 server on 127.0.0.1 that answers each request as the
 * next queued {@link Script} says.
 *
 * It speaks HTTP/1.1 itself on a raw `Deno.listen` socket rather than using
 * `Deno.serve`, because Deno.serve writes the status line before a body can
 * fail (so it cannot drop a connection before headers, `reset`) and its
 * shutdown waits for handlers that never answer (`hang`, `stall`).
 */

/** What the mock does for one request. */
export type Script =
  /** 200 with a chat.completion, completions, embeddings, responses or models body
   * (a stream when the request asked for one). Usage defaults to 10 prompt / 5 completion. */
  | { kind: "ok"; content?: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  /** Any status, with an OpenAI error body derived from it unless `body` is given. */
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 `rate_limit_exceeded`, with the given `retry-after` / `retry-after-ms`. */
  | { kind: "rate_limit"; retryAfter?: string; retryAfterMs?: string }
  /** 429 whose error type and code are `insufficient_quota`. */
  | { kind: "quota" }
  /** 400 with code `context_length_exceeded`. */
  | { kind: "context_length" }
  /** The connection is closed after the request is read, before any response byte. */
  | { kind: "reset" }
  /** No answer at all until the client goes away or the mock closes. */
  | { kind: "hang" }
  | StreamScript;

/**
 * A 200 SSE stream: a role chunk, one chunk per content piece, a finish chunk,
 * a usage-only chunk, `data: [DONE]` (Responses API paths get their own events).
 */
export interface StreamScript {
  kind: "stream";
  /** @default ["Hello", " from ", name] */
  chunks?: string[];
  /** Pause before each content chunk and before the finish. */
  delayMs?: number;
  /** Pause between the headers and the first event. */
  firstChunkDelayMs?: number;
  omitDone?: boolean;
  /** Drop the connection after this many content chunks: no finish, no final HTTP chunk. */
  cutAfter?: number;
  /** Stop after this many content chunks but keep the connection open. */
  stallAfter?: number;
  /** Send one event that is not JSON before content chunk `i`. */
  malformedAt?: number;
  /** The first event is `{"error":...}`; the HTTP status is `status` (default 200). */
  errorFirst?: { status?: number; type: string; code?: string };
  /** Send the usage-only chunk. @default the request's `stream_options.include_usage` */
  usage?: boolean;
}

/** One request as the mock received it. */
export interface RecordedRequest {
  /** URL path without query, e.g. `/v1/chat/completions`. */
  path: string;
  method: string;
  headers: Headers;
  /** The parsed JSON body, or null. */
  body: unknown;
  /** The name of the mock that received it. */
  backend: string;
  /** Settles when the connection that carried it closes: the client went away, or the mock closed. */
  closed: Promise<void>;
}

/** A running mock upstream. */
export interface MockUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:1234/v1`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** TCP connections accepted so far: shows whether clients keep connections alive. */
  readonly connections: number;
  /** Queues scripts for the next requests, first in first out. */
  script(...s: Script[]): void;
  /** The script used when the queue is empty. */
  setDefault(s: Script): void;
  /** Stops listening, drops every connection and waits until all is released. */
  close(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const CRLF = enc.encode("\r\n");
const LAST_CHUNK = enc.encode("0\r\n\r\n");
const MALFORMED = 'data: {"choices": [ this is not json\n\n';

/** One TCP connection: a single read loop fills a buffer that request parsing drains. */
class Wire {
  #buf: Uint8Array = new Uint8Array(0);
  #wake = () => {};
  #eof = false;
  /** Waiting for another request on a connection that already served one. */
  idle = false;
  /** Settles once the peer closes, the socket breaks or the mock closes it. */
  readonly gone: Promise<void>;

  constructor(readonly conn: Deno.TcpConn) {
    // Small SSE writes must leave at once, not wait for Nagle.
    conn.setNoDelay(true);
    this.gone = this.#pump();
  }

  async #pump(): Promise<void> {
    const chunk = new Uint8Array(16 * 1024);
    try {
      for (let n = await this.conn.read(chunk); n !== null; n = await this.conn.read(chunk)) {
        this.#buf = concat([this.#buf, chunk.subarray(0, n)]);
        this.#wake();
      }
    } catch {
      // Reset by the peer or closed by us: either way the client is gone.
    }
    this.#eof = true;
    this.#wake();
  }

  #more(): Promise<boolean> {
    return this.#eof ? Promise.resolve(false) : new Promise((r) => this.#wake = () => r(true));
  }

  /** The bytes before `sep` (consumed with it), or null if the connection ends first. */
  async until(sep: Uint8Array): Promise<Uint8Array | null> {
    for (let i = indexOf(this.#buf, sep);; i = indexOf(this.#buf, sep)) {
      if (i >= 0) return (await this.take(i + sep.length))?.subarray(0, i) ?? null;
      if (!await this.#more()) return null;
    }
  }

  async take(n: number): Promise<Uint8Array | null> {
    while (this.#buf.length < n) if (!await this.#more()) return null;
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** Starts a mock upstream on a free port of 127.0.0.1. */
export function startMockUpstream(
  opts: { name?: string; default?: Script } = {},
): Promise<MockUpstream> {
  const name = opts.name ?? "mock";
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const queue: Script[] = [];
  const requests: RecordedRequest[] = [];
  const wires = new Set<Wire>();
  const tasks = new Set<Promise<void>>();
  let fallback: Script = opts.default ?? { kind: "ok" };
  let connections = 0;
  let stopping = false;
  let closed: Promise<void> | undefined;

  const next = () => queue[0] ?? fallback;
  // Deno's fetch silently resends a request once when a *reused* keep-alive
  // connection drops before the response (denoland/deno#32566), so a reset
  // is only ever done on a fresh connection: idle reused ones are closed first.
  const closeIdleBeforeReset = () => {
    if (next().kind === "reset") { for (const wire of wires) if (wire.idle) wire.close(); }
  };

  async function serveConn(wire: Wire): Promise<void> {
    try {
      for (let served = 0;; served++) {
        wire.idle = served > 0;
        const req = await readRequest(wire);
        wire.idle = false;
        // A reset racing onto a reused connection: drop it unanswered and
        // unrecorded; fetch's own resend on a new connection gets the reset.
        if (!req || (served > 0 && next().kind === "reset")) break;
        requests.push({ ...req, backend: name, closed: wire.gone });
        const script = queue.shift() ?? fallback;
        closeIdleBeforeReset();
        const keepAlive = await respond(wire, req, script, name);
        const clientCloses = /close/i.test(req.headers.get("connection") ?? "");
        if (!keepAlive || stopping || clientCloses || next().kind === "reset") break;
      }
    } catch {
      // A request this parser cannot read: drop the connection, like a strict server.
    }
    wire.close();
    await wire.gone;
  }

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        if (stopping) {
          conn.close();
          continue;
        }
        connections++;
        const wire = new Wire(conn);
        wires.add(wire);
        const task = serveConn(wire).finally(() => (wires.delete(wire), tasks.delete(task)));
        tasks.add(task);
      }
    } catch {
      // The listener was closed.
    }
  })();

  const port = listener.addr.port;
  return Promise.resolve({
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get connections() {
      return connections;
    },
    script(...s) {
      queue.push(...s);
      closeIdleBeforeReset();
    },
    setDefault(s) {
      fallback = s;
      closeIdleBeforeReset();
    },
    close() {
      if (!closed) {
        stopping = true;
        listener.close();
        for (const wire of wires) wire.close();
        closed = accepting.then(() => Promise.all(tasks)).then(() => {});
      }
      return closed;
    },
  });
}

interface Req {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

async function readRequest(wire: Wire): Promise<Req | null> {
  const head = await wire.until(enc.encode("\r\n\r\n"));
  if (!head) return null;
  const [start = "", ...lines] = dec.decode(head).split("\r\n");
  const [method = "GET", target = "/"] = start.split(" ");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const body = /chunked/i.test(headers.get("transfer-encoding") ?? "")
    ? await readChunked(wire)
    : await wire.take(Number(headers.get("content-length") ?? 0));
  if (!body) return null;
  let json: unknown = null;
  try {
    json = body.length ? JSON.parse(dec.decode(body)) : null;
  } catch {
    // Not JSON: recorded as null.
  }
  return { method, path: new URL(target, "http://mock").pathname, headers, body: json };
}

// https://www.rfc-editor.org/rfc/rfc9112#section-7.1 (chunk extensions and trailers ignored)
async function readChunked(wire: Wire): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  for (let line = await wire.until(CRLF); line; line = await wire.until(CRLF)) {
    const size = parseInt(dec.decode(line), 16);
    if (!(size > 0)) {
      while ((await wire.until(CRLF))?.length);
      return concat(parts);
    }
    const data = await wire.take(size + CRLF.length);
    if (!data) return null;
    parts.push(data.subarray(0, size));
  }
  return null;
}

async function respond(wire: Wire, req: Req, script: Script, name: string): Promise<boolean> {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const type = typeof body === "string" ? "text/plain" : "application/json";
    return wire.write(head(status, name, { "content-type": type, ...headers }, text));
  };
  switch (script.kind) {
    case "reset":
      return false; // The caller closes the socket before a byte is written.
    case "hang":
      await wire.gone;
      return false;
    case "status":
      return json(script.status, script.body ?? defaultError(script.status, name), script.headers);
    case "rate_limit": {
      const headers: Record<string, string> = {};
      if (script.retryAfter !== undefined) headers["retry-after"] = script.retryAfter;
      if (script.retryAfterMs !== undefined) headers["retry-after-ms"] = script.retryAfterMs;
      return json(429, defaultError(429, name), headers);
    }
    case "quota":
      return json(429, oaiError("You exceeded your current quota", "insufficient_quota"));
    case "context_length": {
      const message = "This model's maximum context length is 8192 tokens";
      return json(400, oaiError(message, "invalid_request_error", "context_length_exceeded"));
    }
    case "stream":
      return stream(wire, req, script, name);
    case "ok": {
      const kind = endpoint(req.path);
      if (!kind) return json(404, oaiError(`Unknown path ${req.path}`, "invalid_request_error"));
      const { stream: wantsStream } = record(req.body);
      if (wantsStream === true && kind !== "embeddings" && kind !== "models") {
        const chunks = script.content === undefined ? undefined : [script.content];
        return stream(wire, req, chunks ? { kind: "stream", chunks } : { kind: "stream" }, name);
      }
      return json(200, okBody(kind, req, script, name));
    }
  }
}

type Endpoint = "chat" | "completions" | "embeddings" | "responses" | "models";

function endpoint(path: string): Endpoint | undefined {
  const found = /\/(chat\/completions|completions|embeddings|responses|models)$/.exec(path)?.[1];
  return found === "chat/completions" ? "chat" : found as Endpoint | undefined;
}

function ids(): { id: string; created: number } {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 24);
  return { id, created: Math.floor(Date.now() / 1000) };
}

function okBody(
  kind: Endpoint,
  req: Req,
  script: { content?: string; usage?: Tokens },
  name: string,
) {
  const { id, created } = ids();
  const model = modelOf(req);
  const content = script.content ?? `Hello from ${name}`;
  const usage = withTotal(script.usage ?? { prompt_tokens: 10, completion_tokens: 5 });
  switch (kind) {
    case "models": {
      const data = ["mock-model", "mock-embedding"].map((m) => ({ id: m, object: "model" }));
      return { object: "list", data: data.map((m) => ({ ...m, created: 0, owned_by: name })) };
    }
    case "embeddings": {
      const { input } = record(req.body);
      const data = (Array.isArray(input) ? input : [input]).map((_, index) => ({
        object: "embedding",
        index,
        embedding: [0.1, 0.2, 0.3],
      }));
      const prompt = usage.prompt_tokens;
      return {
        object: "list",
        data,
        model,
        usage: { prompt_tokens: prompt, total_tokens: prompt },
      };
    }
    case "completions": {
      const choices = [{ text: content, index: 0, logprobs: null, finish_reason: "stop" }];
      return { id: `cmpl-${id}`, object: "text_completion", created, model, choices, usage };
    }
    case "responses":
      return responseObject(id, created, model, "completed", content, usage);
    case "chat": {
      const message = { role: "assistant", content };
      const choices = [{ index: 0, message, logprobs: null, finish_reason: "stop" }];
      return { id: `chatcmpl-${id}`, object: "chat.completion", created, model, choices, usage };
    }
  }
}

function responseObject(
  id: string,
  created: number,
  model: string,
  status: string,
  text: string | undefined,
  usage: (Tokens & { total_tokens: number }) | null,
) {
  const content = [{ type: "output_text", text, annotations: [] }];
  const output = text === undefined
    ? []
    : [{ type: "message", id: `msg_${id}`, status, role: "assistant", content }];
  return {
    id: `resp_${id}`,
    object: "response",
    created_at: created,
    status,
    model,
    output,
    usage: usage && {
      input_tokens: usage.prompt_tokens,
      output_tokens: usage.completion_tokens,
      total_tokens: usage.total_tokens,
    },
  };
}

async function stream(wire: Wire, req: Req, s: StreamScript, name: string): Promise<boolean> {
  const headers = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  };
  if (!await wire.write(head(s.errorFirst?.status ?? 200, name, headers))) return false;
  const send = (events: string[]) => wire.write(chunk(events.join("")));
  if (s.firstChunkDelayMs) await pause(s.firstChunkDelayMs, wire.gone);
  if (s.errorFirst) {
    const { type, code } = s.errorFirst;
    const error = oaiError(`Mock upstream ${name} failed mid-stream`, type, code);
    return await send([sse(error)]) && wire.write(LAST_CHUNK);
  }
  const chunks = s.chunks ?? ["Hello", " from ", name];
  const { stream_options } = record(req.body);
  const withUsage = s.usage ?? record(stream_options).include_usage === true;
  const shape = streamShape(endpoint(req.path), req, chunks, withUsage, s.omitDone ?? false);
  if (!await send(shape.head)) return false;
  for (let i = 0; i <= chunks.length; i++) {
    // Without the final HTTP chunk the client sees a body that breaks off.
    if (i === s.cutAfter) return false;
    if (i === s.stallAfter) {
      await wire.gone;
      return false;
    }
    if (s.delayMs) await pause(s.delayMs, wire.gone);
    const text = chunks[i];
    const events = i === s.malformedAt ? [MALFORMED] : [];
    events.push(...(text === undefined ? shape.tail : [shape.delta(text)]));
    if (!await send(events)) return false;
  }
  return wire.write(LAST_CHUNK);
}

interface Shape {
  head: string[];
  delta(text: string): string;
  tail: string[];
}

function streamShape(
  kind: Endpoint | undefined,
  req: Req,
  chunks: string[],
  withUsage: boolean,
  omitDone: boolean,
): Shape {
  const { id, created } = ids();
  const model = modelOf(req);
  const usage = withTotal({ prompt_tokens: 10, completion_tokens: chunks.length });
  if (kind === "responses") {
    const event = (type: string, rest: Record<string, unknown>) => sse({ type, ...rest }, type);
    const response = (status: string, text?: string) =>
      responseObject(id, created, model, status, text, text === undefined ? null : usage);
    return {
      head: [event("response.created", { response: response("in_progress") })],
      delta: (delta) =>
        event("response.output_text.delta", {
          item_id: `msg_${id}`,
          output_index: 0,
          content_index: 0,
          delta,
        }),
      tail: [event("response.completed", { response: response("completed", chunks.join("")) })],
    };
  }
  // OpenAI puts `"usage": null` on every chunk when usage was asked for.
  const base = {
    id: kind === "completions" ? `cmpl-${id}` : `chatcmpl-${id}`,
    object: kind === "completions" ? "text_completion" : "chat.completion.chunk",
    created,
    model,
    ...(withUsage ? { usage: null } : {}),
  };
  const choice = (part: Record<string, unknown>, finish_reason: string | null = null) =>
    sse({ ...base, choices: [{ index: 0, ...part, logprobs: null, finish_reason }] });
  const chat = kind !== "completions";
  const tail = [choice(chat ? { delta: {} } : { text: "" }, "stop")];
  if (withUsage) tail.push(sse({ ...base, choices: [], usage }));
  if (!omitDone) tail.push("data: [DONE]\n\n");
  return {
    head: chat ? [choice({ delta: { role: "assistant", content: "" } })] : [],
    delta: (text) => choice(chat ? { delta: { content: text } } : { text }),
    tail,
  };
}

type Tokens = { prompt_tokens: number; completion_tokens: number };

function withTotal(t: Tokens): Tokens & { total_tokens: number } {
  return { ...t, total_tokens: t.prompt_tokens + t.completion_tokens };
}

function oaiError(message: string, type: string, code: string | null = type) {
  return { error: { message, type, param: null, code } };
}

function defaultError(status: number, name: string) {
  const codes: Record<number, string> = {
    401: "invalid_api_key",
    404: "model_not_found",
    429: "rate_limit_exceeded",
  };
  const type = status === 429
    ? "requests"
    : status >= 500
    ? "server_error"
    : "invalid_request_error";
  return oaiError(`Mock upstream ${name} answered ${status}`, type, codes[status] ?? null);
}

function head(status: number, name: string, headers: Record<string, string>, body?: string) {
  const bytes = body === undefined ? undefined : enc.encode(body);
  const all: Record<string, string> = { "x-mock-upstream": name, ...headers };
  // A body is either sized or, for streams, chunked.
  if (bytes) all["content-length"] = String(bytes.length);
  else all["transfer-encoding"] = "chunked";
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const top = enc.encode(`HTTP/1.1 ${status} ${status === 200 ? "OK" : "Mock"}\r\n${lines}\r\n`);
  return bytes ? concat([top, bytes]) : top;
}

// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
function sse(json: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(json)}\n\n`;
}

function chunk(text: string): Uint8Array {
  const bytes = enc.encode(text);
  return concat([enc.encode(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
}

function pause(ms: number, gone: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([timeout, gone]).finally(() => clearTimeout(timer));
}

function modelOf(req: Req): string {
  const { model } = record(req.body);
  return typeof model === "string" ? model : "unknown";
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? value as Record<string, unknown> : {};
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((off, p) => (out.set(p, off), off + p.length), 0);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

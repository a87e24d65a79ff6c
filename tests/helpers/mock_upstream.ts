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

import {
  defaultError,
  endpoint,
  oaiError,
  okBody,
  record,
  sse,
  streamShape,
} from "./mock_openai_bodies.ts";
import { chunk, head, LAST_CHUNK, type Req, type Wire } from "./mock_http_wire.ts";
import { serveWire } from "./mock_wire_server.ts";

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
  /** A careless upstream: `status` with the request's Authorization quoted in the error and in x-request-id. */
  | { kind: "echo_auth"; status: number }
  /**
   * A model that continues a prefilled answer: streams what follows the
   * request's final assistant message in `answer` (all of it without one),
   * `pieces` characters a chunk; `cutAfter`/`stallAfter` as for a stream.
   */
  | { kind: "continue"; answer: string; pieces?: number; cutAfter?: number; stallAfter?: number }
  /** A backend without prefill: a 400 when the final message is the assistant's, else a stream. */
  | { kind: "reject_prefill" }
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
  /** After this many content chunks, an error event quoting the request's Authorization, then the end. */
  echoAuthErrorAfter?: number;
}

/** One request as the mock received it. */
export interface RecordedRequest {
  /** URL path without query, e.g. `/v1/chat/completions`. */
  path: string;
  method: string;
  headers: Headers;
  /** The parsed JSON body, or null. */
  body: unknown;
  /** The body as sent, for byte-level checks. */
  text: string;
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

const MALFORMED = 'data: {"choices": [ this is not json\n\n';

/** Starts a mock upstream on a free port of 127.0.0.1. */
export function startMockUpstream(
  opts: { name?: string; default?: Script } = {},
): Promise<MockUpstream> {
  const name = opts.name ?? "mock";
  const queue: Script[] = [];
  const requests: RecordedRequest[] = [];
  let fallback: Script = opts.default ?? { kind: "ok" };
  const server = serveWire((wire, req) => {
    requests.push({ ...req, backend: name, closed: wire.gone });
    return respond(wire, req, queue.shift() ?? fallback, name);
  });
  return Promise.resolve({
    url: `http://127.0.0.1:${server.port}/v1`,
    port: server.port,
    requests,
    get connections() {
      return server.connections;
    },
    script(...s) {
      queue.push(...s);
    },
    setDefault(s) {
      fallback = s;
    },
    close: () => server.close(),
  });
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
    case "echo_auth": {
      const auth = req.headers.get("authorization") ?? "";
      const error = oaiError(`Incorrect API key provided: ${auth}`, "invalid_request_error");
      return json(script.status, error, { "x-request-id": auth });
    }
    case "stream":
      return stream(wire, req, script, name);
    case "continue": {
      const rest = script.answer.slice(prefillOf(req).length);
      const size = script.pieces ?? 4;
      const chunks: string[] = [];
      for (let i = 0; i < rest.length; i += size) chunks.push(rest.slice(i, i + size));
      return stream(wire, req, {
        kind: "stream",
        chunks,
        ...(script.cutAfter !== undefined && { cutAfter: script.cutAfter }),
        ...(script.stallAfter !== undefined && { stallAfter: script.stallAfter }),
      }, name);
    }
    case "reject_prefill":
      if (prefillOf(req) !== "") {
        const message = "This model does not support assistant message prefill.";
        return json(400, oaiError(message, "invalid_request_error"));
      }
      return stream(wire, req, { kind: "stream" }, name);
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
    if (i === s.echoAuthErrorAfter) {
      const auth = req.headers.get("authorization") ?? "";
      const error = oaiError(`Invalid key ${auth}`, "server_error");
      return await send([sse(error)]) && wire.write(LAST_CHUNK);
    }
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

/** The text of the request's final message when it is the assistant's (a prefill), else "". */
function prefillOf(req: Req): string {
  const messages = record(req.body).messages;
  const last = Array.isArray(messages) ? messages.at(-1) : undefined;
  const m = record(last);
  return m.role === "assistant" && typeof m.content === "string" ? m.content : "";
}

function pause(ms: number, gone: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([timeout, gone]).finally(() => clearTimeout(timer));
}

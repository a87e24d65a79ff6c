/**
 * @module mock_anthropic
 * A scripted Anthropic Messages API for tests: a real HTTP/1.1 server on
 * 127.0.0.1 that serves `POST /v1/messages` (streaming or not) and
 * `POST /v1/messages/count_tokens` as the API does, refuses what the API
 * refuses (see mock_anthropic_validation.ts), and answers each valid
 * request as the next queued {@link Script} says: a text or tool_use
 * answer, an error in Anthropic's shape, a stream that breaks in one of the
 * ways streams break, or what a proxy in front of the API says.
 *
 * Like mock_upstream.ts it writes HTTP itself on a raw socket, so that it
 * can drop a connection before any byte or in the middle of a stream.
 */
import {
  type Answer,
  answerFor,
  anthropicId,
  errorBody,
  errorType,
  htmlErrorPage,
  inputTokensOf,
  messageBody,
  prefillOf,
  sseEvent,
  streamEvents,
  type ToolUse,
  type UsageCounts,
} from "./mock_anthropic_bodies.ts";
import {
  checkBody,
  checkHeaders,
  type Endpoint,
  type Refusal,
} from "./mock_anthropic_validation.ts";
import { chunk, head, LAST_CHUNK, type Req, type Wire } from "./mock_http_wire.ts";
import { record } from "./mock_openai_bodies.ts";
import type { RecordedRequest } from "./mock_upstream.ts";
import { pause, serveWire } from "./mock_wire_server.ts";

export type { RecordedRequest };

/**
 * 200 with a message, streamed when the request says `"stream": true`.
 * The text continues a prefill and stops at a stop sequence or at
 * `max_tokens` words (see `answerFor`). The stream options count
 * content_block_delta events (0: right after message_start, the first
 * content_block_start and the ping); a stream sends one word of text, or
 * 8 characters of a tool's input JSON, per delta.
 */
export interface AnswerScript {
  kind: "answer";
  /** @default `Hello from <name>: <the last user message's text>`, or none with `toolUses` */
  text?: string;
  /** Tool calls after the text; `stop_reason` is then `tool_use`. */
  toolUses?: ToolUse[];
  /** @default input from inputTokensOf(), output one per word, cache counts 0 */
  usage?: Partial<UsageCounts>;
  /** Pause before each delta and before the end. */
  delayMs?: number;
  /** Drop the connection after this many deltas: no end of the event, no final HTTP chunk. */
  cutAfter?: number;
  /** After this many deltas, half of the next event, then a clean end of the body. */
  truncateAfter?: number;
  /** After this many deltas, an in-band `event: error` (`error`), then a clean end. */
  errorAfter?: number;
  /** @default { type: "overloaded_error", message: "Overloaded" } */
  error?: { type: string; message: string };
  /** Stop after this many deltas but keep the connection open. */
  stallAfter?: number;
}

/** What the mock does for one valid request. */
export type Script =
  | AnswerScript
  /** Any status with Anthropic's error body; the type follows the status unless given (429 rate_limit_error, 529 overloaded_error, …). */
  | {
    kind: "error";
    status: number;
    type?: string;
    message?: string;
    headers?: Record<string, string>;
  }
  /** 400 `prompt is too long: N tokens > 200000 maximum`, the API's context-length error. */
  | { kind: "prompt_too_long" }
  /** A model without prefill: 400 when the final message is the assistant's, else the default answer. */
  | { kind: "reject_prefill" }
  /** An HTML error page from a proxy in front of the API. @default status 502 */
  | { kind: "html"; status?: number }
  /** The connection is closed after the request is read, before any response byte. */
  | { kind: "reset" }
  /** No answer at all until the client goes away or the mock closes. */
  | { kind: "hang" };

/** A script, or a function that picks one from the request. */
export type Scripted = Script | ((req: RecordedRequest) => Script);

/** A running mock Messages API. */
export interface MockAnthropic {
  /**
   * The base URL, without `/v1`, e.g. `http://127.0.0.1:1234`: the SDKs and
   * Sidecar's `anthropic` backends append `/v1/messages` themselves.
   */
  url: string;
  port: number;
  /** Every request received, refused ones included. */
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Queues scripts for the next valid requests, first in first out. A refused request takes none. */
  script(...s: Scripted[]): void;
  /** The script used when the queue is empty. @default { kind: "answer" } */
  setDefault(s: Scripted): void;
  /** Stops listening, drops every connection and waits until all is released. */
  close(): Promise<void>;
}

const PATHS: Record<string, Endpoint> = {
  "/v1/messages": "messages",
  "/v1/messages/count_tokens": "count_tokens",
};

/** The API's context window, as its "prompt is too long" message states it. */
const CONTEXT_WINDOW = 200_000;

/** Starts a mock Messages API on a free port of 127.0.0.1. */
export function startMockAnthropic(
  opts: {
    name?: string;
    default?: Scripted;
    /** The only key accepted (401 `invalid x-api-key` for others). @default any non-empty key */
    apiKey?: string;
  } = {},
): Promise<MockAnthropic> {
  const name = opts.name ?? "anthropic-mock";
  const queue: Scripted[] = [];
  const requests: RecordedRequest[] = [];
  let fallback: Scripted = opts.default ?? { kind: "answer" };

  const server = serveWire(async (wire, req) => {
    const recorded = { ...req, backend: name, closed: wire.gone };
    requests.push(recorded);
    const requestId = anthropicId("req_011C");
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const json = { "content-type": "application/json", "request-id": requestId, ...headers };
      return wire.write(head(status, name, json, JSON.stringify(body)));
    };
    const refuse = (r: Refusal) => send(r.status, errorBody(r.type, r.message, requestId));
    const endpoint = req.method === "POST" ? PATHS[req.path] : undefined;
    if (!endpoint) return refuse({ status: 404, type: "not_found_error", message: "Not Found" });
    const refusal = checkHeaders(req.headers, opts.apiKey) ??
      checkBody(endpoint, req.headers.get("anthropic-version") ?? "", req.text);
    if (refusal) return refuse(refusal);
    const next = queue.shift() ?? fallback;
    const script = typeof next === "function" ? next(recorded) : next;
    switch (script.kind) {
      case "reset":
        return false; // The caller closes the socket before a byte is written.
      case "hang":
        await wire.gone;
        return false;
      case "html": {
        const status = script.status ?? 502;
        const page = htmlErrorPage(status);
        return wire.write(head(status, name, { "content-type": "text/html" }, page));
      }
      case "error": {
        const type = script.type ?? errorType(script.status);
        const message = script.message ?? (type === "overloaded_error" ? "Overloaded" : type);
        return send(script.status, errorBody(type, message, requestId), script.headers);
      }
      case "prompt_too_long": {
        const tokens = CONTEXT_WINDOW + inputTokensOf(req.body);
        const message = `prompt is too long: ${tokens} tokens > ${CONTEXT_WINDOW} maximum`;
        return refuse({ status: 400, type: "invalid_request_error", message });
      }
      case "reject_prefill":
        if (prefillOf(req.body)) {
          const message =
            "This model does not support assistant message prefill. The conversation must end with a user message.";
          return refuse({ status: 400, type: "invalid_request_error", message });
        }
        return answer(wire, req, endpoint, { kind: "answer" }, name, requestId);
      case "answer":
        return answer(wire, req, endpoint, script, name, requestId);
    }
  });

  return Promise.resolve({
    url: `http://127.0.0.1:${server.port}`,
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

function answer(
  wire: Wire,
  req: Req,
  endpoint: Endpoint,
  script: AnswerScript,
  name: string,
  requestId: string,
): Promise<boolean> {
  const json = (body: unknown) => {
    const headers = { "content-type": "application/json", "request-id": requestId };
    return wire.write(head(200, name, headers, JSON.stringify(body)));
  };
  if (endpoint === "count_tokens") {
    return json({ input_tokens: script.usage?.input_tokens ?? inputTokensOf(req.body) });
  }
  const reply = answerFor(req.body, script, name);
  if (record(req.body).stream === true) return stream(wire, reply, script, name, requestId);
  return json(messageBody(reply));
}

// https://docs.claude.com/en/docs/build-with-claude/streaming#event-types
async function stream(
  wire: Wire,
  reply: Answer,
  s: AnswerScript,
  name: string,
  requestId: string,
): Promise<boolean> {
  const headers = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "request-id": requestId,
  };
  if (!await wire.write(head(200, name, headers))) return false;
  const send = (text: string) => wire.write(chunk(text));
  const events = streamEvents(reply);
  if (!await send(events.head.join(""))) return false;
  for (let i = 0; i <= events.deltas.length; i++) {
    // Without the final HTTP chunk the client sees a body that breaks off.
    if (i === s.cutAfter) return false;
    if (i === s.stallAfter) {
      await wire.gone;
      return false;
    }
    if (i === s.errorAfter) {
      const { type, message } = s.error ?? { type: "overloaded_error", message: "Overloaded" };
      const error = sseEvent("error", JSON.stringify(errorBody(type, message, requestId)));
      return await send(error) && wire.write(LAST_CHUNK);
    }
    const next = events.deltas[i] ?? events.tail.join("");
    if (i === s.truncateAfter) {
      return await send(next.slice(0, Math.ceil(next.length / 2))) && wire.write(LAST_CHUNK);
    }
    if (s.delayMs) await pause(s.delayMs, wire.gone);
    if (!await send(next)) return false;
  }
  return wire.write(LAST_CHUNK);
}

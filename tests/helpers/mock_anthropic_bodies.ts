/**
 * @module mock_anthropic_bodies
 * What the mock Messages API says: the message a request gets (text and
 * tool_use blocks, stop reason, usage), its stream of events, the error
 * bodies, and the mock's token count. Shapes as in
 * https://docs.claude.com/en/api/messages and
 * https://docs.claude.com/en/docs/build-with-claude/streaming.
 */
import { record } from "./mock_openai_bodies.ts";

/** Token counts a script may set; the rest are derived from the request and the answer. */
export interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** A tool call the model makes. */
export interface ToolUse {
  name: string;
  input: Record<string, unknown>;
  /** @default a fresh `toolu_…` id */
  id?: string;
}

/** The message a request gets, before it is sent whole or as a stream. */
export interface Answer {
  id: string;
  model: string;
  /** The text after the prefill, in the pieces a stream sends it in (one word each). */
  pieces: string[];
  tools: Required<ToolUse>[];
  stopReason: "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";
  stopSequence: string | null;
  usage: UsageCounts;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** An id such as Anthropic's: `msg_01…`, `toolu_01…`, `req_011C…`. */
export function anthropicId(prefix: "msg_01" | "toolu_01" | "req_011C"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  return prefix + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

/** The mock's tokenizer: one token per whitespace-separated word. */
export function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Words of a string; of anything else, the words of its JSON with punctuation read as spaces. */
function wordsOf(part: unknown): number {
  if (typeof part === "string") return countTokens(part);
  return countTokens(JSON.stringify(part ?? "").replace(/[{}[\]",:]/g, " "));
}

/**
 * The mock's input token count of a Messages request (also its
 * `count_tokens` answer): the words of the system prompt, of each message's
 * content and of the tool definitions, plus 3 per message. Deliberately not
 * a characters/4 estimate, so a test can tell an upstream count from a
 * local estimate.
 */
export function inputTokensOf(body: unknown): number {
  const { system, messages, tools } = record(body);
  const list = Array.isArray(messages) ? messages : [];
  const parts = [system, ...list.map((m) => record(m).content), tools];
  return parts.reduce((n: number, part) => n + wordsOf(part), 0) + 3 * list.length;
}

/** The texts of a message's content (a string or text blocks). */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((b) => {
    const block = record(b);
    if (block.type === "text" && typeof block.text === "string") return block.text;
    return block.type === "tool_result" ? textOf(block.content) : "";
  }).join("");
}

/** The final assistant message's text, which the answer continues, or "". */
export function prefillOf(body: unknown): string {
  const { messages } = record(body);
  const last = record(Array.isArray(messages) ? messages.at(-1) : undefined);
  return last.role === "assistant" ? textOf(last.content) : "";
}

/** The text of the last user message: what the default answer echoes. */
export function lastUserText(body: unknown): string {
  const { messages } = record(body);
  const users = (Array.isArray(messages) ? messages : []).filter((m) => record(m).role === "user");
  return textOf(record(users.at(-1)).content);
}

/**
 * The answer a valid request gets. The text continues a prefill: when the
 * final assistant message's text begins `text`, only the rest is sent, as a
 * model would; a prefill that does not match gets all of `text`, so a
 * resume that sent the wrong prefill shows in the joined output. Like the
 * real API the answer stops at the request's first stop sequence and at
 * `max_tokens` output tokens (tool calls are then not made).
 */
export function answerFor(
  body: unknown,
  script: { text?: string; toolUses?: ToolUse[]; usage?: Partial<UsageCounts> },
  name: string,
): Answer {
  const req = record(body);
  const full = script.text ?? (script.toolUses ? "" : `Hello from ${name}: ${lastUserText(body)}`);
  const prefill = prefillOf(body);
  let text = prefill && full.startsWith(prefill) ? full.slice(prefill.length) : full;
  let stopReason: Answer["stopReason"] = script.toolUses?.length ? "tool_use" : "end_turn";
  let stopSequence: string | null = null;
  const stops = Array.isArray(req.stop_sequences) ? req.stop_sequences as string[] : [];
  const hits = stops.map((s) => ({ s, at: text.indexOf(s) })).filter((h) => h.at >= 0);
  const first = hits.sort((a, b) => a.at - b.at)[0];
  if (first) {
    text = text.slice(0, first.at);
    stopReason = "stop_sequence";
    stopSequence = first.s;
  }
  let pieces: string[] = text.match(/\s*\S+|\s+$/g) ?? [];
  const maxTokens = typeof req.max_tokens === "number" ? req.max_tokens : Infinity;
  if (pieces.length > maxTokens) {
    pieces = pieces.slice(0, maxTokens);
    stopReason = "max_tokens";
  }
  const tools = stopReason === "tool_use"
    ? (script.toolUses ?? []).map((t) => ({ ...t, id: t.id ?? anthropicId("toolu_01") }))
    : [];
  const outputWords = pieces.length + tools.reduce((n, t) => n + wordsOf(t.input), 0);
  return {
    id: anthropicId("msg_01"),
    model: typeof req.model === "string" ? req.model : "unknown",
    pieces,
    tools,
    stopReason,
    stopSequence,
    usage: {
      input_tokens: inputTokensOf(body),
      output_tokens: outputWords,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ...script.usage,
    },
  };
}

function usageBody(u: UsageCounts, outputTokens = u.output_tokens) {
  return {
    input_tokens: u.input_tokens,
    cache_creation_input_tokens: u.cache_creation_input_tokens,
    cache_read_input_tokens: u.cache_read_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens: u.cache_creation_input_tokens,
      ephemeral_1h_input_tokens: 0,
    },
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

function messageShell(a: Answer) {
  return {
    id: a.id,
    type: "message",
    role: "assistant",
    model: a.model,
    content: [] as unknown[],
    stop_reason: null as string | null,
    stop_sequence: null as string | null,
    stop_details: null,
    usage: usageBody(a.usage),
  };
}

/** The non-streaming response body. */
export function messageBody(a: Answer) {
  const text = a.pieces.join("");
  return {
    ...messageShell(a),
    content: [
      ...(text ? [{ type: "text", text }] : []),
      ...a.tools.map((t) => ({ type: "tool_use", id: t.id, name: t.name, input: t.input })),
    ],
    stop_reason: a.stopReason,
    stop_sequence: a.stopSequence,
  };
}

/** One SSE event as the API frames it: an `event:` line, a `data:` line, a blank line. */
export function sseEvent(type: string, data: string): string {
  return `event: ${type}\ndata: ${data}\n\n`;
}

const event = (data: { type: string } & Record<string, unknown>) =>
  sseEvent(data.type, JSON.stringify(data));

/** How many characters of a tool's input JSON one `input_json_delta` carries. */
const JSON_PIECE = 8;

/**
 * The stream of `a`: `head` (message_start, the first block's start, the
 * ping), then one `deltas` entry per content_block_delta, each with the
 * block boundaries that fall before it, and `tail` (the last block's stop,
 * message_delta, message_stop). The API's ping is `{"type": "ping"}`, spaced.
 */
export function streamEvents(a: Answer): { head: string[]; deltas: string[]; tail: string[] } {
  const start = { ...messageShell(a), usage: usageBody(a.usage, 1) };
  const blocks: { start: unknown; deltas: unknown[] }[] = [];
  if (a.pieces.length) {
    const deltas = a.pieces.map((text) => ({ type: "text_delta", text }));
    blocks.push({ start: { type: "text", text: "" }, deltas });
  }
  for (const t of a.tools) {
    const json = JSON.stringify(t.input);
    const parts = [""];
    for (let i = 0; i < json.length; i += JSON_PIECE) parts.push(json.slice(i, i + JSON_PIECE));
    blocks.push({
      start: { type: "tool_use", id: t.id, name: t.name, input: {} },
      deltas: parts.map((partial_json) => ({ type: "input_json_delta", partial_json })),
    });
  }
  const head = [event({ type: "message_start", message: start })];
  const deltas: string[] = [];
  blocks.forEach((block, index) => {
    const opening = event({ type: "content_block_start", index, content_block: block.start });
    const before = index === 0 ? [] : [event({ type: "content_block_stop", index: index - 1 })];
    if (index === 0) head.push(opening, sseEvent("ping", '{"type": "ping"}'));
    block.deltas.forEach((delta, i) => {
      const lead = i === 0 && index > 0 ? [...before, opening] : [];
      deltas.push([...lead, event({ type: "content_block_delta", index, delta })].join(""));
    });
  });
  if (!blocks.length) head.push(sseEvent("ping", '{"type": "ping"}'));
  const { output_tokens, ...counts } = a.usage;
  const tail = [
    ...(blocks.length ? [event({ type: "content_block_stop", index: blocks.length - 1 })] : []),
    event({
      type: "message_delta",
      delta: { stop_reason: a.stopReason, stop_sequence: a.stopSequence, stop_details: null },
      usage: { ...counts, output_tokens },
    }),
    event({ type: "message_stop" }),
  ];
  return { head, deltas, tail };
}

/** The error type the API gives each status. */
export function errorType(status: number): string {
  const types: Record<number, string> = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
  };
  return types[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** An error body: `{"type":"error","error":{"type","message"},"request_id"}`. */
export function errorBody(type: string, message: string, requestId?: string) {
  return { type: "error", error: { type, message }, ...(requestId && { request_id: requestId }) };
}

/** What a proxy in front of the API (a CDN, a load balancer) answers when it fails. */
export function htmlErrorPage(status: number): string {
  const title = `${status} ${status === 502 ? "Bad Gateway" : "Error"}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
    `<center><h1>${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`;
}

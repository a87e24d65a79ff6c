/**
 * @module mock_openai_bodies
 * What the mock upstream says: OpenAI-shaped bodies for chat, completions,
 * embeddings, responses and models, the chunks of each kind of stream, and
 * the error objects of each status.
 */
import type { Req } from "./mock_http_wire.ts";

export type Endpoint = "chat" | "completions" | "embeddings" | "responses" | "models";

export function endpoint(path: string): Endpoint | undefined {
  const found = /\/(chat\/completions|completions|embeddings|responses|models)$/.exec(path)?.[1];
  return found === "chat/completions" ? "chat" : found as Endpoint | undefined;
}

export function ids(): { id: string; created: number } {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 24);
  return { id, created: Math.floor(Date.now() / 1000) };
}

export function okBody(
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

export function responseObject(
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

export interface Shape {
  head: string[];
  delta(text: string): string;
  tail: string[];
}

export function streamShape(
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

export type Tokens = { prompt_tokens: number; completion_tokens: number };

export function withTotal(t: Tokens): Tokens & { total_tokens: number } {
  return { ...t, total_tokens: t.prompt_tokens + t.completion_tokens };
}

export function oaiError(message: string, type: string, code: string | null = type) {
  return { error: { message, type, param: null, code } };
}

export function defaultError(status: number, name: string) {
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

// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
export function sse(json: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(json)}\n\n`;
}

export function modelOf(req: Req): string {
  const { model } = record(req.body);
  return typeof model === "string" ? model : "unknown";
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? value as Record<string, unknown> : {};
}

/**
 * @module A fast OpenAI-shaped mock upstream for the benchmark.
 *
 * Non-stream answers are one precomputed body. Streams are SSE with a
 * configurable chunk count and inter-chunk delay; each chunk's content is
 * `<index>@<wall-clock ms when sent>` so a client can tell how long every
 * chunk spent in transit and whether a proxy held any back.
 *
 * The stream shape can be chosen per request through the model name, the
 * one field every proxy passes on unchanged: `bench-s20-d50` streams 20
 * content chunks 50 ms apart. Requests must carry `Authorization: Bearer
 * sk-bench`, which checks that a proxy sends its own provider key.
 *
 * `POST /v1/messages` is Anthropic's Messages API, not streamed: one
 * precomputed message (the same text and usage as the chat completion), for
 * Sidecar's anthropic backends, which send their key as `x-api-key: sk-bench`.
 *
 * `GET /__bench/served` answers how many chat completions and messages it has
 * served (`{"served": N}`), so a measurement can count what reached the upstream.
 *
 * Run alone: `deno run --allow-net bench/mock_upstream.ts [--port N]`.
 */

/** Options of {@link createMockHandler}. */
export interface MockOptions {
  /** Content chunks per stream when the model name does not say. @default 10 */
  streamChunks?: number;
  /** Milliseconds between stream chunks when the model name does not say. @default 0 */
  chunkDelayMs?: number;
  /** The provider key requests must carry. @default "sk-bench" */
  apiKey?: string;
}

/** The upstream key every proxy in the benchmark is configured with. */
export const MOCK_API_KEY = "sk-bench";

/** Where the mock says how many chat completions and messages it has served. */
export const SERVED_PATH = "/__bench/served";

/** Anthropic's Messages endpoint (an anthropic backend's base URL is the host root). */
export const MESSAGES_PATH = "/v1/messages";

const encoder = new TextEncoder();
const STREAM_SHAPE = /-s(\d+)-d(\d+)/;

const COMPLETION = encoder.encode(JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1700000000,
  model: "bench-mock",
  choices: [{
    index: 0,
    message: {
      role: "assistant",
      content: "Hello from the benchmark mock upstream.",
    },
    finish_reason: "stop",
  }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
}));

/** A Messages answer as the API writes it, with the chat completion's text and usage. */
const MESSAGE = encoder.encode(JSON.stringify({
  id: "msg_bench",
  type: "message",
  role: "assistant",
  model: "bench-mock",
  content: [{ type: "text", text: "Hello from the benchmark mock upstream." }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: {
    input_tokens: 12,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 8,
    service_tier: "standard",
  },
}));

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
};

function errorResponse(
  status: number,
  message: string,
  type: string,
): Response {
  return new Response(
    JSON.stringify({ error: { message, type, param: null, code: null } }),
    { status, headers: JSON_HEADERS },
  );
}

/** An error in Anthropic's shape. */
function anthropicError(status: number, message: string, type: string): Response {
  return new Response(
    JSON.stringify({ type: "error", error: { type, message } }),
    { status, headers: JSON_HEADERS },
  );
}

function chunkEvent(delta: Record<string, string>, finish: string | null) {
  return encoder.encode(
    `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,` +
      `"model":"bench-mock","choices":[{"index":0,"delta":${JSON.stringify(delta)},` +
      `"finish_reason":${finish === null ? "null" : `"${finish}"`}}]}\n\n`,
  );
}

const USAGE_EVENT = encoder.encode(
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,` +
    `"model":"bench-mock","choices":[],` +
    `"usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}\n\n`,
);
const DONE_EVENT = encoder.encode("data: [DONE]\n\n");

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function streamBody(
  chunks: number,
  delayMs: number,
  includeUsage: boolean,
): ReadableStream {
  let index = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = () => {
        timer = undefined;
        while (index < chunks) {
          const content = `${index}@${wallMs().toFixed(3)} `;
          const delta: Record<string, string> = index === 0
            ? { role: "assistant", content }
            : { content };
          controller.enqueue(chunkEvent(delta, null));
          index++;
          if (index < chunks && delayMs > 0) {
            timer = setTimeout(send, delayMs);
            return;
          }
        }
        // The closing events go out with the last content chunk, as real providers do.
        controller.enqueue(chunkEvent({}, "stop"));
        if (includeUsage) controller.enqueue(USAGE_EVENT);
        controller.enqueue(DONE_EVENT);
        controller.close();
      };
      send();
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
    },
  });
}

/** Builds the mock's request handler. */
export function createMockHandler(
  options: MockOptions = {},
): (req: Request) => Promise<Response> {
  const defaultChunks = options.streamChunks ?? 10;
  const defaultDelay = options.chunkDelayMs ?? 0;
  const apiKey = options.apiKey ?? MOCK_API_KEY;
  const expectedAuth = `Bearer ${apiKey}`;
  let served = 0;

  /** A Messages request: its key checked and its body read, as the chat path does. */
  const message = async (req: Request): Promise<Response> => {
    if (req.headers.get("x-api-key") !== apiKey) {
      await req.body?.cancel();
      return anthropicError(401, "invalid x-api-key", "authentication_error");
    }
    try {
      await req.json();
    } catch {
      return anthropicError(400, "Malformed JSON body", "invalid_request_error");
    }
    served++;
    return new Response(MESSAGE, { headers: JSON_HEADERS });
  };

  return async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET") {
      if (path.endsWith("/healthz")) return new Response("ok");
      if (path === SERVED_PATH) return Response.json({ served });
      if (path.endsWith("/models")) {
        return Response.json({
          object: "list",
          data: [{ id: "bench-mock", object: "model", owned_by: "bench" }],
        });
      }
      return errorResponse(
        404,
        `No route for GET ${path}`,
        "invalid_request_error",
      );
    }
    if (req.method === "POST" && path === MESSAGES_PATH) return await message(req);
    if (req.method !== "POST" || !path.endsWith("/chat/completions")) {
      return errorResponse(
        404,
        `No route for ${req.method} ${path}`,
        "invalid_request_error",
      );
    }
    if (req.headers.get("authorization") !== expectedAuth) {
      await req.body?.cancel();
      return errorResponse(
        401,
        "Incorrect API key provided",
        "invalid_request_error",
      );
    }
    let body: {
      model?: unknown;
      stream?: unknown;
      stream_options?: { include_usage?: unknown };
    };
    try {
      body = await req.json();
    } catch {
      return errorResponse(400, "Malformed JSON body", "invalid_request_error");
    }
    served++;
    if (body.stream !== true) {
      return new Response(COMPLETION, { headers: JSON_HEADERS });
    }

    const shape = typeof body.model === "string" ? STREAM_SHAPE.exec(body.model) : null;
    const chunks = shape ? Number(shape[1]) : defaultChunks;
    const delayMs = shape ? Number(shape[2]) : defaultDelay;
    const includeUsage = body.stream_options?.include_usage === true;
    return new Response(streamBody(chunks, delayMs, includeUsage), {
      headers: SSE_HEADERS,
    });
  };
}

/** A running mock upstream. */
export interface MockServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:4567`. */
  url: string;
  port: number;
  shutdown(): Promise<void>;
}

/** Starts the mock in this process on 127.0.0.1. */
export function startMock(
  options: MockOptions & { port?: number } = {},
): MockServer {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    createMockHandler(options),
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    shutdown: () => server.shutdown(),
  };
}

if (import.meta.main) {
  const portFlag = Deno.args.indexOf("--port");
  const port = portFlag >= 0 ? Number(Deno.args[portFlag + 1]) : 0;
  const mock = startMock({ port });
  console.log(`mock upstream listening on ${mock.url}`);
}

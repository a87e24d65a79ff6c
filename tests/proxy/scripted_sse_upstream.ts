/**
 * @module scripted_sse_upstream
 * A real loopback upstream that answers every POST with one fixed SSE body,
 * for the stream shapes the mock APIs do not script (a stream that starts
 * with an error event, one that leaves out its last event).
 */

/** A running upstream; `url` is its root (an `anthropic` backend's base). */
export interface ScriptedSse extends AsyncDisposable {
  url: string;
  /** Paths of the requests received, in order. */
  paths: string[];
  close(): Promise<void>;
}

/** Serves `body` as `text/event-stream` with `status` to every request. */
export function startScriptedSse(body: string, status = 200): ScriptedSse {
  const paths: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    paths.push(new URL(req.url).pathname);
    await req.body?.cancel();
    return new Response(body, { status, headers: { "content-type": "text/event-stream" } });
  });
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    paths,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** One named SSE event as Anthropic's API writes it. */
export function namedEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

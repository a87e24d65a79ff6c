/**
 * @module Variants of the bare passthrough, to find what in Deno's `fetch`
 * path costs and whether another upstream client does better. Each variant
 * is one small, correct proxy; `deno task bench --clients` measures them
 * side by side.
 *
 * Run: `deno run --allow-net --allow-env bench/passthrough_variants.ts <upstream> --variant <name>`
 */

import { Agent, request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { RawHttpClient } from "./raw_http.ts";

type Handler = (req: Request, target: string) => Response | Promise<Response>;

/** Response headers that describe one hop's framing and must not be copied to the next. */
const HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
]);

function forwardHeaders(from: Iterable<[string, string]>): Headers {
  const out = new Headers();
  for (const [k, v] of from) if (!HOP.has(k)) out.set(k, v);
  return out;
}

/** Every variant by name, with what it isolates. */
export const VARIANTS: Record<string, { about: string; make: () => Handler }> = {
  "fetch": {
    about: "bench/passthrough.ts: all headers, streamed bodies, global client",
    make: () => (req, target) =>
      fetch(target, {
        method: req.method,
        headers: req.headers,
        body: req.body,
      }),
  },
  "fetch-buffered": {
    about: "request and response bodies read whole (no body streaming)",
    make: () => async (req, target) => {
      const res = await fetch(target, {
        method: req.method,
        headers: req.headers,
        body: await req.arrayBuffer(),
      });
      return new Response(await res.arrayBuffer(), {
        status: res.status,
        headers: res.headers,
      });
    },
  },
  "fetch-parsed": {
    about:
      "a minimal gateway: both bodies read whole and parsed as JSON (streams relayed), own headers",
    make: () => {
      const utf8 = new TextDecoder();
      return async (req, target) => {
        const body = await req.bytes();
        // A gateway routes by the model in the body...
        const stream = JSON.parse(utf8.decode(body)).stream === true;
        const res = await fetch(target, {
          method: req.method,
          headers: {
            "content-type": "application/json",
            authorization: req.headers.get("authorization") ?? "",
          },
          body,
        });
        const headers = {
          "content-type": res.headers.get("content-type") ?? "application/json",
          "x-request-id": crypto.randomUUID(),
        };
        if (stream) return new Response(res.body, { status: res.status, headers });
        const answer = await res.bytes();
        JSON.parse(utf8.decode(answer)); // ...and counts the usage in the answer
        return new Response(answer, { status: res.status, headers });
      };
    },
  },
  "fetch-few-headers": {
    about: "only content-type and authorization forwarded, one header back",
    make: () => async (req, target) => {
      const res = await fetch(target, {
        method: req.method,
        headers: {
          "content-type": req.headers.get("content-type") ??
            "application/json",
          authorization: req.headers.get("authorization") ?? "",
        },
        body: req.body,
      });
      return new Response(res.body, {
        status: res.status,
        headers: {
          "content-type": res.headers.get("content-type") ??
            "application/json",
        },
      });
    },
  },
  "fetch-pool": {
    about: "own Deno.createHttpClient, HTTP/1.1 only, 256 idle connections kept",
    make: () => {
      const client = Deno.createHttpClient({
        http2: false,
        poolMaxIdlePerHost: 256,
      });
      return (req, target) =>
        fetch(target, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          client,
        });
    },
  },
  "fetch-http1": {
    about: "own Deno.createHttpClient({ http2: false }), default pool",
    make: () => {
      const client = Deno.createHttpClient({ http2: false });
      return (req, target) =>
        fetch(target, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          client,
        });
    },
  },
  "node-http": {
    about: "node:http.request with a keep-alive Agent, bodies streamed",
    make: () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 256 });
      return (req, target) =>
        new Promise<Response>((resolve, reject) => {
          const upstream = httpRequest(target, {
            method: req.method,
            headers: Object.fromEntries(req.headers),
            agent,
          }, (res) => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined && !HOP.has(k)) {
                headers.set(k, Array.isArray(v) ? v.join(", ") : v);
              }
            }
            resolve(
              new Response(
                Readable.toWeb(res) as ReadableStream<Uint8Array>,
                {
                  status: res.statusCode ?? 502,
                  headers,
                },
              ),
            );
          });
          upstream.on("error", reject);
          if (req.body) Readable.fromWeb(req.body as never).pipe(upstream);
          else upstream.end();
        });
    },
  },
  "raw-socket": {
    about: "bench/raw_http.ts keep-alive sockets (a probe, not a client to ship)",
    make: () => {
      const idle: RawHttpClient[] = [];
      return async (req, target) => {
        const client = idle.pop() ?? new RawHttpClient(target);
        const body = await req.text();
        const headers: Record<string, string> = {};
        for (const [k, v] of req.headers) {
          if (k !== "host" && k !== "content-length") headers[k] = v;
        }
        const parts: Uint8Array[] = [];
        const res = await client.post(
          new URL(target).pathname,
          headers,
          body,
          (b) => parts.push(b),
          30000,
        );
        idle.push(client);
        return new Response(new Blob(parts as BlobPart[]), {
          status: res.status,
          headers: forwardHeaders(res.headers),
        });
      };
    },
  },
};

if (import.meta.main) {
  const upstream = Deno.args[0]?.replace(/\/+$/, "") ?? "";
  const at = Deno.args.indexOf("--variant");
  const name = at >= 0 ? Deno.args[at + 1] ?? "" : "fetch";
  const variant = VARIANTS[name];
  if (!upstream || !variant) {
    throw new Error(
      `Usage: passthrough_variants.ts <upstream> --variant <${Object.keys(VARIANTS).join("|")}>`,
    );
  }
  const handler = variant.make();
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) =>
      console.log(`passthrough ${name} listening on http://127.0.0.1:${port}`),
  }, (req) => {
    const url = new URL(req.url);
    return handler(req, upstream + url.pathname + url.search);
  });
}

/**
 * @module proxy_routes
 * The OpenAI-compatible `/v1` surface: client-key auth, body checks, then
 * the attempt loop. The client's own credentials are never sent upstream.
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../app_deps.ts";
import { bearerSecret, type Principal } from "../auth/key_ring.ts";
import { AuthError, BadRequestError } from "../errors.ts";
import { readBodyBytes } from "../http/json_body.ts";
import { dispatch } from "./dispatch.ts";
import type { RequestTrace } from "./request_log.ts";
import type { ClientCall, Endpoint } from "./upstream_request.ts";

const ENDPOINTS: readonly Endpoint[] = [
  "/chat/completions",
  "/completions",
  "/embeddings",
  "/responses",
];

type Env = { Variables: { principal: Principal; requestId: string } };

/** Builds the `/v1` sub-app. */
export function proxyRoutes(deps: AppDeps): Hono<Env> {
  const v1 = new Hono<Env>();
  v1.use("*", async (c, next) => {
    const id = "req_" + crypto.randomUUID().replaceAll("-", "");
    c.set("requestId", id);
    await next();
    if (!c.res.headers.has("x-request-id")) c.res.headers.set("x-request-id", id);
  });
  v1.use("*", clientAuth(deps));

  v1.get("/models", (c) =>
    c.json({
      object: "list",
      data: deps.registry.models().map((m) => ({
        id: m.id,
        object: "model",
        created: 0,
        owned_by: m.owned_by,
      })),
    }));

  for (const endpoint of ENDPOINTS) {
    v1.post(endpoint, async (c) => {
      const started = deps.now();
      const call = await parseCall(endpoint, c.req.raw, deps.registry.config.max_body_bytes);
      const principal = c.get("principal");
      const trace: RequestTrace = {
        id: c.get("requestId"),
        started,
        model: call.model,
        keyId: principal.kind === "client" ? principal.keyId : null,
        stream: call.stream,
        attempts: [],
        backendId: null,
        poolId: null,
        upstreamModel: null,
        ttfbMs: null,
      };
      return dispatch(deps, call, trace, c.req.raw.signal);
    });
  }
  return v1;
}

function clientAuth(deps: AppDeps) {
  return createMiddleware<Env>(async (c, next) => {
    const secret = bearerSecret(c.req.raw.headers);
    const principal = secret ? deps.keyRing.identify(secret) : undefined;
    if (!principal) {
      throw new AuthError(
        secret ? "Invalid API key" : "Missing API key: send Authorization: Bearer <key>",
      );
    }
    c.set("principal", principal);
    await next();
  });
}

async function parseCall(endpoint: Endpoint, req: Request, maxBytes: number): Promise<ClientCall> {
  const bytes = await readBodyBytes(req, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BadRequestError("Request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError("Request body must be a JSON object");
  }
  const obj = body as Record<string, unknown>;
  if (typeof obj.model !== "string" || obj.model.trim() === "") {
    throw new BadRequestError('Missing required field "model"', "model");
  }
  const opts = obj.stream_options as { include_usage?: unknown } | undefined;
  return {
    endpoint,
    body: obj,
    raw: bytes,
    model: obj.model,
    stream: obj.stream === true,
    clientWantsUsage: opts?.include_usage === true,
  };
}

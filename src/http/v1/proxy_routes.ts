/**
 * @module proxy_routes
 * The `/v1` surface, OpenAI's endpoints and Anthropic's Messages
 * (api_formats/endpoint.ts): client-key auth, body checks, admission (the
 * key's policy), then the attempt loop; every error in the shape of the
 * API the client speaks. The client's own credentials are never sent
 * upstream.
 */
import { type Context, Hono } from "hono";
import type { AppDeps } from "../../app_deps.ts";
import { bearerSecret, type Principal } from "../../auth/key_ring.ts";
import type { ApiFormat } from "../../api_formats/api_format.ts";
import { type Endpoint, ENDPOINTS } from "../../api_formats/endpoint.ts";
import { formatOf } from "../../api_formats/formats.ts";
import { Translations } from "../../api_formats/translations.ts";
import { AuthError, AuthRateLimitedError, BadRequestError, NotFoundError } from "../../errors.ts";
import { clientAddress } from "../client_address.ts";
import { errorResponse } from "../error_response.ts";
import { clip } from "../../text_bounds.ts";
import { assertJsonContentType, readBodyBytes } from "../json_body.ts";
import { assertJsonDepth } from "../json_depth.ts";
import { admit, keyAllowsModel, keyUsable, noteKeyUse, Refusal } from "../../proxy/admission.ts";
import { fail } from "../../proxy/request_answer.ts";
import { dispatch } from "../../proxy/dispatch.ts";
import { mark, PHASE } from "../../phase_trace.ts";
import { newRequestId } from "../../proxy/request_id.ts";
import type { RequestTrace } from "../../proxy/request_log.ts";
import type { ClientCall } from "../../proxy/upstream_request.ts";

const OPENAI = formatOf("openai");

/**
 * Builds the `/v1` sub-app. Each route is one plain handler that
 * authenticates and answers (no middleware chain): this is the path every
 * proxied request takes, and Hono calls a lone handler directly.
 */
export function proxyRoutes(deps: AppDeps): Hono {
  const v1 = new Hono();

  v1.get("/models", (c) =>
    answer(deps, OPENAI, c.req.raw, (id) => {
      const principal = authenticate(deps, c.req.raw, c, OPENAI);
      let models = deps.registry.models();
      if (principal.kind === "client") {
        // Only what this key may use, and nothing for a key that may use nothing now.
        const key = principal.key;
        const now = deps.now();
        noteKeyUse(deps, key, now);
        const refusal = keyUsable(key, now);
        if (refusal) throw refusal;
        models = models.filter((m) => keyAllowsModel(key, m.id));
      }
      return Response.json({
        object: "list",
        data: models.map((m) => ({
          id: m.id,
          object: "model",
          created: 0,
          owned_by: m.owned_by,
        })),
      }, { headers: { "x-request-id": id } });
    }));

  for (const endpoint of Object.keys(ENDPOINTS) as Endpoint[]) {
    const format = formatOf(ENDPOINTS[endpoint].api);
    v1.post(endpoint, (c) =>
      answer(deps, format, c.req.raw, async (id) => {
        const req = c.req.raw;
        const started = deps.now();
        const principal = authenticate(deps, req, c, format);
        const call = await parseCall(deps, id, format, endpoint, req);
        mark(PHASE.parsed);
        const trace: RequestTrace = {
          id,
          started,
          model: call.model,
          keyId: principal.kind === "client" ? principal.key.id : null,
          api: call.api,
          stream: call.stream,
          attempts: [],
          backendId: null,
          poolId: null,
          upstreamModel: null,
          ttfbMs: null,
          calls: [],
        };
        const admission = await admit(deps, principal, call, trace);
        if (admission instanceof Refusal) {
          const error = `${admission.code}: ${admission.message}`;
          return fail(deps, trace, "refused", admission, error);
        }
        trace.admission = admission;
        return dispatch(deps, call, trace, req.signal);
      }));
  }
  return v1;
}

/**
 * The answer for a `/v1` path no route serves. Called from the app's
 * not-found handler rather than as a catch-all route, which Hono would
 * compose with every real route on every request.
 */
export function proxyNotFound(deps: AppDeps, req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  // A path under Anthropic's endpoint is answered in Anthropic's shape.
  const format = path.startsWith("/v1/messages/") ? formatOf("anthropic") : OPENAI;
  return answer(deps, format, req, () => {
    authenticate(deps, req, undefined, format);
    throw new NotFoundError(`No route for ${req.method} ${clip(new URL(req.url).pathname)}`);
  });
}

/**
 * Runs `handle` under a new request id. Every answer carries it: `handle`
 * sets it on what it returns (dispatch always does), this sets it on errors
 * thrown before dispatch, which are in the shape of the client's API
 * (`format`). Touching a returned response's headers would make Deno
 * rebuild them in JavaScript instead of passing them on natively.
 */
async function answer(
  deps: AppDeps,
  format: ApiFormat,
  req: Request,
  handle: (requestId: string) => Response | Promise<Response>,
): Promise<Response> {
  const id = newRequestId(deps.now());
  try {
    return await handle(id);
  } catch (err) {
    const res = errorResponse(deps.log, err, new URL(req.url).pathname, format.client);
    res.headers.set("x-request-id", id);
    return res;
  }
}

/**
 * The request's principal, or a 401. Only a failure reaches the failed-auth
 * limiter (a 429 while the address is limited), so a valid key does no
 * limiter work; `c` gives the peer address (none on the not-found path).
 * A missing key is asked for the way the client's API sends it.
 */
function authenticate(
  deps: AppDeps,
  req: Request,
  c: Context | undefined,
  format: ApiFormat,
): Principal {
  const secret = bearerSecret(req.headers);
  const principal = secret ? deps.keyRing.identify(secret) : undefined;
  if (!principal) {
    const wait = deps.authLimiter.fail(c ? clientAddress(c) : "unknown", deps.now());
    if (wait > 0) throw new AuthRateLimitedError(wait);
    const send = format.api === "anthropic"
      ? "x-api-key: <key> (or Authorization: Bearer <key>)"
      : "Authorization: Bearer <key>";
    throw new AuthError(secret ? "Invalid API key" : `Missing API key: send ${send}`);
  }
  return principal;
}

const utf8 = new TextDecoder();

/**
 * The call of request `id` to `endpoint`: its body read, bounded and
 * parsed, then checked by `format`. What a translation of it drops is
 * logged once, as a warning.
 */
async function parseCall(
  deps: AppDeps,
  id: string,
  format: ApiFormat,
  endpoint: Endpoint,
  req: Request,
): Promise<ClientCall> {
  assertJsonContentType(req);
  const bytes = await readBodyBytes(req, deps.registry.config.max_body_bytes);
  assertJsonDepth(bytes);
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new BadRequestError("Request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError("Request body must be a JSON object");
  }
  const obj = body as Record<string, unknown>;
  const translations = new Translations((dropped, to) =>
    deps.log.warn("fields dropped in translation", {
      request_id: id,
      from: format.api,
      to,
      dropped: dropped.join(", "),
    })
  );
  return {
    endpoint,
    api: format.api,
    body: obj,
    raw: bytes,
    translations,
    ...format.client.parse(endpoint, obj, req.headers),
  };
}

/**
 * @module request_log
 * Accounting for one client request: the request record with its cost
 * (handed to the request writer's thread), a JSON log line, metrics, the
 * TPM charge of the real token usage, and the release of what the request's
 * admission held (its key's in-flight slot and TPM charge).
 */
import type { AppDeps } from "../app_deps.ts";
import type { ApiFamily } from "../engine/api_family.ts";
import type { Admitted } from "./admission.ts";
import { type RequestCost, requestCost } from "../pricing/request_cost.ts";
import type { ServedCall } from "../pricing/served_call.ts";
import { clip } from "../text_bounds.ts";
import type { Attempt } from "../store/rows.ts";
import type { Outcome } from "./request_outcome.ts";
import type { Usage } from "../api_formats/usage.ts";

/** What is known of a request while it runs. */
export interface RequestTrace {
  id: string;
  started: number;
  model: string;
  keyId: string | null;
  /** The API the client speaks: its errors take that shape, and its record says so. */
  api: ApiFamily;
  stream: boolean;
  attempts: Attempt[];
  backendId: string | null;
  poolId: string | null;
  upstreamModel: string | null;
  ttfbMs: number | null;
  /** Set once the request is recorded, so no later path records it again. */
  recorded?: boolean;
  /** What admission holds for the request, released when it is recorded (admission.ts). */
  admission?: Admitted;
  /** The upstream calls that served the answer, in order: what the request costs. */
  calls: ServedCall[];
  /** The real cost, set when the request is recorded (before admission's release). */
  cost?: RequestCost;
}

/** How it ended. */
export interface RequestEnd {
  status: number;
  outcome: Outcome;
  usage?: Usage | undefined;
  error?: string | null;
}

/** Longest error text kept in a request record. */
const MAX_ERROR_CHARS = 1000;

function scrub(deps: AppDeps, t: RequestTrace, text: string): string {
  const backend = t.backendId === null ? undefined : deps.registry.get(t.backendId);
  return backend ? backend.scrub.text(text) : text;
}

/** Records a finished request once. */
export function recordRequest(deps: AppDeps, t: RequestTrace, end: RequestEnd): void {
  if (t.recorded) return;
  t.recorded = true;
  const now = deps.now();
  const latency = Math.max(0, now - t.started);
  const u = end.usage;
  const cost = t.cost = requestCost(deps.prices, t.model, t.calls);
  const entry = {
    id: t.id,
    ts: t.started,
    model: t.model,
    upstream_model: t.upstreamModel,
    backend_id: t.backendId,
    pool_id: t.poolId,
    key_id: t.keyId,
    api: t.api,
    status: end.status,
    outcome: end.outcome,
    stream: t.stream,
    attempts: t.attempts,
    latency_ms: latency,
    ttfb_ms: t.ttfbMs,
    prompt_tokens: u?.prompt_tokens ?? 0,
    completion_tokens: u?.completion_tokens ?? 0,
    total_tokens: u?.total_tokens ?? 0,
    cost_usd: cost.cost_usd,
    unpriced: cost.unpriced,
    usage_estimated: cost.usage_estimated,
    // Error text quotes upstreams, whose messages have no length limit of their
    // own and may quote the backend's key.
    error: end.error == null ? null : clip(scrub(deps, t, end.error), MAX_ERROR_CHARS),
  };
  deps.store.requestLog.add(entry);
  const backend = t.backendId ?? "none";
  if (t.backendId && u) deps.registry.chargeTokens(t.backendId, u.total_tokens, now);
  t.admission?.release(t, end, now);
  deps.metrics.inc("sidecar_requests_total", { backend, outcome: end.outcome });
  if (u) {
    deps.metrics.inc("sidecar_tokens_total", { backend, kind: "prompt" }, u.prompt_tokens);
    deps.metrics.inc("sidecar_tokens_total", { backend, kind: "completion" }, u.completion_tokens);
  }
  for (const call of cost.calls) {
    if (call.cost_usd === null) continue;
    const labels = { backend: call.backendId, model: t.model, key: t.keyId ?? "admin" };
    deps.metrics.inc("sidecar_cost_usd_total", labels, call.cost_usd);
  }
  deps.metrics.observeLatency(backend, latency);
  deps.log.info("request", {
    request_id: t.id,
    model: t.model,
    backend: t.backendId,
    key_id: t.keyId,
    api: t.api,
    status: end.status,
    outcome: end.outcome,
    stream: t.stream,
    attempts: t.attempts.length,
    latency_ms: latency,
    ttfb_ms: t.ttfbMs,
    total_tokens: u?.total_tokens ?? 0,
    cost_usd: cost.cost_usd,
  });
}

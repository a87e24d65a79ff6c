/**
 * @module observability_api
 * Read-only admin routes: live status, usage aggregates, recent requests
 * (filterable by key, backend, model and outcome) and cooldown events.
 */
import { Hono } from "hono";
import { z } from "zod";
import { parseInput } from "../../admin/validate.ts";
import type { AppDeps } from "../../app_deps.ts";
import { OUTCOMES } from "../../proxy/request_outcome.ts";
import { type RequestFilterField, USAGE_GROUPS } from "../../store/request_repo.ts";

/** An instant given as epoch ms or an ISO-8601 date. */
const Instant = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: "Must be epoch milliseconds or an ISO-8601 date" });
    return z.NEVER;
  }
  return ms;
});

const UsageQuery = z.strictObject({
  since: Instant.optional(),
  until: Instant.optional(),
  group_by: z.enum(USAGE_GROUPS).default("backend"),
});

/**
 * The filters of a request listing, each an exact value; the dashboard's
 * requests page reads its query with the same fields.
 */
export const REQUEST_FILTER_QUERY = {
  key_id: z.string().min(1).max(200).optional(),
  backend_id: z.string().min(1).max(200).optional(),
  model: z.string().min(1).max(256).optional(),
  outcome: z.enum(OUTCOMES).optional(),
} as const satisfies Record<RequestFilterField, z.ZodType>;

const RequestsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  before: Instant.optional(),
  ...REQUEST_FILTER_QUERY,
});

const CooldownsQuery = z.strictObject({
  backend_id: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const DAY_MS = 86_400_000;

/** `/status`, `/usage`, `/requests`, `/cooldowns` (mounted under `/api`). */
export function observabilityRoutes(deps: AppDeps): Hono {
  const r = new Hono();
  r.get("/status", (c) => c.json({ data: deps.registry.status(deps.now()) }));
  r.get("/usage", (c) => {
    const q = parseInput(UsageQuery, c.req.query());
    const until = q.until ?? deps.now() + 1;
    const since = q.since ?? until - DAY_MS;
    deps.store.flush(); // so a script sees the request it just made
    return c.json({ data: deps.store.requests.usage(q.group_by, since, until) });
  });
  r.get("/requests", (c) => {
    const q = parseInput(RequestsQuery, c.req.query());
    deps.store.flush();
    const { limit, before, ...filter } = q;
    return c.json({ data: deps.store.requests.list(limit, before, filter) });
  });
  r.get("/cooldowns", (c) => {
    const q = parseInput(CooldownsQuery, c.req.query());
    deps.store.flush();
    return c.json({ data: deps.store.health.events(q.limit, q.backend_id) });
  });
  return r;
}

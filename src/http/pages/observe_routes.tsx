/**
 * @module observe_routes
 * `/requests` (recent requests, paged, filterable by key, backend, model and
 * outcome like `GET /api/requests`) and `/cooldowns` (events, filterable by
 * backend): read-only views of what the proxy recorded.
 */
import { Hono } from "hono";
import { z } from "zod";
import { parseInput } from "../../admin/validate.ts";
import type { AppDeps } from "../../app_deps.ts";
import {
  COOLDOWNS_TABLE_ID,
  CooldownsPage,
  CooldownTable,
} from "../../../views/cooldown_table.tsx";
import {
  RequestRows,
  REQUESTS_MORE_ID,
  REQUESTS_TABLE_ID,
  RequestTable,
} from "../../../views/request_table.tsx";
import { RequestFilters } from "../../../views/request_filters.tsx";
import { REQUEST_FILTER_QUERY } from "../api/observability_api.ts";
import type { PageEnv } from "./page_env.ts";
import { fragment, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";
import { groupLabeler } from "./usage_queries.ts";

const PAGE_SIZE = 50;

/** The page's query: the API's filters, where a blank field (the form's "All") is no filter. */
const RequestsQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  ...REQUEST_FILTER_QUERY,
});
const withoutBlanks = (query: Record<string, string>) =>
  Object.fromEntries(Object.entries(query).flatMap(([k, v]) => (v.trim() ? [[k, v.trim()]] : [])));
const CooldownsQuery = z.object({ backend_id: z.string().max(64).optional() });

/** Builds the `/requests` sub-app. */
export function requestPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));
  r.get("/", (c) => {
    const { before, ...filter } = parseInput(RequestsQuery, withoutBlanks(c.req.query()));
    deps.store.flush();
    const rows = deps.store.requests.list(PAGE_SIZE + 1, before, filter);
    const props = {
      rows: rows.slice(0, PAGE_SIZE),
      more: rows.length > PAGE_SIZE,
      now: deps.now(),
      backendName: groupLabeler(deps, "backend"),
      keyName: groupLabeler(deps, "key"),
      filter,
    };
    if (wantsRegion(c, REQUESTS_MORE_ID)) return fragment(c, <RequestRows {...props} />);
    if (wantsRegion(c, REQUESTS_TABLE_ID)) return fragment(c, <RequestTable {...props} />);
    const named = (items: { id: string; name: string }[]) =>
      items.map(({ id, name }) => ({ id, name }));
    return page(
      c,
      deps,
      { title: "Requests", section: "requests" },
      <>
        <div class="page-head">
          <div>
            <h1>Requests</h1>
            <p>
              Newest first. Open "attempts" to see which backends were tried and how each answered.
            </p>
          </div>
        </div>
        <RequestFilters
          filter={filter}
          keys={named(deps.store.keys.list())}
          backends={named(deps.store.backends.list())}
        />
        <RequestTable {...props} />
      </>,
    );
  });
  return r;
}

/** Builds the `/cooldowns` sub-app. */
export function cooldownPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));
  r.get("/", (c) => {
    const q = parseInput(CooldownsQuery, c.req.query());
    const backendId = q.backend_id || undefined;
    deps.store.flush();
    const props = {
      events: deps.store.health.events(200, backendId),
      now: deps.now(),
      backendName: groupLabeler(deps, "backend"),
      backendId,
    };
    if (wantsRegion(c, COOLDOWNS_TABLE_ID)) return fragment(c, <CooldownTable {...props} />);
    const backends = deps.store.backends.list().map((b) => ({ id: b.id, name: b.name }));
    return page(
      c,
      deps,
      { title: "Cooldowns", section: "cooldowns" },
      <CooldownsPage {...props} backends={backends} />,
    );
  });
  return r;
}

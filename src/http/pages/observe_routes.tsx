/**
 * @module observe_routes
 * `/requests` (recent requests, paged) and `/cooldowns` (events, filterable
 * by backend): read-only views of what the proxy recorded.
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
import type { PageEnv } from "./page_env.ts";
import { fragment, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";
import { groupLabeler } from "./usage_queries.ts";

const PAGE_SIZE = 50;

const RequestsQuery = z.object({ before: z.coerce.number().int().positive().optional() });
const CooldownsQuery = z.object({ backend_id: z.string().max(64).optional() });

/** Builds the `/requests` sub-app. */
export function requestPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));
  r.get("/", (c) => {
    const q = parseInput(RequestsQuery, c.req.query());
    deps.store.flush();
    const rows = deps.store.requests.list(PAGE_SIZE + 1, q.before);
    const props = {
      rows: rows.slice(0, PAGE_SIZE),
      more: rows.length > PAGE_SIZE,
      now: deps.now(),
      backendName: groupLabeler(deps, "backend"),
      keyName: groupLabeler(deps, "key"),
    };
    if (wantsRegion(c, REQUESTS_MORE_ID)) return fragment(c, <RequestRows {...props} />);
    if (wantsRegion(c, REQUESTS_TABLE_ID)) return fragment(c, <RequestTable {...props} />);
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

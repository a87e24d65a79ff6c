/**
 * @module cluster_routes
 * `GET /cluster`: the replicas sharing this one's state, and the cooldowns
 * the cluster holds (docs/cluster.md, "Dashboard"); its live region alone
 * when htmx polls for it.
 */
import { Hono } from "hono";
import type { AppDeps } from "../../app_deps.ts";
import { readConfigFileStatus } from "../../config_file/config_file_status.ts";
import type { SharedScopeRow, SharedState } from "../../state/shared_state.ts";
import { ClusterPage } from "../../../views/cluster_page.tsx";
import {
  CLUSTER_VIEW_ID,
  ClusterView,
  type ClusterViewProps,
} from "../../../views/cluster_view.tsx";
import type { PageEnv } from "./page_env.ts";
import { fragment, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";
import { groupLabeler } from "./usage_queries.ts";

/** How long the page waits for the cluster's cooldowns before saying it cannot read them. */
const COOLDOWNS_TIMEOUT_MS = 500;

/** Builds the `/cluster` sub-app. */
export function clusterPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));
  r.get("/", async (c) => {
    const view = await clusterView(deps);
    if (view && wantsRegion(c, CLUSTER_VIEW_ID)) return fragment(c, <ClusterView {...view} />);
    const file = readConfigFileStatus(deps.store.meta);
    return page(
      c,
      deps,
      { title: "Cluster", section: "cluster" },
      <ClusterPage configFile={file?.path ?? null} view={view} />,
    );
  });
  return r;
}

/** The live region's data; null in process, where there is no cluster to show. */
async function clusterView(deps: AppDeps): Promise<ClusterViewProps | null> {
  const shared = deps.registry.sharedState;
  // Each call is bounded and reused for a second, so a poll per open tab is cheap.
  const [status, replicas, cooldowns] = await Promise.all([
    shared.checkClusterStatus(),
    shared.replicas(),
    clusterCooldowns(shared),
  ]);
  if (status.state === "in_process") return null;
  return {
    status,
    replicas,
    cooldowns,
    backendName: groupLabeler(deps, "backend"),
    now: deps.now(),
  };
}

/** The cluster's cooldowns, or null when Redis does not answer within the timeout. */
async function clusterCooldowns(shared: SharedState): Promise<SharedScopeRow[] | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      shared.sharedCooldowns(),
      new Promise<null>((r) => timer = setTimeout(() => r(null), COOLDOWNS_TIMEOUT_MS)),
    ]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

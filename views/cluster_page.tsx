/**
 * @module cluster_page
 * `/cluster`: the answer to "are the replicas sharing their state, who are
 * they, and do they route on the same config" (docs/cluster.md,
 * "Dashboard"). The live part is {@link ClusterView}; where the config comes
 * from is said above it.
 */
import type { FC } from "hono/jsx";
import { ClusterView, type ClusterViewProps } from "./cluster_view.tsx";

/** What the page shows: `view` is null when this Sidecar keeps its state in process. */
export interface ClusterPageProps {
  /** The config file every replica reads, or null when there is none. */
  configFile: string | null;
  view: ClusterViewProps | null;
}

/** The cluster page's content. */
export const ClusterPage: FC<ClusterPageProps> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Cluster</h1>
        <p>
          {p.view
            ? "Replicas that share SIDECAR_REDIS_URL share their cooldowns and limits. Refreshes every 3 seconds."
            : "This Sidecar runs alone: SIDECAR_REDIS_URL is not set, so its cooldowns and limits are its own."}
        </p>
      </div>
    </div>
    {p.view ? <ConfigSource file={p.configFile} /> : null}
    {p.view ? <ClusterView {...p.view} /> : null}
  </>
);

/** Whether every replica routes on the same config: only a shared file makes it so. */
const ConfigSource: FC<{ file: string | null }> = ({ file }) =>
  file === null
    ? (
      <div class="notice error no-config-file" role="alert">
        <div>
          <strong>No config file: each replica routes on its own SQLite config.</strong>{" "}
          Pools, backends and keys made in one replica's dashboard are unknown to the others. Give
          every replica the same <code>--config</code> file (<code>SIDECAR_CONFIG</code>).
        </div>
      </div>
    )
    : (
      <section class="card config-source">
        <div class="card-head">
          <h2>Config</h2>
        </div>
        <p>
          Pools, backends and keys come from <code>{file}</code>{" "}
          only: change them there, in every replica's copy. Creating one in the dashboard is
          refused.
        </p>
      </section>
    );

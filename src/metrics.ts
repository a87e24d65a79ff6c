/**
 * @module metrics
 * In-memory counters rendered in the Prometheus text format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Labels are
 * backend ids, upstream models, outcomes and reasons only: never keys; models
 * from clients are bounded by what backends serve.
 */
import type { StatusRow } from "./engine/status_row.ts";
import type { ClusterStatus } from "./state/shared_state.ts";

type Labels = Record<string, string>;

/** Options for {@link Metrics}. */
export interface MetricsOptions {
  /**
   * The replica's standing with the cluster, read at each render
   * (docs/cluster.md, "Health"). @default in_process: no shared-state series
   */
  clusterStatus?: () => ClusterStatus;
}

/** Counters and a latency histogram for the proxy. */
export class Metrics {
  readonly #clusterStatus: (() => ClusterStatus) | undefined;
  #counters = new Map<string, { name: string; labels: Labels; value: number }>();
  #latency = new Map<string, { buckets: number[]; sum: number; count: number }>();
  static readonly LATENCY_BUCKETS_MS = [
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1000,
    2500,
    5000,
    10000,
    30000,
    60000,
  ];

  constructor(opts: MetricsOptions = {}) {
    this.#clusterStatus = opts.clusterStatus;
  }

  /** Adds `by` to a counter. */
  inc(name: string, labels: Labels, by = 1): void {
    let key = name;
    for (const k in labels) key += "\u0000" + labels[k];
    const c = this.#counters.get(key);
    if (c) c.value += by;
    else this.#counters.set(key, { name, labels, value: by });
  }

  /** Records one request latency for `backend`. */
  observeLatency(backend: string, ms: number): void {
    let h = this.#latency.get(backend);
    if (!h) {
      h = { buckets: Metrics.LATENCY_BUCKETS_MS.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(backend, h);
    }
    const bounds = Metrics.LATENCY_BUCKETS_MS;
    for (let i = 0; i < bounds.length; i++) if (ms <= bounds[i]!) h.buckets[i]!++;
    h.sum += ms;
    h.count++;
  }

  /** The exposition text, with live backend gauges from `status`. */
  render(status: readonly StatusRow[]): string {
    const lines: string[] = [];
    const byName = new Map<string, { labels: Labels; value: number }[]>();
    for (const c of this.#counters.values()) {
      const list = byName.get(c.name) ?? [];
      list.push(c);
      byName.set(c.name, list);
    }
    for (const [name, list] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# TYPE ${name} counter`);
      for (const c of list) lines.push(`${name}${fmt(c.labels)} ${c.value}`);
    }
    lines.push("# TYPE sidecar_request_duration_ms histogram");
    for (const [backend, h] of this.#latency) {
      Metrics.LATENCY_BUCKETS_MS.forEach((le, i) => {
        lines.push(
          `sidecar_request_duration_ms_bucket${fmt({ backend, le: String(le) })} ${h.buckets[i]}`,
        );
      });
      lines.push(`sidecar_request_duration_ms_bucket${fmt({ backend, le: "+Inf" })} ${h.count}`);
      lines.push(`sidecar_request_duration_ms_sum${fmt({ backend })} ${h.sum}`);
      lines.push(`sidecar_request_duration_ms_count${fmt({ backend })} ${h.count}`);
    }
    lines.push("# TYPE sidecar_backend_up gauge");
    for (const s of status) {
      lines.push(
        `sidecar_backend_up${fmt({ backend: s.backend_id })} ${s.status === "active" ? 1 : 0}`,
      );
    }
    lines.push("# TYPE sidecar_backend_in_flight gauge");
    for (const s of status) {
      lines.push(`sidecar_backend_in_flight${fmt({ backend: s.backend_id })} ${s.in_flight}`);
    }
    lines.push("# TYPE sidecar_backend_consecutive_429 gauge");
    for (const s of status) {
      lines.push(
        `sidecar_backend_consecutive_429${fmt({ backend: s.backend_id })} ${s.consecutive_429}`,
      );
    }
    // Rate-limit cooldowns are per (backend, upstream model): one series per
    // pair that is cooling now. The registry caps pairs per backend, so a
    // client's model names cannot grow these without bound.
    lines.push("# TYPE sidecar_model_cooling gauge");
    for (const s of status) {
      for (const m of s.models_cooling) {
        lines.push(`sidecar_model_cooling${fmt({ backend: s.backend_id, model: m.model })} 1`);
      }
    }
    lines.push("# TYPE sidecar_model_cooldown_until_seconds gauge");
    for (const s of status) {
      for (const m of s.models_cooling) {
        // No series while the pair's probe is in flight: it has no end.
        if (m.cooldown_until === null) continue;
        const until = Date.parse(m.cooldown_until) / 1000;
        lines.push(
          `sidecar_model_cooldown_until_seconds${
            fmt({ backend: s.backend_id, model: m.model })
          } ${until}`,
        );
      }
    }
    lines.push("# TYPE sidecar_model_consecutive_429 gauge");
    for (const s of status) {
      for (const m of s.models_cooling) {
        lines.push(
          `sidecar_model_consecutive_429${
            fmt({ backend: s.backend_id, model: m.model })
          } ${m.consecutive_429}`,
        );
      }
    }
    // In process there is no link to report: no series, rather than a 1 that claims one.
    const cluster = this.#clusterStatus?.();
    if (cluster && cluster.state !== "in_process") {
      lines.push("# TYPE sidecar_shared_state_up gauge");
      lines.push(`sidecar_shared_state_up ${cluster.state === "up" ? 1 : 0}`);
      lines.push("# TYPE sidecar_replicas_alive gauge");
      lines.push(`sidecar_replicas_alive ${cluster.replicasAlive}`);
    }
    return lines.join("\n") + "\n";
  }
}

function fmt(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

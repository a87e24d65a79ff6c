/**
 * @module status_rows
 * The live status table's rows: the registry's status joined with each
 * backend's name, pool and limits, in routing order (pool priority, then id).
 */
import type { AppDeps } from "../../app_deps.ts";
import { modelCoolingViews } from "../../../views/model_cooldowns.tsx";
import type { StatusView } from "../../../views/view_models.ts";

/** Every backend's live state at `deps.now()`. */
export function statusRows(deps: AppDeps): StatusView[] {
  const now = deps.now();
  const pools = deps.store.pools.list();
  const rank = new Map(pools.map((p, i) => [p.id, i]));
  const poolName = new Map(pools.map((p) => [p.id, p.name]));
  const live = new Map(deps.registry.status(now).map((s) => [s.backend_id, s]));
  return deps.store.backends.list()
    .sort((a, b) =>
      (rank.get(a.pool_id) ?? 1e9) - (rank.get(b.pool_id) ?? 1e9) || a.id.localeCompare(b.id)
    )
    .map((b) => {
      const s = live.get(b.id);
      const until = s?.cooldown_until ? Date.parse(s.cooldown_until) : null;
      return {
        id: b.id,
        name: b.name,
        pool_id: b.pool_id,
        pool_name: poolName.get(b.pool_id) ?? b.pool_id,
        status: s?.status ?? (b.enabled ? "active" : "disabled"),
        paused: s?.paused ?? false,
        remaining_ms: until !== null && s?.status === "cooling" ? Math.max(0, until - now) : null,
        cooldown_until: s?.cooldown_until ?? null,
        consecutive_429: s?.consecutive_429 ?? 0,
        failures: s?.failures ?? 0,
        rpm_limit: b.rpm_limit,
        rpm_tokens_left: s?.rpm_tokens_left ?? null,
        in_flight: s?.in_flight ?? 0,
        models_cooling: modelCoolingViews(s?.models_cooling ?? [], now),
      };
    });
}

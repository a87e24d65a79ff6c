/**
 * @module status_row
 * A live backend as `GET /api/status`, the dashboard and `/metrics` show it
 * (docs/api.md, "Status row"): both cooldown scopes read at one instant,
 * the pairs that are not usable listed by model.
 */
import { availability, type BackendHealth, type CooldownPolicy } from "./cooldown.ts";
import type { LiveBackend } from "./registry.ts";

/** The live status row (docs/api.md, "Status row"). */
export interface StatusRow {
  backend_id: string;
  /** `cooling` only when the whole backend is (paused included); a cooling model shows in `models_cooling`. */
  status: "active" | "cooling" | "disabled";
  /** Paused by an operator until a clear-cooldown (its status is `cooling`, with no end). */
  paused: boolean;
  /** End of the backend scope's cooldown. */
  cooldown_until: string | null;
  /** The longest 429 streak of the backend scope or any of its models. */
  consecutive_429: number;
  failures: number;
  rpm_tokens_left: number | null;
  tpm_tokens_left: number | null;
  in_flight: number;
  /** Upstream models of this backend that are not usable now, by model name. */
  models_cooling: ModelCooling[];
}

/** One (backend, upstream model) pair that is not usable now. */
export interface ModelCooling {
  /** The upstream model (after `model_map`). */
  model: string;
  /** When its cooldown ends; null while its probe is in flight. */
  cooldown_until: string | null;
  consecutive_429: number;
}

/** `b`'s status at `now`. */
export function statusRow(b: LiveBackend, now: number, policy: CooldownPolicy): StatusRow {
  const a = availability(b.health, now, policy);
  let consecutive429 = b.health.consecutive429;
  const models: ModelCooling[] = [];
  for (const [model, h] of b.modelHealth) {
    consecutive429 = Math.max(consecutive429, h.consecutive429);
    if (availability(h, now, policy).usable) continue;
    models.push({
      model,
      cooldown_until: runningUntil(h, now),
      consecutive_429: h.consecutive429,
    });
  }
  models.sort((x, y) => x.model.localeCompare(y.model));
  return {
    backend_id: b.id,
    status: !b.enabled ? "disabled" : a.usable ? "active" : "cooling",
    paused: b.health.health.state === "paused",
    cooldown_until: runningUntil(b.health, now),
    consecutive_429: consecutive429,
    failures: b.health.failures,
    rpm_tokens_left: b.rpm ? Math.max(0, Math.floor(b.rpm.available(now))) : null,
    tpm_tokens_left: b.tpm ? Math.max(0, Math.floor(b.tpm.available(now))) : null,
    in_flight: b.slots.count,
    models_cooling: models,
  };
}

/** The ISO end of a cooldown still running at `now`, else null. */
function runningUntil(h: BackendHealth, now: number): string | null {
  const s = h.health;
  return s.state === "cooling" && s.until > now ? new Date(s.until).toISOString() : null;
}

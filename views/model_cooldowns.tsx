/**
 * @module model_cooldowns
 * The upstream models of one backend that are cooling on their own (a 429
 * cools one model, not the backend): "gpt-4o cooling 12 s (429 ×2)", each
 * counting down like the backend's own cooldown.
 */
import type { FC } from "hono/jsx";
import { Countdown } from "./status_badge.tsx";

/** One (backend, upstream model) pair that is not usable now. */
export interface ModelCoolingView {
  model: string;
  /** Milliseconds left at render time; null while its probe is in flight. */
  remaining_ms: number | null;
  cooldown_until: string | null;
  consecutive_429: number;
}

/** The list, or nothing when no model is cooling. */
export const ModelCooldowns: FC<{ models: readonly ModelCoolingView[] }> = ({ models }) => {
  if (models.length === 0) return null;
  return (
    <ul class="model-cooldowns">
      {models.map((m) => (
        <li class="sub nowrap" data-model={m.model}>
          <code>{m.model}</code> cooling{" "}
          <Countdown remainingMs={m.remaining_ms} until={m.cooldown_until} /> (429 ×
          {m.consecutive_429})
        </li>
      ))}
    </ul>
  );
};

/** The pairs of a status row as the views show them, at `now`. */
export function modelCoolingViews(
  models: readonly { model: string; cooldown_until: string | null; consecutive_429: number }[],
  now: number,
): ModelCoolingView[] {
  return models.map((m) => ({
    ...m,
    remaining_ms: m.cooldown_until === null
      ? null
      : Math.max(0, Date.parse(m.cooldown_until) - now),
  }));
}

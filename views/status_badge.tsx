/**
 * @module status_badge
 * A backend's state as a coloured badge, with the cooldown counting down.
 */
import type { FC } from "hono/jsx";
import { formatInstant, formatRemaining } from "./format.ts";

/** `active`, `cooling` or `disabled`. */
export const StatusBadge: FC<{ status: "active" | "cooling" | "disabled" }> = ({ status }) => (
  <span class={`badge ${status}`}>{status}</span>
);

/**
 * The cooldown left, ticking each second in the browser (static/app.js) from
 * the milliseconds left at render time; `probing` when the cooldown has run
 * out and one request is testing the backend.
 */
export const Countdown: FC<{ remainingMs: number | null; until: string | null }> = (p) => {
  if (p.remainingMs === null || p.until === null) {
    return <span class="sub">probing</span>;
  }
  return (
    <span
      class="countdown"
      data-remaining-ms={Math.round(p.remainingMs)}
      title={`Until ${formatInstant(p.until)} UTC`}
    >
      {formatRemaining(p.remainingMs)}
    </span>
  );
};

/** In place of a countdown while an operator's pause holds the backend: it has no end. */
export const PausedNote: FC = () => <span class="sub paused">paused — until cleared</span>;

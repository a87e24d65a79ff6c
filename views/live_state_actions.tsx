/**
 * @module live_state_actions
 * A backend's live-state buttons, the same on the overview's status table
 * and the backends list: Pause (asking first, since it takes the backend out
 * of rotation), Clear cooldown, and Resume for a paused backend, which is a
 * clear-cooldown (docs/cooldowns.md, "Pause"). Live state is not config, so
 * a backend the config file manages has them too.
 */
import type { FC } from "hono/jsx";
import { RowAction } from "./row_action.tsx";

/** Props of {@link LiveStateActions}. */
export interface LiveStateActionsProps {
  backendId: string;
  name: string;
  status: "active" | "cooling" | "disabled";
  paused: boolean;
  /** A model cools on its own: a clear ends that too. */
  modelsCooling: boolean;
  /** Id of the region the answers redraw. */
  target: string;
  csrf: string;
  /** Extra button classes. */
  cls?: string;
  /** Where a plain post (no JavaScript) lands afterwards. @default "/backends" */
  returnTo?: "/" | "/backends";
}

/** Resume when paused; otherwise Clear cooldown while anything cools, and Pause. */
export const LiveStateActions: FC<LiveStateActionsProps> = (p) => {
  const base = `/backends/${encodeURIComponent(p.backendId)}`;
  const fields: Record<string, string> = p.returnTo === "/" ? { return_to: "/" } : {};
  const common = {
    target: p.target,
    csrf: p.csrf,
    cls: p.cls ?? "",
    fields,
  };
  if (p.paused) {
    return <RowAction {...common} action={`${base}/clear-cooldown`} label="Resume" />;
  }
  return (
    <>
      {p.status === "cooling" || p.modelsCooling
        ? <RowAction {...common} action={`${base}/clear-cooldown`} label="Clear cooldown" />
        : null}
      {p.status === "disabled" ? null : (
        <RowAction
          {...common}
          action={`${base}/pause`}
          label="Pause"
          confirm={`Pause backend "${p.name}"? It takes no requests until you resume it.`}
        />
      )}
    </>
  );
};

/**
 * @module key_spend
 * A key's spend against its budget (docs/keys.md): a bar of what is spent
 * and, beside it, what requests in flight hold reserved, with the budget's
 * period and when that period began.
 */
import type { FC } from "hono/jsx";
import type { ClientKeyView } from "../src/admin/client_keys.ts";
import { formatInstant, formatPercent, formatUsd } from "./format.ts";

const BAR_W = 90;

/** `this month, since 2026-11-01`: the period as the operator reads it. */
export function periodText(k: ClientKeyView): string {
  const since = k.period_start ? k.period_start.slice(0, 10) : "";
  switch (k.budget_period) {
    case "day":
      return `today (UTC), since ${since}`;
    case "week":
      return `this week, since Monday ${since}`;
    case "month":
      return `this month, since ${since}`;
    case "total":
      return `in total, since ${since}`;
    default:
      return "";
  }
}

/** Widths of the spent and reserved parts of a bar `BAR_W` wide. */
export function barWidths(spent: number, reserved: number, budget: number) {
  if (budget <= 0) return { spent: spent > 0 ? BAR_W : 0, reserved: 0 };
  const w = (usd: number) => Math.min(BAR_W, Math.max(0, (usd / budget) * BAR_W));
  const s = w(spent);
  const r = Math.min(BAR_W - s, w(reserved));
  const round = (v: number) => Math.round(v * 100) / 100;
  return { spent: s > 0 ? round(Math.max(1, s)) : 0, reserved: r > 0 ? round(Math.max(1, r)) : 0 };
}

/** The bar with the figures, or `no budget`. */
export const KeySpend: FC<{ k: ClientKeyView }> = ({ k }) => {
  if (k.budget_usd === null) return <span class="sub">no budget</span>;
  const reserved = k.reserved_usd;
  const w = barWidths(k.spend_usd, reserved, k.budget_usd);
  const over = k.spend_usd >= k.budget_usd;
  return (
    <div
      class="spend"
      data-spend={k.spend_usd}
      data-reserved={reserved}
      data-budget={k.budget_usd}
    >
      <span class="share">
        {formatPercent(k.spend_usd, k.budget_usd)}
        <svg viewBox={`0 0 ${BAR_W} 8`} role="img" aria-label="Spent and reserved of the budget">
          <rect class="track" width={BAR_W} height="8" rx="4" />
          {w.spent > 0
            ? <rect class={over ? "s3" : "fill"} width={w.spent} height="8" rx="4" />
            : null}
          {w.reserved > 0
            ? <rect class="s1" x={w.spent} width={w.reserved} height="8" rx="4" />
            : null}
        </svg>
      </span>
      <span class="sub nowrap">
        {formatUsd(k.spend_usd)} of {formatUsd(k.budget_usd)}
        {over ? " · spent" : null}
      </span>
      <span class="sub" title={k.period_start ? `${formatInstant(k.period_start)} UTC` : undefined}>
        {periodText(k)}
      </span>
      {reserved > 0 ? <span class="sub">{formatUsd(reserved)} reserved now</span> : null}
    </div>
  );
};

/**
 * @module cost_cell
 * A cost in a table cell (docs/accounting.md, "Cost"): the dollars, and
 * beside them what makes them less than the whole truth: requests with no
 * price (their tokens are not in the sum) and costs estimated from text.
 * No cost and nothing unpriced (a record older than costs) reads `—`.
 */
import type { FC } from "hono/jsx";
import { formatCount, formatUsd } from "./format.ts";

/** Props of {@link CostCell}. */
export interface CostCellProps {
  usd: number | null;
  /** Requests without a price among those summed (one request: 0 or 1). */
  unpriced: number;
  /** The cost includes an estimate for a stream that reported no usage. */
  estimated?: boolean;
  /** The cell stands for one request, so "unpriced" needs no count. */
  single?: boolean;
}

/** `$0.0412`, with `unpriced` or `estimated` below it when they apply. */
export const CostCell: FC<CostCellProps> = (p) => (
  <td class="num" data-cost={p.usd ?? (p.unpriced > 0 ? "unpriced" : "")}>
    {p.usd === null && p.unpriced > 0
      ? <span class="badge plain warn">unpriced</span>
      : formatUsd(p.usd)}
    {p.usd !== null && p.unpriced > 0
      ? (
        <span class="sub" title="Requests with no price: their tokens are not in this cost">
          {p.single ? "+ unpriced" : `${formatCount(p.unpriced)} unpriced`}
        </span>
      )
      : null}
    {p.estimated
      ? (
        <span class="sub" title="The upstream reported no usage: estimated from the text">
          estimated
        </span>
      )
      : null}
  </td>
);

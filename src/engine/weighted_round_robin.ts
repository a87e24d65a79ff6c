/**
 * @module weighted_round_robin
 * Smooth weighted round-robin, nginx's algorithm (`ngx_http_upstream_get_peer`
 * in https://github.com/nginx/nginx/blob/master/src/http/ngx_http_upstream_round_robin.c):
 * over a cycle each item is picked in proportion to its weight, and the picks
 * are spread out (5,1,1 gives a a b a c a a, not a a a a a b c).
 */

/** An item that may be picked now. */
export interface WeightedItem {
  readonly id: string;
  /** Relative share; `0` (or less) marks a standby. */
  readonly weight: number;
}

/**
 * Round-robin state for one group (one pool). Each id's running `current`
 * weight is kept across calls, so a cycle continues when some items are
 * briefly ineligible (cooling or out of tokens).
 */
export class SmoothWeightedRoundRobin {
  readonly #current = new Map<string, number>();

  /**
   * Picks one id among `eligible`. Only these items take part in this pick.
   * Items of weight `0` are standbys: one is picked, the first in the given
   * order, only when no eligible item has a positive weight.
   *
   * @returns The picked id, or `undefined` when `eligible` is empty.
   */
  pick(eligible: readonly WeightedItem[]): string | undefined {
    let total = 0;
    let best: { id: string; current: number } | undefined;
    for (const item of eligible) {
      const weight = Number.isFinite(item.weight) ? item.weight : 0;
      if (weight <= 0) continue;
      const current = (this.#current.get(item.id) ?? 0) + weight;
      this.#current.set(item.id, current);
      total += weight;
      // Strictly greater: on ties the earlier item wins, as in nginx.
      if (best === undefined || current > best.current) best = { id: item.id, current };
    }
    if (best === undefined) return eligible[0]?.id;
    this.#current.set(best.id, best.current - total);
    return best.id;
  }

  /** Drops the state of an id (for example a deleted backend). */
  forget(id: string): void {
    this.#current.delete(id);
  }
}

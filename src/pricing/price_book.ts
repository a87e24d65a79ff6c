/**
 * @module price_book
 * The prices in force, in memory: the price table, most specific first, and
 * the rule that picks the price of one upstream call (docs/accounting.md,
 * "Which price applies"). The admin layer calls {@link PriceBook.set} after
 * each change; the proxy only reads.
 */
import type { PriceEntry } from "./price_entry.ts";
import { bySpecificity, findPrice } from "./price_table.ts";

/** What pricing needs to know of a backend: its own prices, which win for it. */
export interface PricedBackend {
  prices: readonly PriceEntry[];
}

/** The price table in force and the lookup of a call's price. */
export class PriceBook {
  #table: readonly PriceEntry[] = [];
  // A backend's own prices, sorted once per list (a reload gives a backend a new list).
  #sorted = new WeakMap<readonly PriceEntry[], readonly PriceEntry[]>();

  constructor(entries: readonly PriceEntry[] = []) {
    this.set(entries);
  }

  /** Replaces the table. */
  set(entries: readonly PriceEntry[]): void {
    this.#table = bySpecificity(entries);
  }

  /** The table, most specific first. */
  get table(): readonly PriceEntry[] {
    return this.#table;
  }

  /**
   * The price of a call to `backend` for `upstreamModel` (the name sent
   * upstream, after `model_map`), asked for as `requestedModel`: the
   * backend's own prices first, then the table; in each, the upstream name
   * first, then the requested one (so a `model_map` onto a deployment name
   * is still priced as the model asked for). Undefined: unpriced.
   */
  priceFor(
    backend: PricedBackend,
    upstreamModel: string,
    requestedModel: string,
  ): PriceEntry | undefined {
    for (const list of [this.#own(backend), this.#table]) {
      const found = findPrice(list, upstreamModel) ??
        (requestedModel === upstreamModel ? undefined : findPrice(list, requestedModel));
      if (found) return found;
    }
    return undefined;
  }

  #own(backend: PricedBackend): readonly PriceEntry[] {
    if (backend.prices.length === 0) return backend.prices;
    let sorted = this.#sorted.get(backend.prices);
    if (!sorted) {
      sorted = bySpecificity(backend.prices);
      this.#sorted.set(backend.prices, sorted);
    }
    return sorted;
  }
}

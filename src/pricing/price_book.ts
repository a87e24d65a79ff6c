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
  // Lookups by list (null: no entry matched), see #lookup.
  #memos = new WeakMap<readonly PriceEntry[], Map<string, PriceEntry | null>>();

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
    const own = backend.prices.length === 0
      ? undefined
      : this.#lookup(this.#own(backend), upstreamModel, requestedModel);
    return own ?? this.#lookup(this.#table, upstreamModel, requestedModel);
  }

  /**
   * The entry of `list` for the pair of names, remembered per list: every
   * request is priced when it ends (and a budgeted one before it is sent,
   * once per candidate), and matching each of a table's globs in turn cost
   * a governed request more than all its admission checks together. A new
   * table or a backend's new prices are new lists, so nothing goes stale;
   * client-chosen names are bounded like the router's candidate cache.
   */
  #lookup(
    list: readonly PriceEntry[],
    upstream: string,
    requested: string,
  ): PriceEntry | undefined {
    let memo = this.#memos.get(list);
    if (!memo) this.#memos.set(list, memo = new Map());
    const key = requested === upstream ? upstream : `${upstream.length}:${upstream}${requested}`;
    let found = memo.get(key);
    if (found === undefined) {
      found = findPrice(list, upstream) ??
        (requested === upstream ? undefined : findPrice(list, requested)) ?? null;
      if (memo.size >= MAX_REMEMBERED) memo.delete(memo.keys().next().value!);
      memo.set(key, found);
    }
    return found ?? undefined;
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

/** Model-name pairs remembered per price list; far more than a deployment's models. */
const MAX_REMEMBERED = 1024;

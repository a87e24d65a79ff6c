/**
 * @module prices
 * Price table administration shared by the JSON API and the dashboard
 * (docs/api.md, "Prices"): the table is read whole and replaced whole, in
 * one transaction. Entries the config file declares are outside a
 * replacement: they stay, and naming one is a 409.
 */
import { z } from "zod";
import type { AppDeps } from "../app_deps.ts";
import { formatPath } from "../config_file/config_issue.ts";
import { BadRequestError, ManagedByConfigError } from "../errors.ts";
import { PriceList } from "../pricing/price_entry.ts";
import { bySpecificity } from "../pricing/price_table.ts";
import type { PriceRecord } from "../store/rows.ts";
import { configFileName, refuseCreate } from "./managed.ts";

/** Body of `PUT /api/prices`. */
export const PricesPut = z.strictObject({ prices: PriceList });

/** The table, most specific first (the order prices are looked up in). */
export function listPrices(deps: Pick<AppDeps, "store">): PriceRecord[] {
  return bySpecificity(deps.store.prices.list());
}

/**
 * Replaces every entry not managed by the config file with `body.prices`,
 * atomically, and puts the new table in force. Bad input is a 400 naming the
 * entry's field as `prices[2].input_per_mtok`, and nothing is stored.
 */
export function replacePrices(deps: Pick<AppDeps, "store" | "registry" | "prices">, body: unknown) {
  refuseCreate(deps, "price");
  const { prices } = parsePrices(body);
  const stored = deps.store.prices.list();
  const fromFile = new Set(stored.filter((p) => p.managed === "file").map((p) => p.model));
  prices.forEach((entry, i) => {
    if (fromFile.has(entry.model)) {
      const file = configFileName(deps.store.meta);
      throw new ManagedByConfigError(`The price of "${entry.model}"`, file, `prices[${i}].model`);
    }
  });
  deps.store.transaction(() => {
    for (const old of stored) if (old.managed !== "file") deps.store.prices.remove(old.model);
    for (const entry of prices) deps.store.prices.put(entry, null);
  });
  deps.prices.set(deps.store.prices.list());
  return listPrices(deps);
}

function parsePrices(body: unknown): z.output<typeof PricesPut> {
  const result = PricesPut.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    throw new BadRequestError(`Unknown field "${key}"`, formatPath([...issue.path, key]));
  }
  const param = formatPath(issue.path) || null;
  throw new BadRequestError(param ? `Invalid "${param}": ${issue.message}` : issue.message, param);
}

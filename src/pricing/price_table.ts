/**
 * @module price_table
 * Which price applies to a model (docs/accounting.md, "Which price applies"):
 * of the entries whose glob matches, the most specific. Specificity is a
 * total order, so the answer never depends on the order entries were written:
 *
 * 1. an exact name (no `*`) before any glob (exact names among themselves by
 *    name: no two of them match the same model);
 * 2. then the longer literal prefix (the characters before the first `*`):
 *    model names grow from their family, so `gpt-4o-mini*` beats `gpt-4o*`
 *    and `gpt-*` beats `*-mini`;
 * 3. then more literal characters in all (`gpt-4o*-audio*` beats `gpt-4o*`);
 * 4. then the glob's code units, only so that the order is total.
 */
import { isExactModel, matchesModel } from "../engine/model_match.ts";
import type { PriceEntry } from "./price_entry.ts";

/** `entries` most specific first: the order lookups use, and the order the API lists. */
export function bySpecificity<T extends Pick<PriceEntry, "model">>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => compareGlobs(a.model, b.model));
}

/** Negative when glob `a` is more specific than `b` (see the module doc). */
export function compareGlobs(a: string, b: string): number {
  const exact = Number(isExactModel(b)) - Number(isExactModel(a));
  if (exact !== 0) return exact;
  // Two exact names never match the same model: by name, for the reader.
  if (isExactModel(a)) return codeUnits(a, b);
  return literalPrefix(b) - literalPrefix(a) || literals(b) - literals(a) || codeUnits(a, b);
}

/**
 * The entry for `model` in `sorted` (most specific first, as
 * {@link bySpecificity} orders them), or undefined when none matches.
 */
export function findPrice<T extends Pick<PriceEntry, "model">>(
  sorted: readonly T[],
  model: string,
): T | undefined {
  return sorted.find((e) => matchesModel([e.model], model));
}

function codeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function literalPrefix(glob: string): number {
  const star = glob.indexOf("*");
  return star < 0 ? glob.length : star;
}

function literals(glob: string): number {
  return glob.replaceAll("*", "").length;
}

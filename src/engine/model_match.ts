/**
 * @module model_match
 * Model-name patterns: which backends serve a requested model (`models`, exact
 * names or `*` globs) and which name is sent upstream (`model_map`).
 */

/** Whether `pattern` names one model (no `*`), as listed by `GET /v1/models`. */
export function isExactModel(pattern: string): boolean {
  return !pattern.includes("*");
}

/**
 * Whether `model` matches one of `patterns`: exactly, or as a glob where each
 * `*` stands for any run of characters (possibly empty). Case-sensitive.
 * Every other character is literal, so `gpt-4.1` does not match `gpt-4x1`.
 */
export function matchesModel(patterns: readonly string[], model: string): boolean {
  return patterns.some((p) => globMatch(p, model));
}

/**
 * The model name to send upstream. Keys of `modelMap` are tried from most to
 * least specific: the exact key, then glob keys such as `gpt-4o*` (longest
 * first), then `*`; with no match the model passes unchanged.
 */
export function upstreamModel(modelMap: Readonly<Record<string, string>>, model: string): string {
  // Own keys only: a model called "constructor" must not reach Object.prototype.
  if (Object.hasOwn(modelMap, model)) return modelMap[model] ?? model;
  const globs = Object.keys(modelMap)
    .filter((k) => k !== "*" && !isExactModel(k) && globMatch(k, model))
    .sort(bySpecificity);
  const key = globs[0] ?? (Object.hasOwn(modelMap, "*") ? "*" : undefined);
  return key === undefined ? model : modelMap[key] ?? model;
}

/** Longer first; then the one with more literal characters; then by code unit, for determinism. */
function bySpecificity(a: string, b: string): number {
  return b.length - a.length || stars(a) - stars(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function stars(pattern: string): number {
  return pattern.split("*").length - 1;
}

/**
 * Wildcard match without building a RegExp, so no character of a model name
 * can act as regex syntax. Greedy with one backtrack point (the last `*`):
 * linear for patterns with one `*`, at worst O(pattern × text).
 */
function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === "*") {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (starP >= 0) {
      // Let the last `*` swallow one more character and retry from there.
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

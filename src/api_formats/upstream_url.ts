/**
 * @module upstream_url
 * A backend's URL for one endpoint: its stored base (admin/base_url.ts says
 * what that is for each API) with the endpoint's path appended, before the
 * base's query when it has one (`…/openai/v1?api-version=…`).
 */

/** `base` with `path` appended to its path. */
export function upstreamUrl(base: string, path: string): string {
  // Two scans for a character, not a RegExp: this runs for every request.
  const q = base.indexOf("?");
  const h = base.indexOf("#");
  const at = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return at < 0 ? base + path : base.slice(0, at) + path + base.slice(at);
}

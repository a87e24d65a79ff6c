/**
 * @module method_table
 * Which methods the app serves on a path, read from its own routes, so a
 * path that exists under another method is a `405` with `Allow` instead of a
 * `404` (RFC 9110 §15.5.6). Asked only from the not-found handler: nothing
 * is added to the path of a request a route serves.
 */

/** A route as Hono lists it in `app.routes`. */
export interface RouteEntry {
  method: string;
  path: string;
}

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** A lookup of the methods routed at a path (middleware, method `ALL`, is not a route). */
export function methodTable(routes: readonly RouteEntry[]): (path: string) => string[] {
  const table = routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({ method: r.method, re: patternOf(r.path) }));
  return (path) => {
    const methods = new Set<string>();
    for (const r of table) if (r.re.test(path)) methods.add(r.method);
    return [...methods].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  };
}

/** Hono's path syntax (`:id`, `:id{re}`, `*`) as an anchored regular expression. */
function patternOf(path: string): RegExp {
  const parts = path.split("/").map((seg) => {
    if (seg === "*") return ".*";
    const param = /^:\w+(?:\{(.+)\})?(\?)?$/.exec(seg);
    if (param) return param[1] ? `(?:${param[1]})` : "[^/]+";
    return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${parts.join("/")}/?$`);
}

/**
 * @module static_assets
 * The dashboard's CSS, JS, icon and htmx, embedded as text imports so
 * `deno compile` carries them and nothing is fetched from the internet.
 * Each URL carries a content hash, so responses can be cached for a year.
 */
import { Hono } from "hono";
import htmx from "htmx.org/dist/htmx.min.js" with { type: "text" };
import appCss from "../../../static/app.css" with { type: "text" };
import appJs from "../../../static/app.js" with { type: "text" };
import favicon from "../../../static/favicon.svg" with { type: "text" };

/** A served file. */
interface Asset {
  body: string;
  type: string;
  hash: string;
}

const ASSETS: Record<string, Asset> = {
  "app.css": asset(appCss, "text/css; charset=utf-8"),
  "app.js": asset(appJs, "text/javascript; charset=utf-8"),
  "htmx.min.js": asset(htmx, "text/javascript; charset=utf-8"),
  "favicon.svg": asset(favicon, "image/svg+xml"),
};

/** Names of the embedded assets. */
export type AssetName = "app.css" | "app.js" | "htmx.min.js" | "favicon.svg";

/** The versioned URL of an asset, e.g. `/static/app.css?v=1a2b3c4d`. */
export function assetUrl(name: AssetName): string {
  return `/static/${name}?v=${ASSETS[name]!.hash}`;
}

/** `GET /static/:name`: immutable for a year when the version matches, else revalidated. */
export function staticRoutes(): Hono {
  const r = new Hono();
  r.get("/:name", (c) => {
    const a = ASSETS[c.req.param("name")];
    if (!a) return c.text("Not found", 404);
    const etag = `"${a.hash}"`;
    const cache = c.req.query("v") === a.hash ? "public, max-age=31536000, immutable" : "no-cache";
    const headers = {
      "content-type": a.type,
      "cache-control": cache,
      etag,
      "x-content-type-options": "nosniff",
    };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    return c.body(a.body, 200, headers);
  });
  return r;
}

function asset(body: string, type: string): Asset {
  return { body, type, hash: fnv1a(body) };
}

// FNV-1a 32-bit: a cache-busting version, not a security hash.
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

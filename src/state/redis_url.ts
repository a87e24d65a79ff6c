/**
 * @module redis_url
 * `SIDECAR_REDIS_URL` read into a connection target
 * (https://www.iana.org/assignments/uri-schemes/prov/redis):
 * `redis://[user:pass@]host:port[/db]`, or `rediss://` for TLS. The target
 * carries a printable form without credentials, the only one ever logged.
 */

/** Where the shared state's Redis is, and how to sign in to it. */
export interface RedisTarget {
  tls: boolean;
  host: string;
  port: number;
  /** The logical database (`SELECT`). @default 0 */
  db: number;
  username?: string;
  password?: string;
  /** The URL without user or password: safe to log and show. */
  display: string;
}

/** A URL that is not a Redis URL; the message never holds the URL's credentials. */
export class RedisUrlError extends Error {
  override name = "RedisUrlError";
}

const DEFAULT_PORT = 6379;

/** Parses a Redis URL; throws {@link RedisUrlError} naming what is wrong, never echoing a password. */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError(
      "is not a URL: use redis://[user:pass@]host:port[/db] or rediss://...",
    );
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "redis" && scheme !== "rediss") {
    throw new RedisUrlError(`has the scheme "${scheme}": use redis:// or rediss://`);
  }
  const tls = scheme === "rediss";
  // WHATWG URL parses a special scheme's host only; for redis: it is opaque, so check it here.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new RedisUrlError("has no host: use redis://host:port");
  const port = url.port === "" ? DEFAULT_PORT : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RedisUrlError(`has the port "${url.port}": use 1-65535`);
  }
  const path = url.pathname;
  let db = 0;
  if (path !== "" && path !== "/") {
    const m = /^\/(\d{1,5})$/.exec(path);
    if (!m) throw new RedisUrlError(`has the path "${path}": use a database number, as /0`);
    db = Number(m[1]);
  }
  if (url.search || url.hash) {
    throw new RedisUrlError("has a query or fragment: options are not read from the URL");
  }
  const target: RedisTarget = {
    tls,
    host,
    port,
    db,
    display: `${scheme}://${url.hostname}:${port}/${db}`,
  };
  if (url.username) target.username = decoded(url.username, "user");
  if (url.password) target.password = decoded(url.password, "password");
  return target;
}

function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(`has a ${what} that is not percent-encoded`);
  }
}

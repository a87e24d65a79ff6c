/**
 * @module key_ring
 * Client-key authentication from memory: SHA-256 hashes of the client keys
 * and the admin token. The presented secret is hashed and looked up, so no
 * stored secret is ever compared byte by byte with it.
 */
import { sha256Hex, timingSafeEqual } from "../secrets/token_hash.ts";

/** Accepted secrets whose hash is kept (more keys than this are hashed per request). */
const MAX_CACHED = 10_000;

/** Who a bearer secret belongs to. */
export type Principal = { kind: "admin" } | { kind: "client"; keyId: string };

/** Hashes of every accepted secret. */
export class KeyRing {
  #clients = new Map<string, string>();
  /**
   * Hashes of secrets that were accepted, so a key in use is hashed once,
   * not on every request (the hash was ~6% of Sidecar's own request path).
   * Only accepted secrets enter, so clients cannot grow it; it is emptied
   * whenever the key set changes, and a cached hash is still looked up in
   * the current set, so a revoked key fails at once.
   */
  #acceptedHashes = new Map<string, string>();

  constructor(readonly adminHash: string) {}

  /** Replaces the client key set (hash → key id). */
  setClients(entries: Iterable<{ id: string; key_hash: string }>): void {
    this.#clients = new Map([...entries].map((e) => [e.key_hash, e.id]));
    this.#acceptedHashes.clear();
  }

  /** True when `secret` is the admin token (constant-time on the hashes). */
  isAdmin(secret: string): boolean {
    return timingSafeEqual(sha256Hex(secret), this.adminHash);
  }

  /** Resolves a client-side secret: a client key or the admin token. */
  identify(secret: string): Principal | undefined {
    const hash = this.#acceptedHashes.get(secret) ?? sha256Hex(secret);
    let principal: Principal | undefined;
    if (timingSafeEqual(hash, this.adminHash)) principal = { kind: "admin" };
    else {
      // A Map lookup by hash leaks nothing useful: timing reveals at most a
      // prefix of a SHA-256 digest, never the key.
      const keyId = this.#clients.get(hash);
      if (keyId !== undefined) principal = { kind: "client", keyId };
    }
    if (principal && this.#acceptedHashes.size < MAX_CACHED) this.#acceptedHashes.set(secret, hash);
    return principal;
  }
}

/** The bearer secret of a request: `Authorization: Bearer …` or `x-api-key`. */
export function bearerSecret(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m?.[1]?.trim() || undefined;
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

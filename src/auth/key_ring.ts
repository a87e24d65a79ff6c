/**
 * @module key_ring
 * Client-key authentication from memory: SHA-256 hashes of the client keys
 * and the admin token. The presented secret is hashed and looked up, so no
 * stored secret is ever compared byte by byte with it. A client key is
 * found with its live policy and state (live_key.ts), so the request path
 * never reads SQLite for a key.
 */
import { LiveKey } from "../keys/live_key.ts";
import { sha256Hex, timingSafeEqual } from "../secrets/token_hash.ts";
import { InProcessState } from "../state/in_process_state.ts";
import type { SharedState } from "../state/shared_state.ts";
import type { ClientKeyRecord } from "../store/rows.ts";

/** Accepted secrets whose hash is kept (more keys than this are hashed per request). */
const MAX_CACHED = 10_000;

/** Who a bearer secret belongs to. */
export type Principal = { kind: "admin" } | { kind: "client"; key: LiveKey };

/** Hashes of every accepted secret. */
export class KeyRing {
  /** Hash → key. */
  #clients = new Map<string, LiveKey>();
  /** Id → key, so a reload keeps each key's live state. */
  #byId = new Map<string, LiveKey>();
  /**
   * Hashes of secrets that were accepted, so a key in use is hashed once,
   * not on every request (the hash was ~6% of Sidecar's own request path).
   * Only accepted secrets enter, so clients cannot grow it; it is emptied
   * whenever the key set changes, and a cached hash is still looked up in
   * the current set, so a revoked key fails at once.
   */
  #acceptedHashes = new Map<string, string>();

  /** @param shared Where the keys' buckets and slots live. @default new InProcessState() */
  constructor(
    readonly adminHash: string,
    private readonly shared: SharedState = new InProcessState(),
  ) {}

  /**
   * Replaces the client key set with the stored rows. A key whose id stays
   * keeps its live state (buckets, in-flight slots, last use), whatever else
   * changed, its secret included.
   */
  setClients(rows: Iterable<ClientKeyRecord>, now: number): void {
    const clients = new Map<string, LiveKey>();
    const byId = new Map<string, LiveKey>();
    for (const row of rows) {
      const key = (this.#byId.get(row.id) ?? new LiveKey(row.id, this.shared))
        .apply(row, this.shared, now);
      clients.set(row.key_hash, key);
      byId.set(row.id, key);
    }
    this.#clients = clients;
    this.#byId = byId;
    this.#acceptedHashes.clear();
  }

  /** A client key by id, as live now. */
  client(id: string): LiveKey | undefined {
    return this.#byId.get(id);
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
      const key = this.#clients.get(hash);
      if (key !== undefined) principal = { kind: "client", key };
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

/**
 * @module key_ring_test
 * Client-key lookup: client keys and the admin token are recognised by
 * hash, unknown secrets are not, and a key that was accepted (and so had its
 * hash cached) stops working as soon as the key set no longer holds it.
 */
import assert from "node:assert/strict";
import { bearerSecret, KeyRing, type Principal } from "../../src/auth/key_ring.ts";
import { sha256Hex } from "../../src/secrets/token_hash.ts";
import { keyRow } from "../helpers/key_row.ts";

const ADMIN = "sc-admin-token";
const K1 = "sk-sc-first-key";
const K2 = "sk-sc-second-key";

const NOW = Date.UTC(2026, 10, 27, 10, 0, 0);

function ring(): KeyRing {
  const r = new KeyRing(sha256Hex(ADMIN));
  r.setClients([keyRow("key_1", sha256Hex(K1)), keyRow("key_2", sha256Hex(K2))], NOW);
  return r;
}

/** Who the principal is, as a comparable value. */
function who(p: Principal | undefined): string | undefined {
  return p === undefined ? undefined : p.kind === "admin" ? "admin" : p.key.id;
}

Deno.test("KeyRing.identify() knows client keys and the admin token, nothing else", () => {
  const r = ring();
  assert.equal(who(r.identify(K1)), "key_1");
  assert.equal(who(r.identify(K2)), "key_2");
  assert.equal(who(r.identify(ADMIN)), "admin");
  assert.equal(r.identify("sk-sc-unknown"), undefined);
  assert.equal(r.identify(sha256Hex(K1)), undefined, "the hash itself is not a key");
  // Asked again (now from the cache of accepted secrets): the same answers.
  assert.equal(who(r.identify(K1)), "key_1");
  assert.equal(who(r.identify(ADMIN)), "admin");
  assert.equal(r.identify("sk-sc-unknown"), undefined);
});

Deno.test("KeyRing: a key accepted before is refused once it leaves the key set, and back after", () => {
  const r = ring();
  assert.equal(who(r.identify(K1)), "key_1");
  r.setClients([keyRow("key_2", sha256Hex(K2))], NOW);
  assert.equal(r.identify(K1), undefined, "revoked key still accepted");
  assert.equal(who(r.identify(K2)), "key_2");
  r.setClients([keyRow("key_9", sha256Hex(K1))], NOW);
  assert.equal(who(r.identify(K1)), "key_9");
});

Deno.test("KeyRing.setClients() keeps a key's live state by id: its slots, buckets and last use, across a new secret", () => {
  const r = new KeyRing(sha256Hex(ADMIN));
  r.setClients([keyRow("key_1", sha256Hex(K1), { rpm_limit: 10 })], NOW);
  const before = r.client("key_1")!;
  before.slots.acquire();
  assert.ok(before.rpm!.tryTake(NOW));
  before.noteUse(NOW + 5);
  // Rotated (a new hash) with a new limit: the same live key, its bucket reconfigured.
  r.setClients([keyRow("key_1", sha256Hex(K2), { rpm_limit: 20 })], NOW);
  const after = r.client("key_1")!;
  assert.equal(after, before);
  assert.equal(after.slots.count, 1);
  assert.equal(after.rpm!.available(NOW), 9);
  assert.equal(after.lastUsed, NOW + 5);
  assert.equal(r.identify(K1), undefined, "the old secret still works");
  assert.equal(who(r.identify(K2)), "key_1");
  // A limit removed drops its bucket; a key that leaves the set is gone.
  r.setClients([keyRow("key_1", sha256Hex(K2))], NOW);
  assert.equal(r.client("key_1")!.rpm, undefined);
  r.setClients([], NOW);
  assert.equal(r.client("key_1"), undefined);
});

Deno.test("bearerSecret() reads Authorization: Bearer, then x-api-key", () => {
  assert.equal(bearerSecret(new Headers({ authorization: "Bearer  sk-1 " })), "sk-1");
  assert.equal(bearerSecret(new Headers({ authorization: "bearer sk-2" })), "sk-2");
  assert.equal(bearerSecret(new Headers({ "x-api-key": "sk-3" })), "sk-3");
  assert.equal(bearerSecret(new Headers({ authorization: "Basic abc" })), undefined);
  assert.equal(bearerSecret(new Headers()), undefined);
});

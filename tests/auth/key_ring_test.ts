/**
 * @module key_ring_test
 * Client-key lookup: client keys and the admin token are recognised by
 * hash, unknown secrets are not, and a key that was accepted (and so had its
 * hash cached) stops working as soon as the key set no longer holds it.
 */
import assert from "node:assert/strict";
import { bearerSecret, KeyRing } from "../../src/auth/key_ring.ts";
import { sha256Hex } from "../../src/secrets/token_hash.ts";

const ADMIN = "sc-admin-token";
const K1 = "sk-sc-first-key";
const K2 = "sk-sc-second-key";

function ring(): KeyRing {
  const r = new KeyRing(sha256Hex(ADMIN));
  r.setClients([{ id: "key_1", key_hash: sha256Hex(K1) }, {
    id: "key_2",
    key_hash: sha256Hex(K2),
  }]);
  return r;
}

Deno.test("KeyRing.identify() knows client keys and the admin token, nothing else", () => {
  const r = ring();
  assert.deepEqual(r.identify(K1), { kind: "client", keyId: "key_1" });
  assert.deepEqual(r.identify(K2), { kind: "client", keyId: "key_2" });
  assert.deepEqual(r.identify(ADMIN), { kind: "admin" });
  assert.equal(r.identify("sk-sc-unknown"), undefined);
  assert.equal(r.identify(sha256Hex(K1)), undefined, "the hash itself is not a key");
  // Asked again (now from the cache of accepted secrets): the same answers.
  assert.deepEqual(r.identify(K1), { kind: "client", keyId: "key_1" });
  assert.deepEqual(r.identify(ADMIN), { kind: "admin" });
  assert.equal(r.identify("sk-sc-unknown"), undefined);
});

Deno.test("KeyRing: a key accepted before is refused once it leaves the key set, and back after", () => {
  const r = ring();
  assert.deepEqual(r.identify(K1), { kind: "client", keyId: "key_1" });
  r.setClients([{ id: "key_2", key_hash: sha256Hex(K2) }]);
  assert.equal(r.identify(K1), undefined, "revoked key still accepted");
  assert.deepEqual(r.identify(K2), { kind: "client", keyId: "key_2" });
  r.setClients([{ id: "key_9", key_hash: sha256Hex(K1) }]);
  assert.deepEqual(r.identify(K1), { kind: "client", keyId: "key_9" });
});

Deno.test("bearerSecret() reads Authorization: Bearer, then x-api-key", () => {
  assert.equal(bearerSecret(new Headers({ authorization: "Bearer  sk-1 " })), "sk-1");
  assert.equal(bearerSecret(new Headers({ authorization: "bearer sk-2" })), "sk-2");
  assert.equal(bearerSecret(new Headers({ "x-api-key": "sk-3" })), "sk-3");
  assert.equal(bearerSecret(new Headers({ authorization: "Basic abc" })), undefined);
  assert.equal(bearerSecret(new Headers()), undefined);
});

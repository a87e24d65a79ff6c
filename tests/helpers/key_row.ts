/**
 * @module key_row
 * A stored client-key row for tests of the key ring and admission: a hash,
 * no limits unless given.
 */
import { DEFAULT_POLICY, type KeyPolicy } from "../../src/keys/key_policy.ts";
import type { ClientKeyRecord } from "../../src/store/rows.ts";

/** A row of key `id` whose secret hashes to `keyHash`, with `policy` over the defaults. */
export function keyRow(
  id: string,
  keyHash: string,
  policy: Partial<KeyPolicy> = {},
): ClientKeyRecord {
  return {
    id,
    name: id,
    key_hash: keyHash,
    key_hint: "",
    managed: null,
    created_at: "2026-11-27T10:00:00Z",
    last_used_at: null,
    ...DEFAULT_POLICY,
    ...policy,
  };
}

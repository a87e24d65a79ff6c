/**
 * @module rotate_key_test
 * rotateKeys(): every provider key moves to the new master key in one
 * transaction, or none does.
 */
import assert from "node:assert/strict";
import { verifyMasterKey } from "../../src/secrets/master_key.ts";
import { rotateKeys } from "../../src/secrets/rotate_key.ts";
import { SealError, SecretBox } from "../../src/secrets/secret_box.ts";
import { StartupError } from "../../src/errors.ts";
import { openDatabase } from "../../src/store/database.ts";
import { createStore, type Store } from "../../src/store/store.ts";

const newBox = () => SecretBox.fromRawKey(crypto.getRandomValues(new Uint8Array(32)));
const KEYS: Record<string, string> = {
  "openai-main": "sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "anthropic": "sk-ant-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
  "groq": "gsk_cccccccccccccccccccccccccccccccc",
};

async function seededStore(box: SecretBox): Promise<Store> {
  const store = createStore(openDatabase(":memory:"));
  await verifyMasterKey(store.meta, box);
  for (const [id, key] of Object.entries(KEYS)) {
    store.backends.insert(id, {
      name: id,
      base_url: "http://127.0.0.1:1",
      api_key_enc: await box.seal(key, id),
      api_key_hint: "…",
      pool_id: "primary",
      models: ["m"],
      model_map: {},
      weight: 1,
      rpm_limit: null,
      tpm_limit: null,
      enabled: true,
      resume: "off",
      prices: [],
      api: "openai",
    }, "2026-11-27T10:00:00Z");
  }
  return store;
}

const sealedColumn = (store: Store) =>
  Object.fromEntries(store.backends.list().map((b) => [b.id, b.api_key_enc]));

Deno.test("rotateKeys() re-seals every backend key: old key no longer opens, new one does", async () => {
  const from = await newBox();
  const to = await newBox();
  const store = await seededStore(from);
  try {
    const before = store.backends.list();
    assert.equal(await rotateKeys(store, from, to), 3);
    const after = store.backends.list();
    for (const b of after) {
      assert.equal(await to.open(b.api_key_enc, b.id), KEYS[b.id]);
      await assert.rejects(() => from.open(b.api_key_enc, b.id), SealError);
    }
    // Nothing but the sealed key changes.
    const strip = ({ api_key_enc: _k, ...rest }: (typeof before)[number]) => rest;
    assert.deepEqual(after.map(strip), before.map(strip));
  } finally {
    store.close();
  }
});

Deno.test("rotateKeys() moves the key check: the new key verifies, the old one is refused", async () => {
  const from = await newBox();
  const to = await newBox();
  const store = await seededStore(from);
  try {
    await rotateKeys(store, from, to);
    await verifyMasterKey(store.meta, to);
    await assert.rejects(() => verifyMasterKey(store.meta, from), StartupError);
  } finally {
    store.close();
  }
});

Deno.test("rotateKeys() changes nothing when one stored key does not open", async () => {
  const from = await newBox();
  const to = await newBox();
  const stranger = await newBox();
  const store = await seededStore(from);
  try {
    store.backends.setSealedKey("groq", await stranger.seal(KEYS.groq!, "groq"));
    const before = sealedColumn(store);
    const check = store.meta.get("key_check");
    await assert.rejects(() => rotateKeys(store, from, to), SealError);
    assert.deepEqual(sealedColumn(store), before);
    assert.equal(store.meta.get("key_check"), check);
    await verifyMasterKey(store.meta, from);
  } finally {
    store.close();
  }
});

Deno.test("rotateKeys() writes in one transaction: a failing row write rolls back the others", async () => {
  const from = await newBox();
  const to = await newBox();
  const store = await seededStore(from);
  try {
    const before = sealedColumn(store);
    const check = store.meta.get("key_check");
    const real = store.backends.setSealedKey;
    let calls = 0;
    store.backends.setSealedKey = (id, sealed) => {
      if (++calls === 2) throw new Error("disk I/O error");
      real(id, sealed);
    };
    await assert.rejects(() => rotateKeys(store, from, to), /disk I\/O error/);
    store.backends.setSealedKey = real;
    assert.equal(calls, 2);
    assert.deepEqual(sealedColumn(store), before);
    assert.equal(store.meta.get("key_check"), check);
    assert.equal(store.db.isTransaction, false);
  } finally {
    store.close();
  }
});

Deno.test("rotateKeys() with no backends still moves the key check", async () => {
  const from = await newBox();
  const to = await newBox();
  const store = createStore(openDatabase(":memory:"));
  try {
    await verifyMasterKey(store.meta, from);
    assert.equal(await rotateKeys(store, from, to), 0);
    await verifyMasterKey(store.meta, to);
  } finally {
    store.close();
  }
});

/**
 * @module secret_box_test
 * SecretBox: AES-256-GCM round trip, fresh nonces, tamper and wrong-key
 * refusal, row binding through associated data, the version prefix.
 */
import assert from "node:assert/strict";
import { fromBase64, SealError, SecretBox, toBase64 } from "../../src/secrets/secret_box.ts";

const randomKey = () => crypto.getRandomValues(new Uint8Array(32));
const PLAIN = "sk-live-0123456789abcdefghijklmnopqrstuv";

/** Flips one bit of byte `i` of the sealed payload (after the version prefix). */
function flipByte(sealed: string, i: number): string {
  const bytes = fromBase64(sealed.slice(3));
  bytes[i]! ^= 0x01;
  return "v1:" + toBase64(bytes);
}

Deno.test("SecretBox.seal() / open() round-trip, including empty and non-ASCII text", async () => {
  const box = await SecretBox.fromRawKey(randomKey());
  for (const text of [PLAIN, "", "ключ-🔑-鍵", "x".repeat(8192)]) {
    assert.equal(await box.open(await box.seal(text, "b1"), "b1"), text);
  }
});

Deno.test("SecretBox.seal() output has the v1: prefix, a 12-byte nonce and a 16-byte tag", async () => {
  const box = await SecretBox.fromRawKey(randomKey());
  const sealed = await box.seal(PLAIN, "b1");
  assert.ok(sealed.startsWith("v1:"));
  assert.equal(fromBase64(sealed.slice(3)).length, 12 + PLAIN.length + 16);
  assert.ok(!sealed.includes(PLAIN));
});

Deno.test("SecretBox.seal() uses a fresh nonce: 100 seals of one plaintext all differ", async () => {
  const box = await SecretBox.fromRawKey(randomKey());
  const sealed = await Promise.all(Array.from({ length: 100 }, () => box.seal(PLAIN, "b1")));
  assert.equal(new Set(sealed).size, 100);
  const nonces = sealed.map((s) => toBase64(fromBase64(s.slice(3)).subarray(0, 12)));
  assert.equal(new Set(nonces).size, 100);
  for (const s of sealed) assert.equal(await box.open(s, "b1"), PLAIN);
});

Deno.test("SecretBox.open() refuses a flipped byte anywhere: nonce, ciphertext or tag", async () => {
  const box = await SecretBox.fromRawKey(randomKey());
  const sealed = await box.seal(PLAIN, "b1");
  const n = fromBase64(sealed.slice(3)).length;
  for (let i = 0; i < n; i++) {
    await assert.rejects(() => box.open(flipByte(sealed, i), "b1"), SealError, `byte ${i}`);
  }
});

Deno.test("SecretBox.open() refuses a changed version prefix, truncation and bad base64", async () => {
  const box = await SecretBox.fromRawKey(randomKey());
  const sealed = await box.seal(PLAIN, "b1");
  const payload = sealed.slice(3);
  const bad = [
    "v2:" + payload,
    payload,
    "",
    "v1:",
    "v1:" + toBase64(fromBase64(payload).subarray(0, 27)),
    "v1:" + toBase64(fromBase64(payload).subarray(0, fromBase64(payload).length - 1)),
    "v1:***not base64***",
    sealed + "AAAA",
  ];
  for (const value of bad) {
    await assert.rejects(() => box.open(value, "b1"), SealError, JSON.stringify(value));
  }
});

Deno.test("SecretBox.open() refuses another row's associated data", async () => {
  const box = await SecretBox.fromRawKey(randomKey());
  const sealed = await box.seal(PLAIN, "openai-main");
  for (const other of ["openai-backup", "", "openai-main ", "OPENAI-MAIN"]) {
    await assert.rejects(() => box.open(sealed, other), SealError);
  }
  assert.equal(await box.open(sealed, "openai-main"), PLAIN);
});

Deno.test("SecretBox.open() refuses a value sealed under another master key", async () => {
  const a = await SecretBox.fromRawKey(randomKey());
  const b = await SecretBox.fromRawKey(randomKey());
  const sealed = await a.seal(PLAIN, "b1");
  await assert.rejects(() => b.open(sealed, "b1"), (err) => {
    assert.ok(err instanceof SealError);
    assert.ok(!err.message.includes(PLAIN));
    return true;
  });
});

Deno.test("SecretBox.fromRawKey() insists on 32 bytes", async () => {
  for (const n of [0, 16, 31, 33, 64]) {
    await assert.rejects(() => SecretBox.fromRawKey(new Uint8Array(n)), SealError);
  }
});

Deno.test("toBase64() / fromBase64() round-trip every byte value", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  assert.throws(() => fromBase64("@@@"));
});

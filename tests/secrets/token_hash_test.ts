/**
 * @module token_hash_test
 * SHA-256 hashing, constant-time comparison, secret generation and hints.
 */
import assert from "node:assert/strict";
import {
  generateSecret,
  secretHint,
  sha256Hex,
  timingSafeEqual,
} from "../../src/secrets/token_hash.ts";

Deno.test("sha256Hex() matches the FIPS 180-2 test vectors", () => {
  assert.equal(
    sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    sha256Hex(""),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("timingSafeEqual() is true only for identical strings", () => {
  assert.equal(timingSafeEqual("", ""), true);
  assert.equal(timingSafeEqual("abc", "abc"), true);
  assert.equal(timingSafeEqual("é-✓", "é-✓"), true);
  assert.equal(timingSafeEqual("abc", "abd"), false);
  assert.equal(timingSafeEqual("abc", "ab"), false, "prefix");
  assert.equal(timingSafeEqual("ab", "abc"), false, "longer");
  assert.equal(timingSafeEqual("abc", ""), false);
  assert.equal(timingSafeEqual("a\0", "a"), false, "NUL padding is not equality");
  assert.equal(timingSafeEqual("Abc", "abc"), false);
});

Deno.test("generateSecret() is prefix + 43 base64url chars, different each time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const s = generateSecret("sk-sc-");
    assert.match(s, /^sk-sc-[A-Za-z0-9_-]{43}$/);
    seen.add(s);
  }
  assert.equal(seen.size, 50);
});

Deno.test("secretHint() shows a short head and the last 4 chars of a long key", () => {
  assert.equal(secretHint("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789f3a9"), "sk-…f3a9");
  assert.equal(secretHint("sk-ant-api03-abcdefghijklmnopqrstuvwxyzf3a9"), "sk-…f3a9");
  assert.equal(secretHint("gsk_abcdefghijklmnopqrstuvwxyz0123f3a9"), "gsk…f3a9");
  assert.equal(secretHint("AIzaSyabcdefghijklmnopqrstuvwx-f3a9"), "AIz…f3a9");
  assert.equal(secretHint(""), "");
});

Deno.test("secretHint() never shows the middle of a secret, nor more than half of it", () => {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (let len = 1; len <= 64; len++) {
    for (const dashAt of [-1, 0, 1, 2, 3, 5, 6, 7, 10]) {
      const chars = Array.from(
        { length: len },
        (_, i) => alphabet[(i * 7 + len) % alphabet.length],
      );
      if (dashAt >= 0 && dashAt < len) chars[dashAt] = "-";
      const secret = chars.join("");
      const hint = secretHint(secret);
      const parts = hint.split("…");
      assert.equal(parts.length, 2, `${secret} → ${hint}`);
      const [head, tail] = parts as [string, string];
      assert.ok(secret.startsWith(head) && secret.endsWith(tail), `${secret} → ${hint}`);
      assert.ok(head.length <= 7 && tail.length <= 4, `${secret} → ${hint}`);
      assert.ok(
        (head.length + tail.length) * 2 <= len,
        `${secret} → ${hint} shows more than half`,
      );
    }
  }
});

Deno.test("secretHint() of a short secret does not reveal it whole", () => {
  for (const secret of ["a", "ab", "abc", "abcd", "token-abc", "sk-test-123", "abcdef-ghijk"]) {
    const hint = secretHint(secret);
    assert.ok(!hint.includes(secret), `${secret} → ${hint}`);
    assert.ok(hint.replace("…", "").length * 2 <= secret.length, `${secret} → ${hint}`);
  }
});

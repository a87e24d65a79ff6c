/**
 * @module token_hash
 * Hashing and comparing bearer secrets (client keys, the admin token,
 * session cookies): only SHA-256 hashes are stored, compared in constant time.
 */
import { createHash } from "node:crypto";
import { toBase64 } from "./secret_box.ts";

/**
 * Hex SHA-256 of a string. Synchronous on purpose: it runs on every proxied
 * request (client-key lookup), where WebCrypto's async digest cost a sixth
 * of the CPU in profiles.
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Compares two strings in time that depends only on their length. Works on
 * UTF-16 code units without allocating: it runs on every proxied request.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  // Past the end charCodeAt is NaN, and NaN | 0 is 0.
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** A new random secret: `prefix` + 32 random bytes in base64url. */
export function generateSecret(prefix: string): string {
  const b64 = toBase64(crypto.getRandomValues(new Uint8Array(32)));
  return prefix + b64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The `sk-…f3a9` style hint shown instead of a secret. */
export function secretHint(secret: string): string {
  if (secret.length === 0) return "";
  const dash = secret.indexOf("-");
  const head = dash > 0 && dash <= 6 ? secret.slice(0, dash + 1) : secret.slice(0, 3);
  // Never show more than half: a short secret must not come out (almost) whole.
  if ((head.length + 4) * 2 <= secret.length) return `${head}…${secret.slice(-4)}`;
  return secret.length >= 4 ? "…" + secret.slice(-2) : "…";
}

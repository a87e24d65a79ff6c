/**
 * @module secret_box
 * AES-256-GCM sealing of provider API keys with WebCrypto: a fresh 12-byte
 * nonce per seal, the owning row's id as associated data (a sealed key copied
 * onto another row fails to open), and a version prefix so the format can
 * change later. Sealed form: `v1:<base64(nonce || ciphertext+tag)>`.
 */

const VERSION = "v1:";
const NONCE_BYTES = 12;

/** Raised when a sealed value does not open: wrong key, wrong row, or tampering. */
export class SealError extends Error {
  override name = "SealError";
}

/** Seals and opens secrets under one master key. */
export class SecretBox {
  private constructor(private readonly key: CryptoKey) {}

  /** Imports a 32-byte master key. */
  static async fromRawKey(raw: Uint8Array): Promise<SecretBox> {
    if (raw.length !== 32) throw new SealError(`Master key must be 32 bytes, got ${raw.length}`);
    const key = await crypto.subtle.importKey(
      "raw",
      raw as Uint8Array<ArrayBuffer>,
      "AES-GCM",
      false,
      [
        "encrypt",
        "decrypt",
      ],
    );
    return new SecretBox(key);
  }

  /** Encrypts `plaintext`, binding it to `associatedData` (the row id). */
  async seal(plaintext: string, associatedData: string): Promise<string> {
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: nonce, additionalData: encode(associatedData) },
        this.key,
        encode(plaintext),
      ),
    );
    const out = new Uint8Array(NONCE_BYTES + sealed.length);
    out.set(nonce);
    out.set(sealed, NONCE_BYTES);
    return VERSION + toBase64(out);
  }

  /** Decrypts a value made by {@link seal} with the same associated data. */
  async open(sealed: string, associatedData: string): Promise<string> {
    if (!sealed.startsWith(VERSION)) throw new SealError("Unknown sealed-value version");
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = fromBase64(sealed.slice(VERSION.length));
    } catch {
      throw new SealError("Sealed value is not valid base64");
    }
    if (bytes.length < NONCE_BYTES + 16) throw new SealError("Sealed value is too short");
    try {
      const plain = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: bytes.subarray(0, NONCE_BYTES),
          additionalData: encode(associatedData),
        },
        this.key,
        bytes.subarray(NONCE_BYTES),
      );
      return new TextDecoder().decode(plain);
    } catch {
      throw new SealError("Sealed value does not open with this master key");
    }
  }
}

function encode(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;
}

/** Standard base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Bytes of standard base64 text; throws on invalid input. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

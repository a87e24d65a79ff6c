/**
 * @module bytes
 * Small helpers shared by the places that gather a body from its chunks or
 * stamp a row with the time.
 */

/** Joins `parts` into one buffer. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** An ISO-8601 UTC timestamp to the second (`2026-11-27T10:00:00Z`), as rows store it. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * @module request_id
 * Request ids that sort by time: `req_` + 12 hex digits of epoch ms + 20
 * random hex digits (80 bits). Request records are keyed by this id, and
 * keys that arrive in order append to the end of SQLite's index instead of
 * landing on random pages: a random id made each insert 50–100% dearer, more
 * so as the table grew.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const RANDOM_BYTES = 10;
const scratch = new Uint8Array(RANDOM_BYTES);

/** A new request id for a request that started at `nowMs` (epoch ms). */
export function newRequestId(nowMs: number): string {
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, "0").slice(-12);
  crypto.getRandomValues(scratch);
  let rand = "";
  for (let i = 0; i < RANDOM_BYTES; i++) rand += HEX[scratch[i]!];
  return "req_" + time + rand;
}

/**
 * @module live_key_test
 * A live key's policy as read from its row (expiry as an instant, buckets
 * per limit) and its last use, due to be written on the first use and then
 * at most once a minute.
 */
import assert from "node:assert/strict";
import { LAST_USED_WRITE_MS, LiveKey } from "../../src/keys/live_key.ts";
import { InProcessState } from "../../src/state/in_process_state.ts";
import { keyRow } from "../helpers/key_row.ts";

const NOW = Date.UTC(2026, 10, 27, 10, 0, 0);
const shared = new InProcessState();

Deno.test("LiveKey.apply() reads expiry as an instant and makes a full bucket per limit", () => {
  const key = new LiveKey("k", shared).apply(
    keyRow("k", "h", { expires_at: "2026-11-28T00:00:00Z", rpm_limit: 60, tpm_limit: 600 }),
    shared,
    NOW,
  );
  assert.equal(key.expiresAt, Date.UTC(2026, 10, 28));
  assert.equal(key.rpm!.available(NOW), 60);
  assert.equal(key.tpm!.available(NOW), 600);
  // 60 a minute is one a second.
  assert.ok(key.rpm!.tryTake(NOW, 60));
  assert.equal(key.rpm!.msUntil(NOW), 1000);
  const open = new LiveKey("o", shared).apply(keyRow("o", "h"), shared, NOW);
  assert.equal(open.expiresAt, Infinity);
  assert.equal(open.rpm, undefined);
  assert.equal(open.tpm, undefined);
});

Deno.test("LiveKey.noteUse() is due on the first use, then once a minute; the stored use counts", () => {
  const key = new LiveKey("k", shared).apply(keyRow("k", "h"), shared, NOW);
  assert.equal(key.noteUse(NOW), true);
  assert.equal(key.noteUse(NOW + 1), false);
  assert.equal(key.noteUse(NOW + LAST_USED_WRITE_MS - 1), false);
  assert.equal(key.lastUsed, NOW + LAST_USED_WRITE_MS - 1);
  assert.equal(key.noteUse(NOW + LAST_USED_WRITE_MS), true);
  // A clock that steps back does not move the last use back.
  key.noteUse(NOW);
  assert.equal(key.lastUsed, NOW + LAST_USED_WRITE_MS);

  const stored = new LiveKey("s", shared).apply(
    { ...keyRow("s", "h"), last_used_at: "2026-11-27T10:00:00Z" },
    shared,
    NOW,
  );
  assert.equal(stored.lastUsed, NOW);
  assert.equal(stored.noteUse(NOW + 1000), false, "written a second ago, not due yet");
});

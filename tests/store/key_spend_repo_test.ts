/**
 * @module key_spend_repo_test
 * Key spend on a real SQLite file: a row per key, period kind and period
 * start, replaced by a save of the same period; the purge drops periods that
 * ended more than a month ago (never a total) and the rows of deleted keys;
 * an unreadable row is skipped.
 */
import assert from "node:assert/strict";
import { keyRow } from "../helpers/key_row.ts";
import { tempStore } from "./temp_store.ts";

const NOW = Date.UTC(2026, 10, 27, 10, 0, 0);
const DAY = 86_400_000;

Deno.test("KeySpendRepo saves a row per key, period and start; a later save of the same period replaces it", () => {
  using t = tempStore();
  const repo = t.store.keySpend;
  repo.save({ key_id: "k1", period: "day", period_start: NOW - DAY, spend_usd: 1 });
  repo.save({ key_id: "k1", period: "day", period_start: NOW, spend_usd: 0.5 });
  repo.save({ key_id: "k1", period: "day", period_start: NOW, spend_usd: 0.75 });
  repo.save({ key_id: "k1", period: "month", period_start: NOW, spend_usd: 2 });
  const rows = repo.loadAll().sort((a, b) =>
    a.period.localeCompare(b.period) || a.period_start - b.period_start
  );
  assert.deepEqual(rows, [
    { key_id: "k1", period: "day", period_start: NOW - DAY, spend_usd: 1 },
    { key_id: "k1", period: "day", period_start: NOW, spend_usd: 0.75 },
    { key_id: "k1", period: "month", period_start: NOW, spend_usd: 2 },
  ]);
});

Deno.test("KeySpendRepo.purge() drops periods older than a month and deleted keys' rows, never a live total", () => {
  using t = tempStore();
  const { keys, keySpend } = t.store;
  keys.insert(keyRow("k1", "h1"));
  const rows = [
    { key_id: "k1", period: "month" as const, period_start: NOW - 31 * DAY - 1, spend_usd: 1 },
    { key_id: "k1", period: "month" as const, period_start: NOW - 30 * DAY, spend_usd: 2 },
    { key_id: "k1", period: "total" as const, period_start: NOW - 900 * DAY, spend_usd: 3 },
    { key_id: "gone", period: "total" as const, period_start: NOW, spend_usd: 4 },
  ];
  for (const r of rows) keySpend.save(r);
  assert.equal(keySpend.purge(NOW), 2);
  assert.deepEqual(keySpend.loadAll().map((r) => r.spend_usd).sort(), [2, 3]);
});

Deno.test("KeySpendRepo.loadAll() skips a row it cannot read", () => {
  using t = tempStore();
  t.store.keySpend.save({ key_id: "k1", period: "day", period_start: NOW, spend_usd: 1 });
  t.store.db.exec("INSERT INTO key_spend VALUES ('k2', 'fortnight', 0, 1)");
  assert.deepEqual(t.store.keySpend.loadAll().map((r) => r.key_id), ["k1"]);
});

/**
 * @module request_repo_test
 * Request records: insert and list newest first with `before` paging, and the
 * usage aggregates (counts, tokens, average and nearest-rank p95 latency).
 */
import assert from "node:assert/strict";
import type { RequestEntry } from "../../src/store/request_repo.ts";
import { tempStore } from "./temp_store.ts";
import { requestEntry } from "../helpers/request_entry.ts";

const HOUR = 3_600_000;
/** 2026-11-27T10:00:00Z */
const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

let seq = 0;
function entry(over: Partial<RequestEntry> = {}): RequestEntry {
  seq++;
  return requestEntry({ id: `req_${String(seq).padStart(4, "0")}`, ts: T0, ...over });
}

Deno.test("RequestRepo.insert() and list() round-trip a record with ISO ts and parsed attempts", () => {
  using t = tempStore();
  const e = entry({
    stream: true,
    attempts: [
      { backend_id: "b0", status: 429, reason: "rate_limited", ms: 3 },
      { backend_id: "b1", status: 200, reason: "ok", ms: 40 },
    ],
    latency_ms: 123.6,
    ttfb_ms: null,
  });
  t.store.requests.insert(e);
  const [row] = t.store.requests.list(10);
  assert.deepEqual(row, {
    ...e,
    ts: "2026-11-27T10:00:00.000Z",
    latency_ms: 124,
  });
});

Deno.test("RequestRepo.list() is newest first, limited, and pages back with before", () => {
  using t = tempStore();
  for (let i = 0; i < 10; i++) t.store.requests.insert(entry({ id: `r${i}`, ts: T0 + i * 1000 }));
  const page1 = t.store.requests.list(4);
  assert.deepEqual(page1.map((r) => r.id), ["r9", "r8", "r7", "r6"]);
  const oldest = Date.parse(page1.at(-1)!.ts);
  const page2 = t.store.requests.list(4, oldest);
  assert.deepEqual(page2.map((r) => r.id), ["r5", "r4", "r3", "r2"]);
  const page3 = t.store.requests.list(4, Date.parse(page2.at(-1)!.ts));
  assert.deepEqual(page3.map((r) => r.id), ["r1", "r0"]);
  assert.deepEqual(t.store.requests.list(4, T0), []);
});

Deno.test("RequestRepo.list() breaks ts ties by id, newest id first", () => {
  using t = tempStore();
  for (const id of ["a", "c", "b"]) t.store.requests.insert(entry({ id, ts: T0 }));
  assert.deepEqual(t.store.requests.list(10).map((r) => r.id), ["c", "b", "a"]);
});

Deno.test("RequestRepo.usage('backend') sums requests, errors and tokens; avg and p95 latency", () => {
  using t = tempStore();
  // b1: 20 requests with latencies 10..200 (shuffled), two of them errors.
  const lat = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
  const shuffled = [...lat.filter((_, i) => i % 2 === 1), ...lat.filter((_, i) => i % 2 === 0)];
  shuffled.forEach((ms, i) =>
    t.store.requests.insert(entry({
      backend_id: "b1",
      latency_ms: ms,
      outcome: i < 2 ? "upstream_error" : "ok",
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
    }))
  );
  // b2: three requests; nearest rank of 95% of 3 is the 3rd.
  for (const ms of [7, 1, 4]) t.store.requests.insert(entry({ backend_id: "b2", latency_ms: ms }));
  // b3: one request.
  t.store.requests.insert(entry({ backend_id: "b3", latency_ms: 42, outcome: "truncated" }));
  // No backend at all (nothing could serve).
  t.store.requests.insert(entry({ backend_id: null, outcome: "no_backend", latency_ms: 1 }));

  const rows = t.store.requests.usage("backend", T0, T0 + 1);
  assert.deepEqual(rows, [
    {
      key: "(none)",
      requests: 1,
      errors: 1,
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost_usd: 0.000075,
      unpriced_requests: 0,
      avg_latency_ms: 1,
      p95_latency_ms: 1,
    },
    {
      key: "b1",
      requests: 20,
      errors: 2,
      prompt_tokens: 60,
      completion_tokens: 40,
      total_tokens: 100,
      cost_usd: 0.0015,
      unpriced_requests: 0,
      avg_latency_ms: 105,
      p95_latency_ms: 190, // rank ceil(0.95 * 20) = 19
    },
    {
      key: "b2",
      requests: 3,
      errors: 0,
      prompt_tokens: 30,
      completion_tokens: 15,
      total_tokens: 45,
      cost_usd: 0.000225,
      unpriced_requests: 0,
      avg_latency_ms: 4,
      p95_latency_ms: 7,
    },
    {
      key: "b3",
      requests: 1,
      errors: 1,
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost_usd: 0.000075,
      unpriced_requests: 0,
      avg_latency_ms: 42,
      p95_latency_ms: 42,
    },
  ]);
});

Deno.test("RequestRepo.usage() p95 is the nearest-rank value for 100 and 10 rows", () => {
  using t = tempStore();
  for (let i = 100; i >= 1; i--) t.store.requests.insert(entry({ model: "m100", latency_ms: i }));
  for (let i = 1; i <= 10; i++) {
    t.store.requests.insert(entry({ model: "m10", latency_ms: i * 100 }));
  }
  const rows = t.store.requests.usage("model", T0, T0 + 1);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  assert.equal(byKey.get("m100")!.p95_latency_ms, 95);
  assert.equal(byKey.get("m100")!.avg_latency_ms, 51); // 50.5 rounds half away from zero
  assert.equal(byKey.get("m10")!.p95_latency_ms, 1000);
  assert.equal(byKey.get("m10")!.avg_latency_ms, 550);
});

Deno.test("RequestRepo.usage('model') groups by model name", () => {
  using t = tempStore();
  t.store.requests.insert(entry({ model: "gpt-4o" }));
  t.store.requests.insert(entry({ model: "gpt-4o" }));
  t.store.requests.insert(entry({ model: "text-embedding-3-small", completion_tokens: 0 }));
  const rows = t.store.requests.usage("model", T0, T0 + 1);
  assert.deepEqual(rows.map((r) => [r.key, r.requests, r.completion_tokens]), [
    ["gpt-4o", 2, 10],
    ["text-embedding-3-small", 1, 0],
  ]);
});

Deno.test("RequestRepo.usage('hour') and ('minute') key groups by the ISO start of the bucket", () => {
  using t = tempStore();
  t.store.requests.insert(entry({ ts: T0 + 5 * 60_000 + 1 }));
  t.store.requests.insert(entry({ ts: T0 + 59 * 60_000 + 59_999 }));
  t.store.requests.insert(entry({ ts: T0 + HOUR }));
  t.store.requests.insert(entry({ ts: T0 + HOUR + 30 * 60_000 }));
  t.store.requests.insert(entry({ ts: T0 + 5 * HOUR }));
  const hours = t.store.requests.usage("hour", T0, T0 + 6 * HOUR);
  assert.deepEqual(hours.map((r) => [r.key, r.requests]), [
    ["2026-11-27T10:00:00Z", 2],
    ["2026-11-27T11:00:00Z", 2],
    ["2026-11-27T15:00:00Z", 1],
  ]);
  const minutes = t.store.requests.usage("minute", T0, T0 + HOUR);
  assert.deepEqual(minutes.map((r) => [r.key, r.requests]), [
    ["2026-11-27T10:05:00Z", 1],
    ["2026-11-27T10:59:00Z", 1],
  ]);
});

Deno.test("RequestRepo.usage('pool') and ('key') name missing groups (none) and (admin)", () => {
  using t = tempStore();
  t.store.requests.insert(entry({ pool_id: "primary", key_id: "key_a" }));
  t.store.requests.insert(entry({ pool_id: null, key_id: null }));
  assert.deepEqual(t.store.requests.usage("pool", T0, T0 + 1).map((r) => r.key), [
    "(none)",
    "primary",
  ]);
  assert.deepEqual(t.store.requests.usage("key", T0, T0 + 1).map((r) => r.key), [
    "(admin)",
    "key_a",
  ]);
});

Deno.test("RequestRepo.usage() counts only [since, until)", () => {
  using t = tempStore();
  t.store.requests.insert(entry({ ts: T0 - 1 }));
  t.store.requests.insert(entry({ ts: T0 }));
  t.store.requests.insert(entry({ ts: T0 + 999 }));
  t.store.requests.insert(entry({ ts: T0 + 1000 }));
  const [row] = t.store.requests.usage("backend", T0, T0 + 1000);
  assert.equal(row!.requests, 2);
  assert.deepEqual(t.store.requests.usage("backend", T0 + 5000, T0 + 6000), []);
});

Deno.test("RequestRepo.purge() deletes records older than the cutoff and says how many", () => {
  using t = tempStore();
  for (let i = 0; i < 5; i++) t.store.requests.insert(entry({ id: `p${i}`, ts: T0 + i }));
  assert.equal(t.store.requests.purge(T0 + 3), 3);
  assert.deepEqual(t.store.requests.list(10).map((r) => r.id), ["p4", "p3"]);
});

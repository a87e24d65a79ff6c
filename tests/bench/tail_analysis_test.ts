/**
 * @module tail_analysis_test
 * The tail study's reading: V8 trace lines parsed, collections placed on
 * the epoch clock by the gc() anchor and moved into the gap they made,
 * background spans paired, client requests matched with Sidecar's marks
 * (a mark a request did not reach counted at the one before), and the
 * slowest 1% read against the rest.
 */
import assert from "node:assert/strict";
import { PHASE } from "../../src/phase_trace.ts";
import {
  backgroundSpans,
  type ClientRequest,
  matchRequests,
  parseClientRecords,
  parseGcTrace,
  parsePhaseDump,
  type PhaseDump,
  placeGc,
  readTail,
  serverRequests,
} from "../../bench/tail_analysis.ts";

const TRACE = [
  "[4619:0x5625b5d14000]       21 ms: Mark-Compact 2.3 (2.8) -> 2.2 (2.8) MB, pooled: 0.0 MB, 6.07 / 0.00 ms (average mu = 0.699, current mu = 0.699) testing; GC in old space requested",
  "Sidecar 0.1.0 listening on http://127.0.0.1:4000",
  "[4619:0x5625b5d14000]     1028 ms: Scavenge 3.4 (4.4) -> 3.2 (5.1) MB, pooled: 0.0 MB, 2.20 / 0.00 ms (average mu = 0.699, current mu = 0.699) allocation failure; ",
  "[4619:0x7f00aa000000]       40 ms: Mark-Compact 1.0 (1.5) -> 1.0 (1.5) MB, pooled: 0.0 MB, 1.00 / 0.00 ms (average mu = 0.9, current mu = 0.9) testing; GC in old space requested",
  "[4619:0x7f00aa000000]      540 ms: Scavenge 2.0 (3.0) -> 1.5 (3.0) MB, 0.50 / 0.00 ms (average mu = 0.9, current mu = 0.9) allocation failure; ",
];

Deno.test("parseGcTrace() reads kind, pause, isolate and reason, and skips other output", () => {
  const gc = parseGcTrace(TRACE);
  assert.equal(gc.length, 4);
  assert.deepEqual(
    gc.map((e) => [e.isolate, e.v8Ms, e.kind, e.pauseMs, e.beforeMb, e.afterMb]),
    [
      ["0x5625b5d14000", 21, "Mark-Compact", 6.07, 2.3, 2.2],
      ["0x5625b5d14000", 1028, "Scavenge", 2.2, 3.4, 3.2],
      ["0x7f00aa000000", 40, "Mark-Compact", 1, 1, 1],
      ["0x7f00aa000000", 540, "Scavenge", 0.5, 2, 1.5],
    ],
  );
  assert.match(gc[0]!.reason, /^testing/);
  assert.match(gc[1]!.reason, /^allocation failure/);
});

/** A dump whose clock starts at epoch 1,000,000 ms, with the anchor gc() ending at 10 ms. */
function dump(marksMs: [number, number][], role = "main"): PhaseDump {
  const text = [
    JSON.stringify({ role, timeOrigin: 1_000_000, gcAnchor: { before: 4, after: 10 } }),
    ...marksMs.map(([t, c]) => `${t} ${c}`),
  ].join("\n");
  return parsePhaseDump(text);
}

Deno.test("placeGc() puts the anchor's isolate's collections on the epoch clock, into the gap they made", () => {
  // V8 printed the anchor at 21 ms, our clock read 10 ms after it: 11 ms apart. The scavenge
  // printed at 1028 ms ended near 1017 ms; the marks around it leave a 2.3 ms gap from 1015.5 ms.
  const d = dump([[1014, PHASE.received], [1015.5, PHASE.picked], [1017.8, PHASE.headers], [
    1018,
    PHASE.sent,
  ]]);
  const placed = placeGc(parseGcTrace(TRACE), d, 0);
  assert.equal(placed.length, 1, "the other isolate's and the anchor itself are left out");
  const e = placed[0]!;
  assert.equal(e.kind, "Scavenge");
  assert.ok(Math.abs(e.startUs! - (1_000_000 + 1015.5) * 1000) < 1, `${e.startUs}`);
  assert.ok(Math.abs(e.endUs! - (1_000_000 + 1017.7) * 1000) < 1, `${e.endUs}`);
  // The second anchor belongs to the writer thread's isolate.
  const writer = placeGc(parseGcTrace(TRACE), dump([], "writer"), 1);
  assert.deepEqual(writer.map((g) => g.v8Ms), [540]);
  assert.ok(Math.abs(writer[0]!.endUs! - (1_000_000 + 540 - 30) * 1000) < 1);
});

Deno.test("backgroundSpans() pairs each start with its end and ignores request marks", () => {
  const d = dump([
    [1, PHASE.deadlineSweep],
    [2, PHASE.received],
    [3, PHASE.deadlineSweepEnd],
    [4, PHASE.writerPostEnd], // an end without its start (the ring overwrote it)
    [5, PHASE.writerPost],
    [5.5, PHASE.writerPostEnd],
  ]);
  assert.deepEqual(backgroundSpans(d.marks).map((s) => [s.what, s.endUs - s.startUs]), [
    ["deadline sweep", 2000],
    ["record hand-over (a wait for ring room)", 500],
  ]);
});

/** Epoch µs of a dump time in ms (timeOrigin 1,000,000 ms). */
const at = (ms: number) => (1_000_000 + ms) * 1000;

Deno.test("matchRequests() pairs each client request with the one server request inside it", () => {
  const d = dump([
    [1.00, PHASE.received],
    [1.02, PHASE.parsed],
    [1.03, PHASE.admitted],
    [1.04, PHASE.picked],
    [1.20, PHASE.headers],
    [1.21, PHASE.body],
    [1.23, PHASE.recorded],
    [1.24, PHASE.answered],
    [1.25, PHASE.sent],
    // A request that failed before an upstream: no picked, headers, body.
    [2.00, PHASE.received],
    [2.01, PHASE.parsed],
    [2.02, PHASE.admitted],
    [2.05, PHASE.recorded],
    [2.06, PHASE.answered],
    [2.07, PHASE.sent],
  ]);
  const client: ClientRequest[] = [
    { sentUs: at(0.98), latencyUs: 300, status: 200 },
    { sentUs: at(1.98), latencyUs: 110, status: 503 },
    { sentUs: at(5), latencyUs: 100, status: 200 }, // nothing on the server: left out
  ];
  const m = matchRequests(client, serverRequests(d.marks));
  assert.equal(m.length, 2);
  const p = m[0]!.phases;
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 0.01, `${a} vs ${b}`);
  near(p["before handler"], 20);
  near(p["auth + body + parse"], 20);
  near(p["upstream wait"], 160);
  near(p["response written"], 10);
  near(p["after send"], 30);
  const q = m[1]!.phases;
  near(q["pick"], 0);
  near(q["upstream wait"], 0);
  near(q["accounting"], 30);
});

Deno.test("readTail() finds the phase that holds the slowest requests' extra time, and what overlapped them", () => {
  const marks: [number, number][] = [];
  const client: ClientRequest[] = [];
  // 200 requests 3 ms apart; every 100th waits 2 ms more upstream, under a scavenge.
  for (let i = 0; i < 200; i++) {
    const t = 10 + 3 * i;
    const slow = i % 100 === 50 ? 2 : 0;
    marks.push(
      [t + 0.01, PHASE.received],
      [t + 0.03, PHASE.admitted],
      [t + 0.04, PHASE.picked],
      [t + 0.2 + slow, PHASE.headers],
      [t + 0.21 + slow, PHASE.body],
      [t + 0.22 + slow, PHASE.recorded],
      [t + 0.23 + slow, PHASE.answered],
      [t + 0.24 + slow, PHASE.sent],
    );
    client.push({ sentUs: at(t), latencyUs: (0.25 + slow) * 1000, status: 200 });
  }
  const d = dump(marks);
  const matched = matchRequests(client, serverRequests(d.marks));
  const gc = [160.1, 460.1].map((ms) => ({
    isolate: "0x1",
    v8Ms: 0,
    kind: "Scavenge",
    beforeMb: 10,
    afterMb: 2,
    pauseMs: 1.9,
    reason: "allocation failure",
    startUs: at(ms),
    endUs: at(ms + 1.9),
  }));
  const r = readTail(client, matched, gc, backgroundSpans(d.marks));
  assert.equal(r.matched, 200);
  assert.equal(r.slow.count, 2);
  assert.ok(r.slow.excessShare["upstream wait"] > 0.99, JSON.stringify(r.slow.excessShare));
  assert.deepEqual(r.slow.overlaps.map((o) => [o.what, o.requests]), [["GC: Scavenge", 2]]);
  assert.deepEqual(r.slow.restOverlaps, []);
  assert.equal(r.gc[0]!.count, 2);
  assert.ok(Math.abs(r.p50Us - 250) < 1e-6);
});

Deno.test("parseClientRecords() reads wrk's per-request lines in send order", () => {
  const c = parseClientRecords("20.5 300.0 200\n10.0 120.5 200\n\nbad line\n");
  assert.deepEqual(c, [
    { sentUs: 10, latencyUs: 120.5, status: 200 },
    { sentUs: 20.5, latencyUs: 300, status: 200 },
  ]);
});

/**
 * @module redis_budgets_test
 * Budgets held by the cluster, against a real redis-server: the reserve
 * script is atomic (three replicas racing sixty reservations of a tenth of
 * a budget get ten between them), settling replaces each reservation with
 * its real cost, a reservation's end is refreshed while its request runs
 * and a crashed replica's reservation stops holding the budget once its
 * TTL passes, a period's hash expires past the period's end, and an outage
 * (each replica its share of what was left, the spend settled meanwhile
 * added when Redis is back, a Redis restarted empty brought back to the
 * spend last seen).
 */
import assert from "node:assert/strict";
import { periodStart } from "../../src/keys/budget_period.ts";
import type {
  BudgetLedger,
  BudgetVerdict,
  BudgetWindow,
  Reservation,
} from "../../src/state/budget_ledger.ts";
import { RedisBudgets } from "../../src/state/redis_budgets.ts";
import type { RedisConnection } from "../../src/state/redis_connection.ts";
import { connectRedis, NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { until } from "../helpers/until.ts";

const WINDOW: BudgetWindow = { period: "day", createdAt: Date.UTC(2026, 0, 5) };

/** A replica in a test: its budgets on its own connection; disposing of it closes both. */
interface Replica extends AsyncDisposable {
  conn: RedisConnection;
  budgets: RedisBudgets;
  close(): Promise<void>;
}

/** A replica's budgets on its own connection. */
async function replica(
  url: string,
  opts: { id?: string; alive?: number; ttlMs?: number } = {},
): Promise<Replica> {
  const conn = await connectRedis(url);
  const budgets = new RedisBudgets({
    conn,
    prefix: "t:",
    replicaId: opts.id ?? "r1",
    replicasAlive: () => opts.alive ?? 1,
    reservationTtlMs: opts.ttlMs,
  });
  const close = async () => {
    await budgets.close();
    await conn.close();
  };
  return { conn, budgets, close, [Symbol.asyncDispose]: close };
}

/** The hash of `WINDOW`'s period holding now. */
function hashNow(keyId = "k1"): string {
  return `t:budget:${keyId}:day:${periodStart("day", Date.now(), WINDOW.createdAt)}`;
}

/** The hash as Redis holds it: field → value. */
async function fieldsOf(server: RedisServer, hash = hashNow()): Promise<Map<string, string>> {
  const lines = (await server.command("HGETALL", hash)).split("\r\n");
  const values = lines.filter((_, i) => i > 0 && i % 2 === 0);
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < values.length; i += 2) out.set(values[i]!, values[i + 1]!);
  return out;
}

async function spendIn(server: RedisServer, hash = hashNow()): Promise<number> {
  return Number((await fieldsOf(server, hash)).get("spend") ?? 0);
}

function reservationsIn(fields: Map<string, string>): string[] {
  return [...fields.keys()].filter((f) => f.startsWith("r:"));
}

function mustGrant(v: BudgetVerdict): Reservation {
  assert.ok(v.granted, `refused: ${JSON.stringify(v)}`);
  return v.reservation;
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

Deno.test({
  name:
    "RedisLedger.reserve() is atomic across replicas: 60 racing reservations of a tenth of the budget, 10 granted; settled, the spend is their real cost",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const replicas = await Promise.all(
      ["r1", "r2", "r3"].map((id) => replica(server.url, { id, alive: 3 })),
    );
    try {
      const ledgers = replicas.map((r) => r.budgets.ledger("k1", WINDOW));
      const now = Date.now();
      const verdicts = await Promise.all(
        ledgers.flatMap((l) =>
          Array.from({ length: 20 }, () => Promise.resolve(l.reserve(0.1, 1, now)))
        ),
      );
      const granted = verdicts.filter((v) => v.granted);
      assert.equal(granted.length, 10);
      const fields = await fieldsOf(server);
      assert.equal(reservationsIn(fields).length, 10);
      for (const v of verdicts.filter((v) => !v.granted)) {
        assert.ok(!v.granted && v.reservedUsd > 0.9 - 1e-9, JSON.stringify(v));
      }
      // Each replica settles its own at 0.04 (a cheap answer).
      verdicts.forEach((v, i) => {
        if (v.granted) ledgers[Math.floor(i / 20)]!.settle(v.reservation, 0.04, now);
      });
      await until("settled in Redis", async () => {
        const f = await fieldsOf(server);
        return reservationsIn(f).length === 0 && close(Number(f.get("spend")), 0.4);
      });
      // Each replica sees the cluster's spend (read again behind a look older than 1 s).
      await until(
        "every replica's view",
        () => ledgers.every((l) => close(l.spend(Date.now()), 0.4)),
      );
      assert.equal(ledgers[0]!.reserved(Date.now()), 0);
      // What is left (0.6) is granted in one piece, and not twice.
      const [a, b] = await Promise.all([
        ledgers[1]!.reserve(0.6, 1, now),
        ledgers[2]!.reserve(0.6, 1, now),
      ]);
      assert.equal([a, b].filter((v) => v.granted).length, 1);
    } finally {
      for (const r of replicas) await r.close();
    }
  },
});

Deno.test({
  name:
    "RedisLedger: a reservation's end is refreshed while its request runs; once its replica is gone it expires and frees the budget",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    const crashed = await replica(server.url, { id: "gone", ttlMs: 600 });
    await using other = await replica(server.url, { id: "r2" });
    const held = crashed.budgets.ledger("k1", WINDOW);
    mustGrant(await held.reserve(1, 1, Date.now()));
    const ends = async () => [...(await fieldsOf(server)).values()].find((v) => v.includes(":"));
    const first = await ends();
    assert.ok(first, "the reservation is in Redis");
    await until("a refresh moved its end", async () => (await ends()) !== first);

    const survivor = other.budgets.ledger("k1", WINDOW);
    assert.equal((await survivor.reserve(0.5, 1, Date.now())).granted, false);
    // The replica dies mid-request: no settlement, no refresh.
    await crashed.close();
    await until(
      "the reservation expired",
      async () => (await survivor.reserve(1, 1, Date.now())).granted,
    );
  },
});

Deno.test({
  name: "RedisLedger: a day's hash expires an hour after the day ends; a total budget's is kept",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    await using r = await replica(server.url);
    const now = Date.now();
    const day = r.budgets.ledger("k1", WINDOW);
    day.settle(mustGrant(await day.reserve(0.5, 1, now)), 0.5, now);
    const total = r.budgets.ledger("k2", { period: "total", createdAt: 1_000 });
    total.settle(mustGrant(await total.reserve(0.5, 1, now)), 0.5, now);
    const totalHash = "t:budget:k2:total:1000";
    await until(
      "both settled",
      async () => (await spendIn(server)) === 0.5 && (await spendIn(server, totalHash)) === 0.5,
    );
    const start = periodStart("day", now, WINDOW.createdAt);
    assert.equal(
      await server.command("PEXPIRETIME", hashNow()),
      `:${start + 86_400_000 + 3_600_000}`,
    );
    assert.equal(await server.command("PEXPIRETIME", totalHash), ":-1");
  },
});

Deno.test({
  name:
    "RedisLedger while Redis is away reserves against its share of what was left; back, the outage's spend is added, and a Redis restarted empty gets the spend last seen back",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    await using r = await replica(server.url, { alive: 2 });
    const ledger: BudgetLedger = r.budgets.ledger("k1", WINDOW);
    const now = Date.now();
    ledger.settle(mustGrant(await ledger.reserve(5, 10, now)), 4, now);
    await until(
      "the spend seen",
      () => ledger.spend(Date.now()) === 4 && ledger.reserved(Date.now()) === 0,
    );

    await server.stop();
    await until("down", () => !r.conn.up);
    // Its share: (10 - 4) / 2 replicas = 3, decided at once, without Redis.
    const first = ledger.reserve(2, 10, now);
    assert.ok(!(first instanceof Promise), "decided locally");
    const a = mustGrant(first);
    assert.equal(a.id, "", "held by this replica only");
    assert.equal((ledger.reserve(1.5, 10, now) as BudgetVerdict).granted, false);
    ledger.settle(a, 1, now);
    const b = mustGrant(ledger.reserve(2, 10, now) as BudgetVerdict);
    assert.equal((ledger.reserve(0.01, 10, now) as BudgetVerdict).granted, false);
    ledger.settle(b, 2, now);
    assert.equal(ledger.spend(now), 7, "the cluster's 4 as last seen and this replica's 3");

    await server.restart(); // empty: no persistence
    // The spend last seen (4) comes back, with the outage's 3 on top.
    await until("reconciled", async () => close(await spendIn(server), 7));
    assert.deepEqual(reservationsIn(await fieldsOf(server)), []);
    mustGrant(await ledger.reserve(3, 10, Date.now()));
    assert.equal((await ledger.reserve(0.01, 10, Date.now())).granted, false);
  },
});

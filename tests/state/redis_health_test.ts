/**
 * @module redis_health_test
 * Cooldown state in a real redis-server: the merge script (the later end
 * wins, the longer streak wins, a heal does not end a running cooldown, a
 * clear heals both scopes, a pause holds), what it announces and hands
 * back, the TTLs it sets, the one probe claim, reconciliation, and the
 * dashboard's rows. Two RedisHealth on one server stand for two replicas.
 */
import assert from "node:assert/strict";
import type { BackendHealth, CooldownStarted } from "../../src/engine/cooldown.ts";
import { createLogger } from "../../src/log.ts";
import { RedisConnection } from "../../src/state/redis_connection.ts";
import { RedisHealth } from "../../src/state/redis_health.ts";
import { parseRedisUrl } from "../../src/state/redis_url.ts";
import type { StateChange } from "../../src/state/state_change.ts";
import { freePort, NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { until } from "../helpers/until.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const S = 1_000;
const MARGIN = 60 * S;
const PROBE_MS = 300;

/** One clock for every replica of a test. */
const clock = { now: T0 };

interface Replica {
  health: RedisHealth;
  conn: RedisConnection;
  /** What reached the owner: changes from elsewhere and the cluster's later copies. */
  heard: StateChange[];
  live: StateChange[];
  close(): Promise<void>;
}

async function replica(
  server: RedisServer,
  id: string,
  live: StateChange[] = [],
): Promise<Replica> {
  const conn = new RedisConnection({
    target: parseRedisUrl(server.url),
    log: createLogger("error", () => {}),
    firstRetryMs: 20,
    maxRetryMs: 100,
  });
  const health = new RedisHealth({
    conn,
    prefix: "t:",
    replicaId: id,
    now: () => clock.now,
    marginMs: MARGIN,
  });
  const r: Replica = {
    health,
    conn,
    heard: [],
    live,
    close: async () => {
      health.close();
      await conn.close();
    },
  };
  await conn.settled(5_000);
  return r;
}

/** Replicas attached once each one's subscriber is listening, so nothing announced is missed. */
async function cluster(server: RedisServer, ...ids: string[]): Promise<Replica[]> {
  const replicas = [];
  for (const id of ids) replicas.push(await replica(server, id));
  await until("every replica to subscribe", async () => (await subscribers(server)) === ids.length);
  for (const r of replicas) await attach(r);
  return replicas;
}

function attach(r: Replica): Promise<void> {
  return r.health.attach({
    onChange: (c) => r.heard.push(c),
    liveScopes: () => r.live,
    probeTimeoutMs: () => PROBE_MS,
  });
}

async function subscribers(server: RedisServer): Promise<number> {
  const reply = await server.command("PUBSUB", "NUMSUB", "t:changes");
  return Number(reply.split("\r\n").at(-1)!.slice(1));
}

/**
 * Waits until `to` has heard a sentinel change published after everything
 * before it, so what `to` heard before it is all it will hear of those.
 */
async function settle(from: Replica, to: Replica): Promise<StateChange[]> {
  const sentinel: StateChange = {
    kind: "clear",
    backendId: `sentinel-${crypto.randomUUID()}`,
    at: T0,
  };
  await from.health.merge(sentinel);
  await until(
    "the sentinel change",
    () => to.heard.some((c) => c.backendId === sentinel.backendId),
  );
  const i = to.heard.findIndex((c) => c.backendId === sentinel.backendId);
  const before = to.heard.slice(0, i);
  to.heard.length = 0;
  return before;
}

function cooling(until: number, n = 1, reason: "429" | "auth" = "429"): BackendHealth {
  return { health: { state: "cooling", reason, since: T0, until }, consecutive429: n, failures: 0 };
}

function started(until: number, n = 1): CooldownStarted {
  return {
    reason: "429",
    consecutive: n,
    seconds: (until - T0) / S,
    since: T0,
    until,
    extended: false,
  };
}

function pairChange(
  health: BackendHealth,
  opts: { model?: string; started?: CooldownStarted } = {},
): StateChange {
  return {
    kind: "health",
    backendId: "b1",
    model: opts.model ?? "gpt-4o",
    health,
    ...(opts.started ? { started: opts.started } : {}),
    at: clock.now,
  };
}

async function stored(
  server: RedisServer,
  field = "m:gpt-4o",
): Promise<Record<string, unknown> | null> {
  const reply = await server.command("HGET", "t:health:b1", field);
  if (reply === "$-1") return null;
  return JSON.parse(reply.split("\r\n")[1]!);
}

async function storedUntil(server: RedisServer): Promise<number> {
  return ((await stored(server))!.health as { until: number }).until;
}

async function pttl(server: RedisServer, key: string): Promise<number> {
  return Number((await server.command("PTTL", key)).slice(1));
}

function test(name: string, fn: (server: RedisServer) => Promise<void>) {
  Deno.test({
    name,
    ignore: NO_REDIS_SERVER,
    fn: async () => {
      clock.now = T0;
      await using server = await RedisServer.start();
      await fn(server);
    },
  });
}

test("RedisHealth.merge() stores a cooldown with its event data and announces it to the others only", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  await a!.health.merge(pairChange(cooling(T0 + 10 * S), { started: started(T0 + 10 * S) }));
  const value = await stored(server);
  assert.deepEqual(value, { ...cooling(T0 + 10 * S), started: started(T0 + 10 * S) });
  const heard = await settle(a!, b!);
  assert.equal(heard.length, 1);
  const c = heard[0]!;
  assert.equal(c.kind, "health");
  if (c.kind !== "health") return;
  assert.equal(c.model, "gpt-4o");
  assert.deepEqual(c.health, cooling(T0 + 10 * S));
  assert.deepEqual(c.started, started(T0 + 10 * S));
  assert.deepEqual(await settle(b!, a!), [], "a replica does not hear its own change");
  await a!.close();
  await b!.close();
});

test("RedisHealth.merge() of crossing cooldowns never shortens: the later end wins and is handed back", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  await a!.health.merge(pairChange(cooling(T0 + 10 * S), { started: started(T0 + 10 * S) }));
  await settle(a!, b!);
  // b had not heard of a's cooldown: its own, shorter one crosses it.
  await b!.health.merge(pairChange(cooling(T0 + 5 * S), { started: started(T0 + 5 * S) }));
  assert.equal(await storedUntil(server), T0 + 10 * S);
  assert.equal(b!.heard.length, 1, "the cluster's later copy comes back to b");
  const back = b!.heard[0]!;
  assert.ok(back.kind === "health");
  assert.deepEqual(back.health, cooling(T0 + 10 * S));
  assert.deepEqual(back.started, started(T0 + 10 * S), "with the event of the cooldown in force");
  b!.heard.length = 0;
  assert.deepEqual(await settle(b!, a!), [], "nothing changed: nothing announced");

  // A later end from b extends the cluster's, and a hears it.
  await b!.health.merge(pairChange(cooling(T0 + 20 * S)));
  assert.equal(await storedUntil(server), T0 + 20 * S);
  assert.deepEqual(b!.heard, []);
  const heard = await settle(b!, a!);
  assert.equal(heard.length, 1);
  assert.ok(heard[0]!.kind === "health");
  assert.deepEqual(heard[0]!.health, cooling(T0 + 20 * S));
  await a!.close();
  await b!.close();
});

test("RedisHealth.merge() keeps the longer 429 streak", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  await a!.health.merge(pairChange(cooling(T0 + 10 * S, 3)));
  await settle(a!, b!);
  await b!.health.merge(pairChange(cooling(T0 + 20 * S, 1)));
  assert.deepEqual(await stored(server), cooling(T0 + 20 * S, 3));
  assert.equal(b!.heard.length, 1, "b's streak was shorter: the cluster's comes back");
  assert.ok(b!.heard[0]!.kind === "health");
  assert.equal(b!.heard[0]!.health.consecutive429, 3);
  const heard = await settle(b!, a!);
  assert.ok(heard[0]?.kind === "health");
  assert.deepEqual(heard[0]!.health, cooling(T0 + 20 * S, 3));
  await a!.close();
  await b!.close();
});

test("RedisHealth.merge() of a heal does not end a running cooldown; after its end it heals and removes the scope", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  await a!.health.merge(pairChange(cooling(T0 + 10 * S, 2)));
  await settle(a!, b!);
  clock.now = T0 + S;
  await b!.health.merge(
    pairChange({ health: { state: "healthy" }, consecutive429: 0, failures: 0 }),
  );
  assert.deepEqual(await stored(server), cooling(T0 + 10 * S, 2), "still cooling");
  assert.equal(b!.heard.length, 1);
  assert.ok(b!.heard[0]!.kind === "health");
  assert.deepEqual(b!.heard[0]!.health, cooling(T0 + 10 * S, 2));
  b!.heard.length = 0;
  assert.deepEqual(await settle(b!, a!), []);

  clock.now = T0 + 11 * S;
  await b!.health.merge(
    pairChange({ health: { state: "healthy" }, consecutive429: 0, failures: 0 }),
  );
  assert.equal(await stored(server), null);
  assert.equal(await server.command("EXISTS", "t:health:b1"), ":0", "an empty hash is gone");
  assert.deepEqual(b!.heard, []);
  const heard = await settle(b!, a!);
  assert.ok(heard[0]?.kind === "health");
  assert.equal(heard[0]!.health.health.state, "healthy");
  await a!.close();
  await b!.close();
});

test("RedisHealth.merge() of a clear removes both scopes and their probes, and announces it", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  await a!.health.merge(pairChange(cooling(T0 + 10 * S)));
  await a!.health.merge({
    kind: "health",
    backendId: "b1",
    health: cooling(T0 + 60 * S, 0, "auth"),
    at: T0,
  });
  clock.now = T0 + 61 * S;
  assert.equal(await b!.health.claimProbe({ backendId: "b1" }, clock.now), true);
  assert.equal(await b!.health.claimProbe({ backendId: "b1", model: "gpt-4o" }, clock.now), true);
  assert.equal(await server.command("EXISTS", "t:probe:b1", "t:probe:b1|gpt-4o"), ":2");
  await settle(a!, b!);

  await a!.health.merge({ kind: "clear", backendId: "b1", at: clock.now });
  assert.equal(
    await server.command("EXISTS", "t:health:b1", "t:probe:b1", "t:probe:b1|gpt-4o"),
    ":0",
  );
  const heard = await settle(a!, b!);
  assert.deepEqual(heard, [{ kind: "clear", backendId: "b1", at: clock.now }]);
  await a!.close();
  await b!.close();
});

test("RedisHealth.merge() of a pause holds the backend scope, kept 30 days, until a clear", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  await a!.health.merge({ kind: "pause", backendId: "b1", at: T0 });
  assert.deepEqual(await stored(server, "@"), {
    health: { state: "paused", since: T0 },
    consecutive429: 0,
    failures: 0,
  });
  const ttl = await pttl(server, "t:health:b1");
  assert.ok(ttl > 30 * 86_400 * S && ttl <= 30 * 86_400 * S + MARGIN, String(ttl));
  assert.deepEqual(await settle(a!, b!), [{ kind: "pause", backendId: "b1", at: T0 }]);

  // A cooldown of the paused scope does not lift the pause; the pause comes back to its sender.
  await b!.health.merge({
    kind: "health",
    backendId: "b1",
    health: cooling(T0 + 10 * S, 0, "auth"),
    at: T0,
  });
  assert.deepEqual((await stored(server, "@"))!.health, { state: "paused", since: T0 });
  assert.deepEqual(b!.heard, [{ kind: "pause", backendId: "b1", at: T0 }]);
  b!.heard.length = 0;
  // Pausing again changes nothing and says nothing.
  await b!.health.merge({ kind: "pause", backendId: "b1", at: T0 + S });
  assert.deepEqual(await settle(b!, a!), []);

  await b!.health.merge({ kind: "clear", backendId: "b1", at: T0 + 2 * S });
  assert.equal(await server.command("EXISTS", "t:health:b1"), ":0");
  assert.deepEqual(await settle(b!, a!), [{ kind: "clear", backendId: "b1", at: T0 + 2 * S }]);
  await a!.close();
  await b!.close();
});

test("RedisHealth.merge() sets the hash's TTL a margin past its latest end, never shorter", async (server) => {
  const [a] = await cluster(server, "a");
  await a!.health.merge(pairChange(cooling(T0 + 10 * S)));
  let ttl = await pttl(server, "t:health:b1");
  assert.ok(ttl > 9 * S + MARGIN && ttl <= 10 * S + MARGIN, String(ttl));
  // Another scope of the backend ending sooner does not shorten it.
  await a!.health.merge(pairChange(cooling(T0 + 2 * S), { model: "gpt-4o-mini" }));
  ttl = await pttl(server, "t:health:b1");
  assert.ok(ttl > 9 * S + MARGIN, String(ttl));
  // A later end lengthens it.
  await a!.health.merge(pairChange(cooling(T0 + 100 * S)));
  ttl = await pttl(server, "t:health:b1");
  assert.ok(ttl > 99 * S + MARGIN && ttl <= 100 * S + MARGIN, String(ttl));
  await a!.close();
});

test("RedisHealth.claimProbe() grants exactly one of many concurrent claims; the probe frees after its TTL or an answer", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  const scope = { backendId: "b1", model: "gpt-4o" };
  const claims = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 ? a! : b!).health.claimProbe(scope, T0)),
  );
  assert.equal(claims.filter((c) => c).length, 1, String(claims));
  const ttl = await pttl(server, "t:probe:b1|gpt-4o");
  assert.ok(ttl > 0 && ttl <= PROBE_MS, String(ttl));
  await until(
    "the probe to be free again",
    async () => (await a!.health.claimProbe(scope, T0)) === true,
  );
  assert.equal(await b!.health.claimProbe(scope, T0), false);

  // The probe's answer (a new cooldown here) frees it for the next expiry.
  await a!.health.merge(pairChange(cooling(T0 + 10 * S, 2)));
  assert.equal(await server.command("EXISTS", "t:probe:b1|gpt-4o"), ":0");
  assert.equal(await b!.health.claimProbe(scope, T0), true);
  // The backend's own scope is claimed apart from its pairs.
  assert.equal(await b!.health.claimProbe({ backendId: "b1" }, T0), true);
  await a!.close();
  await b!.close();
});

test("RedisHealth with Redis down grants probes here, drops publishes, and reads no rows", async () => {
  const conn = new RedisConnection({
    target: parseRedisUrl(`redis://127.0.0.1:${freePort()}`),
    log: createLogger("error", () => {}),
  });
  const health = new RedisHealth({ conn, prefix: "t:", replicaId: "a" });
  await conn.settled(1_000);
  await health.attach({ onChange: () => {}, liveScopes: () => [], probeTimeoutMs: () => PROBE_MS });
  assert.equal(health.claimProbe({ backendId: "b1" }, T0), true, "synchronously");
  health.publish({ kind: "clear", backendId: "b1", at: T0 });
  await assert.rejects(health.merge({ kind: "clear", backendId: "b1", at: T0 }));
  await assert.rejects(health.sharedCooldowns());
  health.close();
  await conn.close();
});

test("RedisHealth ignores a message on the channel that is not a change", async (server) => {
  const [a, b] = await cluster(server, "a", "b");
  await server.command("PUBLISH", "t:changes", "not json");
  await server.command(
    "PUBLISH",
    "t:changes",
    JSON.stringify({ replica: "x", change: { kind: "boom" } }),
  );
  assert.deepEqual(await settle(a!, b!), []);
  await a!.close();
  await b!.close();
});

test("RedisHealth.attach() merges this replica's live scopes in and hands it the cluster's", async (server) => {
  const [a] = await cluster(server, "a");
  await a!.health.merge(pairChange(cooling(T0 + 10 * S, 2), { started: started(T0 + 10 * S, 2) }));
  const b = await replica(server, "b", [
    { kind: "health", backendId: "b1", health: cooling(T0 + 30 * S, 0, "auth"), at: T0 },
    pairChange(cooling(T0 + 5 * S)),
  ]);
  await until("both replicas to subscribe", async () => (await subscribers(server)) === 2);
  await attach(b);
  const pair = b.heard.flatMap((c) =>
    c.kind === "health" && c.model === "gpt-4o" ? [c.health] : []
  );
  assert.deepEqual(
    pair,
    [cooling(T0 + 10 * S, 2), cooling(T0 + 10 * S, 2)],
    "handed back, then read",
  );
  assert.ok(b.heard.some((c) => c.kind === "health" && c.model === undefined));
  assert.deepEqual(await stored(server, "@"), cooling(T0 + 30 * S, 0, "auth"));
  const heard = await settle(b, a!);
  assert.equal(heard.length, 1, "a hears what b had and the cluster lacked");
  assert.ok(heard[0]!.kind === "health" && heard[0]!.model === undefined);
  await a!.close();
  await b.close();
});

test("RedisHealth reconciles when Redis comes back: its live scopes are merged into the empty Redis", async (server) => {
  const [a] = await cluster(server, "a");
  a!.live.push(pairChange(cooling(T0 + 10 * S, 2)), { kind: "pause", backendId: "b2", at: T0 });
  await server.stop();
  await until("the connection to go down", () => !a!.conn.up);
  await server.restart(); // empty: nothing saved
  await until(
    "both health hashes",
    async () => (await server.command("EXISTS", "t:health:b1", "t:health:b2")) === ":2",
  );
  assert.deepEqual(await stored(server), cooling(T0 + 10 * S, 2));
  // It listens again: another replica's change reaches it.
  await until("one subscriber left", async () => (await subscribers(server)) === 1);
  const b = await replica(server, "b");
  await attach(b);
  await b.health.merge(pairChange(cooling(T0 + 20 * S, 2), { model: "o3" }));
  const heard = await settle(b, a!);
  assert.ok(heard.some((c) => c.kind === "health" && c.model === "o3"));
  await a!.close();
  await b.close();
});

test("RedisHealth.sharedCooldowns() lists every scope not healthy in the cluster's copy", async (server) => {
  const [a] = await cluster(server, "a");
  assert.deepEqual(await a!.health.sharedCooldowns(), []);
  await a!.health.merge(pairChange(cooling(T0 + 10 * S, 2)));
  await a!.health.merge({
    kind: "health",
    backendId: "b1",
    health: cooling(T0 + 60 * S, 0, "auth"),
    at: T0,
  });
  await a!.health.merge({ kind: "pause", backendId: "a0", at: T0 });
  await a!.health.merge(pairChange({
    health: { state: "probing", reason: "429", probeSince: T0 },
    consecutive429: 1,
    failures: 0,
  }, { model: "gpt-4o-mini" }));
  assert.deepEqual(await a!.health.sharedCooldowns(), [
    { backend_id: "a0", model: null, state: "paused", until: null, consecutive_429: 0 },
    { backend_id: "b1", model: null, state: "cooling", until: T0 + 60 * S, consecutive_429: 0 },
    { backend_id: "b1", model: "gpt-4o", state: "cooling", until: T0 + 10 * S, consecutive_429: 2 },
    { backend_id: "b1", model: "gpt-4o-mini", state: "probing", until: null, consecutive_429: 1 },
  ]);
  await a!.close();
});

/**
 * @module redis_budget_script
 * The one Lua script behind every budget in Redis (docs/cluster.md,
 * "Budgets"): a hash per key and period holding the spend and the open
 * reservations, each with its own end, changed only by this script, so
 * that checking the room left and reserving it is one step no other
 * replica can come between.
 */
import type { Redis } from "ioredis";
import { BUDGET_EPSILON_USD } from "./budget_ledger.ts";

/**
 * KEYS[1] `<prefix>budget:<key id>:<period>:<period start, epoch ms>`, a
 *   hash: `spend` (USD, by HINCRBYFLOAT) and `r:<reservation id>` =
 *   `<USD>:<end, ms on Redis's clock>` per request in flight.
 * ARGV: floor (the spend the caller last saw: the hash's is brought up to
 *   it first), add (USD settled, added to the spend), drop (reservation ids,
 *   space-separated: settled), reserve (an id, or empty), estimate, limit,
 *   ttl (ms a reservation lives unless refreshed), refresh (reservation ids,
 *   space-separated: still in flight), expire at (epoch ms; empty for a
 *   `total` budget, which is kept), epsilon (the rule's tolerance).
 *
 * Returns `{granted, spend, reserved}`: 1 when the reservation was made, and
 * the spend and open reservations after the call, as strings (a Lua number
 * returned as such would be cut to an integer).
 *
 * Redis 7.0 has no TTL per hash field, so a reservation carries its end and
 * is dropped once it passed: a replica that died mid-request stops holding
 * the budget within a TTL. The rule is `fitsBudget()`'s (budget_ledger.ts).
 *
 * Spend only grows within a period, so a hash below what a replica saw has
 * lost data (a Redis restarted without persistence): the floor puts back
 * what the replicas last saw, and the budget is not handed out twice.
 */
export const BUDGET_LUA = `
local key = KEYS[1]
local ttl = tonumber(ARGV[6])
local floor = tonumber(ARGV[10])
if floor > 0 and tonumber(redis.call('HGET', key, 'spend') or '0') < floor then
  redis.call('HSET', key, 'spend', ARGV[10])
end
-- Redis's clock: a reservation's end is compared with one clock, whoever reads it.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if tonumber(ARGV[1]) > 0 then redis.call('HINCRBYFLOAT', key, 'spend', ARGV[1]) end
for id in string.gmatch(ARGV[2], '%S+') do redis.call('HDEL', key, 'r:' .. id) end
for id in string.gmatch(ARGV[7], '%S+') do
  local held = redis.call('HGET', key, 'r:' .. id)
  if held then
    redis.call('HSET', key, 'r:' .. id, string.match(held, '^[^:]+') .. ':' .. (now + ttl))
  end
end
local spend = tonumber(redis.call('HGET', key, 'spend') or '0')
local reserved = 0
local fields = redis.call('HGETALL', key)
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'r:' then
    local usd, ends = string.match(fields[i + 1], '^([^:]+):(%d+)$')
    if usd and tonumber(ends) > now then
      reserved = reserved + tonumber(usd)
    else
      redis.call('HDEL', key, fields[i])
    end
  end
end
local granted = 0
if ARGV[3] ~= '' then
  local estimate, limit, eps = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[9])
  if spend <= limit - eps and spend + reserved + estimate <= limit + eps then
    redis.call('HSET', key, 'r:' .. ARGV[3], ARGV[4] .. ':' .. (now + ttl))
    reserved = reserved + estimate
    granted = 1
  end
end
if ARGV[8] ~= '' and redis.call('EXISTS', key) == 1 then
  redis.call('PEXPIREAT', key, ARGV[8])
end
return {granted, tostring(spend), tostring(reserved)}
`;

const BUDGET = "sidecarBudget";

/** The script as ioredis's `defineCommand` adds it (EVALSHA, EVAL when Redis does not know it yet). */
interface BudgetCommand {
  [BUDGET](key: string, ...args: (string | number)[]): Promise<[number, string, string]>;
}

/** One call of the budget script; every part optional. */
export interface BudgetCall {
  /** The spend last seen in this period, USD: the hash's is at least this. */
  floor?: number;
  /** USD of real costs to add to the spend. */
  add?: number;
  /** Reservations settled: removed. */
  drop?: readonly string[];
  /** A reservation to make if it fits. */
  reserve?: { id: string; estimateUsd: number; limitUsd: number };
  /** Reservations still in flight: their end moves a TTL on. */
  refresh?: readonly string[];
}

/** What the script answered. */
export interface BudgetReply {
  granted: boolean;
  /** The period's spend after the call, USD. */
  spend: number;
  /** The open reservations after the call, USD. */
  reserved: number;
}

/** Runs the script on one period's hash, which expires at `expireAt` (Infinity: never). */
export type BudgetScript = (
  hash: string,
  call: BudgetCall,
  expireAt: number,
) => Promise<BudgetReply>;

/** Adds the script to `client` and returns its caller; reservations live `ttlMs` unless refreshed. */
export function defineBudgetScript(client: Redis, ttlMs: number): BudgetScript {
  client.defineCommand(BUDGET, { numberOfKeys: 1, lua: BUDGET_LUA });
  const commands = client as Redis & BudgetCommand;
  return async (hash, call, expireAt) => {
    const r = call.reserve;
    const [granted, spend, reserved] = await commands[BUDGET](
      hash,
      String(call.add ?? 0),
      (call.drop ?? []).join(" "),
      r?.id ?? "",
      String(r?.estimateUsd ?? 0),
      String(r?.limitUsd ?? 0),
      ttlMs,
      (call.refresh ?? []).join(" "),
      Number.isFinite(expireAt) ? String(Math.ceil(expireAt)) : "",
      String(BUDGET_EPSILON_USD),
      String(call.floor ?? 0),
    );
    return { granted: granted === 1, spend: Number(spend), reserved: Number(reserved) };
  };
}

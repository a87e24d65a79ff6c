/**
 * @module redis_health_script
 * The Lua script that merges one published change into the cluster's copy
 * of a backend's health and announces it (docs/cluster.md, "Cooldowns in
 * Redis").
 *
 * Why Lua: the merge is a read, a decision and a write, and the announcement
 * must match what was written. Done as separate commands, two replicas
 * cooling the same scope at once could each read the old copy and the one
 * writing last would shorten the other's cooldown, or a replica could hear
 * a change before (or without) it being in the hash. Redis runs a script
 * alone, so read-merge-write-publish is one step: no replica sees the merge
 * without its message, or the message without the merge.
 *
 * The merge is `adopt()` of src/engine/cooldown.ts with the cluster's copy as
 * "local" and the published health as "remote"; keep the two in step.
 */

/**
 * KEYS[1] `<prefix>health:<backend id>`, the backend's hash.
 * KEYS[2] `<prefix>probe:<backend id>`, the backend scope's probe key; a
 *   pair's is that plus `|<model>`. Pair probe keys are derived here, not
 *   declared, so the script needs a single Redis (not Redis Cluster), as the
 *   whole design does.
 * ARGV: kind (`health`, `pause`, `clear`), field (`@` or `m:<model>`), the
 *   change as JSON, now (epoch ms, the caller's clock, as every instant in the
 *   hash is), the channel, this replica's id, the probe timeout (ms: how long a
 *   probing scope is kept), the margin kept past the latest end (ms), the
 *   bound of a pause (ms).
 *
 * Returns the merged scope (its hash value) when it differs from the
 * published health (the cluster's copy was later), else nil. A healthy scope
 * is not kept; the 429 streak and the cooldown decide "differs", not the
 * failures below the threshold, which stay each replica's own count.
 *
 * Instants pass through cjson, which writes 14 significant digits: epoch
 * milliseconds have 13.
 */
export const MERGE_HEALTH_LUA = `
local hash, probeBase = KEYS[1], KEYS[2]
local kind, field, changeJson = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[4])
local channel, replica = ARGV[5], ARGV[6]
local probeMs, marginMs, pauseMs = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local change = cjson.decode(changeJson)

local function probeKey(f)
  if f == "@" then return probeBase end
  return probeBase .. "|" .. string.sub(f, 3)
end

local function announce(json)
  redis.call("PUBLISH", channel, '{"replica":' .. cjson.encode(replica) .. ',"change":' .. json .. '}')
end

-- The hash lives a margin past the latest end written to it: extended, never shortened.
local function keepUntil(endMs)
  local ttl = math.ceil(math.max(endMs - now, 0) + marginMs)
  if redis.call("PTTL", hash) < ttl then redis.call("PEXPIRE", hash, ttl) end
end

if kind == "clear" then
  for _, f in ipairs(redis.call("HKEYS", hash)) do redis.call("DEL", probeKey(f)) end
  redis.call("DEL", hash, probeBase)
  announce(changeJson)
  return false
end

local stored = redis.call("HGET", hash, field)
local l = stored and cjson.decode(stored) or
  { health = { state = "healthy" }, consecutive429 = 0, failures = 0 }

if kind == "pause" then
  if l.health.state == "paused" then return false end
  local paused = { health = { state = "paused", since = change.at },
    consecutive429 = l.consecutive429, failures = l.failures }
  redis.call("HSET", hash, field, cjson.encode(paused))
  keepUntil(now + pauseMs)
  redis.call("DEL", probeBase)
  announce(changeJson)
  return false
end

local r = change.health

local function running(h)
  return h.health.state == "cooling" and h.health["until"] > now
end

local function withStreak(h, n)
  return { health = h.health, consecutive429 = n, failures = h.failures }
end

-- adopt(local, remote, now) of cooldown.ts.
local function adopt()
  local ls, rs = l.health.state, r.health.state
  if rs == "paused" then
    if ls == "paused" then return l end
    return r
  end
  if ls == "paused" then return l end
  local n = math.max(l.consecutive429, r.consecutive429)
  if rs == "healthy" then
    if running(l) then return l end
    return r
  end
  if rs == "probing" then
    if running(l) then return withStreak(l, n) end
    return withStreak(r, n)
  end
  if ls == "cooling" and l.health["until"] >= r.health["until"] then return withStreak(l, n) end
  return withStreak(r, n)
end

local function same(a, b)
  local x, y = a.health, b.health
  return x.state == y.state and x.reason == y.reason and x.since == y.since and
    x["until"] == y["until"] and x.probeSince == y.probeSince and
    a.consecutive429 == b.consecutive429
end

local function endOf(h)
  local s = h.health
  if s.state == "cooling" then return s["until"] end
  if s.state == "probing" then return s.probeSince + probeMs end
  return now + pauseMs
end

local m = adopt()
-- The event data goes with the cooldown it describes.
local started = l.started
if m.health == r.health then started = change.started end
local merged = { health = m.health, consecutive429 = m.consecutive429,
  failures = m.failures, started = started }

if not same(m, l) then
  if m.health.state == "healthy" then
    redis.call("HDEL", hash, field)
  else
    redis.call("HSET", hash, field, cjson.encode(merged))
    keepUntil(endOf(m))
  end
  -- The probe's question is answered (or moot): the next expiry may be probed at once.
  if m.health.state ~= "probing" then redis.call("DEL", probeKey(field)) end
  change.health = { health = m.health, consecutive429 = m.consecutive429, failures = m.failures }
  change.started = started
  announce(cjson.encode(change))
end

if same(m, r) then return false end
return cjson.encode(merged)
`;

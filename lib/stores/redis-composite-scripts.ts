// One Lua script per composite RedisStore operation (see store.ts): each the sequence of the
// primitives' scripts (redis-scripts.ts) on several keys of one group, so one Cluster slot, with the
// same semantics step by step as lib/stores/composite.ts (the conformance suite compares them).
// ARGV[1] is `now`, as there; the keys come in the order each script's comment gives.
import { script, type RedisScript } from './redis-lua.js'

const STEPS = `
local function ttl_of (key)
  if not live(key, now) then return 0 end
  return tonumber(redis.call('HGET', key, 'expires')) - now
end
local function set_mark (key, value, expires, pttl)
  redis.call('DEL', key)
  redis.call('HSET', key, 'value', value, 'expires', expires)
  redis.call('PEXPIRE', key, pttl)
end
local function log_add (key, entry, max, expires, pttl)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local count = redis.call('ZCARD', key)
  if count >= tonumber(max) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return { count, tonumber(oldest[2]) - now }
  end
  count = count + redis.call('ZADD', key, expires, entry)
  if redis.call('PTTL', key) < tonumber(pttl) then redis.call('PEXPIRE', key, pttl) end
  return { count, 0 }
end
`

function composite (body: string): RedisScript {
  return script(STEPS + body)
}

/**
 * KEYS: lock, log, challenge[, cooldown]. ARGV: now, log entry, log max, log expires, log physical
 * TTL, record JSON, attempts, consumed, challenge expires, challenge physical TTL[, cooldown
 * expires, cooldown physical TTL]. Returns {refused ('' when created), retry ms}.
 */
export const START_SEND = composite(`
local locked = ttl_of(KEYS[1])
if locked > 0 then return { 'lock', locked } end
local cooldown = KEYS[4]
if cooldown then
  if live(cooldown, now) then return { 'cooldown', ttl_of(cooldown) } end
  set_mark(cooldown, '1', ARGV[11], ARGV[12])
end
local logged = log_add(KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if logged[2] > 0 then
  if cooldown then redis.call('DEL', cooldown) end
  return { 'log', logged[2] }
end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'record', ARGV[6], 'attempts', ARGV[7], 'consumed', ARGV[8], 'expires', ARGV[9])
redis.call('PEXPIRE', KEYS[3], ARGV[10])
return { '', 0 }
`)

/**
 * KEYS: lock, failures[, knowledge][, challenge]. ARGV: now, entry, failures max, expires, physical
 * TTL, knowledge ('1' or '0'), its max, expires, physical TTL, challenge ('1' or '0'), userId,
 * sessionId, method, the engine's now, max attempts ('' for none), then ('count' or 'consume').
 * Returns {refused ('' when counted), retry ms, count, [the challenge as read: record JSON,
 * attempts, consumed, [after: record JSON, attempts, consumed]]}. The bindings are compared as
 * the record's JSON decodes (cjson), never the code: the engine compares that.
 */
export const BEGIN_GUESS = composite(`
local locked = ttl_of(KEYS[1])
if locked > 0 then return { 'lock', locked, 0 } end
local k = 3
local knowledge
if ARGV[6] == '1' then
  knowledge = KEYS[k]
  k = k + 1
end
local challenge
local seen = {}
if ARGV[10] == '1' then
  challenge = KEYS[k]
  if not live(challenge, now) then return { 'challenge', 0, 0 } end
  seen = redis.call('HMGET', challenge, 'record', 'attempts', 'consumed')
  local record = cjson.decode(seen[1])
  if record.userId ~= ARGV[11] or record.sessionId ~= ARGV[12] or record.method ~= ARGV[13] or seen[3] == '1' or
    record.expiresAt <= tonumber(ARGV[14]) or (ARGV[15] ~= '' and tonumber(seen[2]) >= tonumber(ARGV[15])) then
    return { 'challenge', 0, 0, seen[1], seen[2], seen[3] }
  end
end
local logged = log_add(KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if logged[2] > 0 then return { 'failures', logged[2], logged[1], seen[1], seen[2], seen[3] } end
if knowledge then
  local known = log_add(knowledge, ARGV[2], ARGV[7], ARGV[8], ARGV[9])
  if known[2] > 0 then
    redis.call('ZREM', KEYS[2], ARGV[2])
    return { 'knowledge', known[2], logged[1] }
  end
end
if not challenge then return { '', 0, logged[1] } end
if ARGV[16] == 'count' then
  local attempts = redis.call('HINCRBY', challenge, 'attempts', 1)
  return { '', 0, logged[1], seen[1], seen[2], seen[3], seen[1], attempts, seen[3] }
end
redis.call('HSET', challenge, 'consumed', '1')
return { '', 0, logged[1], seen[1], seen[2], seen[3], seen[1], seen[2], '1' }
`)

/**
 * KEYS: [spent key,] each give-back log[, lock]. ARGV: now, spend ('consume', 'advance' or ''),
 * value, expires, physical TTL (for advance), give-backs n, their n entries, lock ('1' or '0'),
 * lock expires, lock physical TTL. Returns {spent (1 or 0), lock ms left}.
 */
export const END_GUESS = composite(`
local k = 1
local spent = 1
if ARGV[2] == 'consume' then
  if not live(KEYS[1], now) or redis.call('HGET', KEYS[1], 'consumed') == '1' then
    spent = 0
  else
    redis.call('HSET', KEYS[1], 'consumed', '1')
  end
  k = 2
elseif ARGV[2] == 'advance' then
  if live(KEYS[1], now) and tonumber(redis.call('HGET', KEYS[1], 'value')) >= tonumber(ARGV[3]) then
    spent = 0
  else
    set_mark(KEYS[1], ARGV[3], ARGV[4], ARGV[5])
  end
  k = 2
end
local n = tonumber(ARGV[6])
for i = 1, n do
  if spent == 1 then redis.call('ZREM', KEYS[k], ARGV[6 + i]) end
  k = k + 1
end
local locked = 0
if ARGV[7 + n] == '1' then
  if not live(KEYS[k], now) then set_mark(KEYS[k], '1', ARGV[8 + n], ARGV[9 + n]) end
  locked = ttl_of(KEYS[k])
end
return { spent, locked }
`)

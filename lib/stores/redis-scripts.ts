// One Lua script per RedisStore operation, so each is atomic and takes one round trip. Every script
// touches exactly one key (KEYS[1]); ARGV[1] is always the app clock's `now` in epoch ms.
//
// Each challenge, counter or mark is a hash that carries its logical expiry in the field `expires` (epoch ms from the
// app's clock). An entry whose `expires` is <= now counts as absent, whatever Redis still holds:
// a test clock can then move time, and every instance agrees on expiry as far as their clocks
// agree. PEXPIRE is set too, a little longer than the logical life, so Redis frees the memory.
//
// A log (sliding window) is a sorted set: each member an entry, its score the entry's logical expiry.
//
// Times and counts go in as strings made by JavaScript: Redis turns a Lua number given to a
// command into a string with too few digits for epoch milliseconds. No script returns a Lua
// boolean, whose reply differs between RESP2 and RESP3.
import { script } from './redis-lua.js'

export type { RedisScript } from './redis-lua.js'

/** ARGV: now, record JSON, attempts, consumed ('1' or '0'), expires, physical TTL (ms). */
export const CREATE_CHALLENGE = script(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'attempts', ARGV[3], 'consumed', ARGV[4], 'expires', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`)

/** ARGV: now. Returns {record JSON, attempts, consumed} or {} when absent. */
export const GET_CHALLENGE = script(`
if not live(KEYS[1], now) then return {} end
return redis.call('HMGET', KEYS[1], 'record', 'attempts', 'consumed')
`)

/** ARGV: now. Adds one to attempts; returns {record JSON, attempts, consumed} or {} when absent. */
export const COUNT_ATTEMPT = script(`
if not live(KEYS[1], now) then return {} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local found = redis.call('HMGET', KEYS[1], 'record', 'consumed')
return { found[1], attempts, found[2] }
`)

/** ARGV: now. Returns 1 for the one call that consumed it, else 0. */
export const CONSUME_CHALLENGE = script(`
if not live(KEYS[1], now) or redis.call('HGET', KEYS[1], 'consumed') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'consumed', '1')
return 1
`)

/** ARGV: now, expires, physical TTL. Returns 1 for the call that set the mark, else 0. */
export const MARK_ONCE = script(`
if live(KEYS[1], now) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'value', '1', 'expires', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

/** ARGV: now, value, expires, physical TTL. Returns 1 for the call that raised the value, else 0. */
export const ADVANCE = script(`
if live(KEYS[1], now) and tonumber(redis.call('HGET', KEYS[1], 'value')) >= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'expires', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

/** ARGV: now. Returns the milliseconds left, 0 when absent. */
export const TTL = script(`
if not live(KEYS[1], now) then return 0 end
return tonumber(redis.call('HGET', KEYS[1], 'expires')) - now
`)

/** ARGV: now (unused, kept so every script takes the same first argument). */
export const DELETE = script(`
redis.call('DEL', KEYS[1])
return 1
`)

/**
 * ARGV: now, entry, max, expires, physical TTL. Forgets entries at or past their expiry, then adds
 * the entry if fewer than max are left. Returns {count, retry ms}: retry 0 when it was added.
 * (Scores are doubles, exact for epoch milliseconds.)
 */
export const LOG_ADD = script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return { count, tonumber(oldest[2]) - now }
end
count = count + redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return { count, 0 }
`)

/** ARGV: now (unused), entry. Removes the entry from the log. */
export const LOG_REMOVE = script(`
redis.call('ZREM', KEYS[1], ARGV[2])
return 1
`)

// What every RedisStore script starts with (see redis-scripts.ts): `live` and `now`.
import { createHash } from 'node:crypto'

export interface RedisScript {
  source: string
  sha: string
}

// Is the entry there and not past its logical expiry?
const LIVE = `
local function live (key, now)
  local expires = tonumber(redis.call('HGET', key, 'expires'))
  return expires ~= nil and expires > now
end
local now = tonumber(ARGV[1])
`

/** A script: the shared head (`live`, `now`) and its body. */
export function script (body: string): RedisScript {
  const source = LIVE + body
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

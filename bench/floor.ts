// The floor of a cold token check, measured on the server's core in the same run as the guard: what
// no HS256 check can skip for a token it has not seen. One HMAC-SHA256 over the signed part with
// node:crypto, its base64url, and decoding and parsing the payload. The cold guard's cost over a
// bare route is reported against this, so the target holds on any machine of any speed.
import { deriveKeys } from '../lib/core/secrets.js'
import { TokenService } from '../lib/core/tokens.js'
import { EMAIL_AMR } from '../lib/index.js'
import { AUDIENCE, GUARD_USER, ISSUER, SECRET, TOKEN_TTL_MS, floorCheck, toParent, type ToChild } from './shared.js'

const key = deriveKeys(Buffer.from(SECRET)).token
const issuer = new TokenService({ secretKey: key, keys: undefined, issuer: ISSUER, audience: AUDIENCE, ttlMs: TOKEN_TTL_MS, clock: Date, cacheMax: 0 })
// Real tokens of the plugin, so the payload has the size and the claims the guard parses.
const tokens: string[] = []
for (let i = 0; i < 1000; i++) tokens.push((await issuer.issue(GUARD_USER, { amr: EMAIL_AMR })).token)

const floor = (token: string): number => floorCheck(key, token)

let sink = 0
function run (ms: number): { ops: number, cpu: NodeJS.CpuUsage } {
  const before = process.cpuUsage()
  const deadline = performance.now() + ms
  let ops = 0
  while (performance.now() < deadline) {
    // Between clock reads, a batch: reading the clock costs about as much as a floor operation.
    for (let i = 0; i < 100; i++) sink += floor(tokens[(ops + i) % tokens.length]!)
    ops += 100
  }
  return { ops, cpu: process.cpuUsage(before) }
}

process.on('message', (message: ToChild) => {
  if (message.type === 'floor') {
    toParent({ type: 'floor', id: message.id, ...run(message.ms), sink })
  } else if (message.type === 'close') {
    process.disconnect()
  }
})
toParent({ type: 'ready' })

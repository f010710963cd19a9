// One of N processes of one app, for the several-processes measurement (run.ts, bench/processes.ts):
// a Fastify app with the plugin on a RedisStore, every process on the same Redis and key prefix, as
// behind a load balancer. `node --import tsx bench/app-process.ts`, with BENCH_REDIS_URL and
// BENCH_REDIS_PREFIX. The load generator (the parent) needs each code to finish a cycle whichever
// process sent it: the mail transport drops the mail and hands the code to the parent over IPC,
// the bench's stand-in for the user's inbox (no code goes into a response or a log).
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import stepUp, { RedisStore } from '../lib/index.js'
import { CYCLE_USERS, ROUTE, SECRET, SINGLE_USE_ROUTE, TOKEN_TTL, dropTransport, makeUsers, toParent, userLookup, type ToChild } from './shared.js'

const url = process.env.BENCH_REDIS_URL
const prefix = process.env.BENCH_REDIS_PREFIX
if (!url || !prefix) throw new Error('run this file through bench/run.ts (npm run bench), not on its own')

const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
await redis.connect()

const app = Fastify({ logger: false })
await app.register(stepUp, {
  secret: SECRET,
  tokenTtl: TOKEN_TTL,
  getUser: userLookup(makeUsers(CYCLE_USERS)),
  store: new RedisStore({ client: redis, prefix }),
  email: { from: 'bench@example.com', transport: dropTransport((to, code) => toParent({ type: 'code', to, code })) },
  // The same lifted limits as bench/cycle.ts: nothing throttles the run.
  codes: { ttl: '1m', resendCooldown: 1 },
  sendLimit: { max: 1000, window: '1h' },
  lockout: { maxFailures: 100 }
})
app.get(ROUTE, { onRequest: app.requireStepUp() }, async () => ({ ok: true }))
app.get(SINGLE_USE_ROUTE, { onRequest: app.requireStepUp({ singleUse: true }) }, async () => ({ ok: true }))
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()

async function close (): Promise<void> {
  await app.close()
  redis.disconnect()
  process.exit(0)
}

process.on('message', (message: ToChild) => {
  if (message.type === 'sample') {
    toParent({ type: 'sample', id: message.id, cpu: process.cpuUsage(), heapUsed: process.memoryUsage().heapUsed })
  } else if (message.type === 'close') {
    close().catch(() => process.exit(1))
  }
})
process.on('disconnect', () => { close().catch(() => process.exit(1)) })

toParent({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 })

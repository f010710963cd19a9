// The full challenge cycle in one process, which run.ts pins to one core: POST /step-up/email/send,
// read the code from the dropped mail, POST /step-up/email/verify, through Fastify's routing, body
// parsing, validation and serialization (app.inject: everything but the socket). One app on a
// MemoryStore and, when the parent passes BENCH_REDIS_URL, one on a RedisStore. run.ts asks for
// timed windows and closes it.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { MemoryStore, RedisStore, type StepUpStore, type StepUpUser } from '../lib/index.js'
import { cycleApp, makeUsers, profilerFromEnv, toParent, type ToChild } from './shared.js'

/** Enough users that no per-user limit ever bites: each sends a code about once per USERS cycles. */
const USERS = 10_000
const users = makeUsers(USERS)
const codes = new Map<string, string>()

function build (store: StepUpStore): Promise<FastifyInstance> {
  return cycleApp(store, users, codes)
}

async function cycle (app: FastifyInstance, user: StepUpUser): Promise<void> {
  const headers = { 'x-user': user.id, 'x-session': user.sessionId }
  const email = user.emails![0]!
  const sent = await app.inject({ method: 'POST', url: '/step-up/email/send', headers, payload: { email } })
  if (sent.statusCode !== 202) throw new Error(`send: ${sent.statusCode} ${sent.body}`)
  const { challengeId } = sent.json() as { challengeId: string }
  const code = codes.get(email)
  codes.delete(email)
  const verified = await app.inject({ method: 'POST', url: '/step-up/email/verify', headers, payload: { challengeId, code } })
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}`)
}

let next = 0
/** Runs cycles from `concurrency` loops for `ms` milliseconds; a user is never in two cycles at once. */
async function run (app: FastifyInstance, ms: number, concurrency: number) {
  let cycles = 0
  let failures = 0
  let firstFailure: string | undefined
  const cpu = process.cpuUsage()
  const start = performance.now()
  const deadline = start + ms
  async function loop (): Promise<void> {
    while (performance.now() < deadline) {
      const user = users[next++ % USERS]!
      try {
        await cycle(app, user)
        cycles++
      } catch (err) {
        failures++
        firstFailure ??= (err as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  return { cycles, failures, wallMs: performance.now() - start, cpu: process.cpuUsage(cpu), firstFailure }
}

const memoryApp = await build(new MemoryStore())
let redis: Redis | undefined
let redisApp: FastifyInstance | undefined
const prefix = `step-up-bench:${randomUUID()}:`
if (process.env.BENCH_REDIS_URL) {
  redis = new Redis(process.env.BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  redisApp = await build(new RedisStore({ client: redis, prefix }))
}

const profiler = profilerFromEnv()

async function close (): Promise<void> {
  await profiler.stop()
  await memoryApp.close()
  if (redisApp && redis) {
    await redisApp.close()
    // Leave nothing behind in a Redis that is not ours (the keys would expire within minutes anyway).
    let cursor = '0'
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length > 0) await redis.unlink(...keys)
      cursor = nextCursor
    } while (cursor !== '0')
    redis.disconnect()
  }
  process.exit(0)
}

process.on('message', (message: ToChild) => {
  if (message.type === 'cycles') {
    const app = message.store === 'redis' ? redisApp : memoryApp
    if (!app) {
      toParent({ type: 'error', message: 'no Redis in this run' })
      return
    }
    profiler.start().then(() => run(app, message.ms, message.concurrency)).then(
      (result) => toParent({ type: 'cycles', id: message.id, ...result }),
      (err: Error) => toParent({ type: 'error', message: err.message })
    )
  } else if (message.type === 'close') {
    close().catch(() => process.exit(1))
  }
})
process.on('disconnect', () => { close().catch(() => process.exit(1)) })

toParent({ type: 'ready', redis: redisApp !== undefined })

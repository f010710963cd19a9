// One app process for test/redis-processes.test.ts: a real Fastify app with the plugin on a
// RedisStore over an ioredis Cluster client, as one of several processes behind a load balancer.
// `node --import tsx test/helpers/process-app.ts`, started by the test with:
//   STEP_UP_CLUSTER_NODES  the Cluster's nodes, "127.0.0.1:7001,127.0.0.1:7002,..."
//   STEP_UP_PREFIX         the key prefix both processes share (and no other test uses)
//   STEP_UP_SMTP_URL       the test's mailbox: codes reach the test by mail, as they reach a user
//   STEP_UP_START_MS       the instant the clock starts at
// It prints "listening <port>" once it serves on 127.0.0.1. The time is the test's to move: the
// two processes share no memory, so a clock shared by both is one each process sets from the test
// (POST /test/clock { now }), which the test does for both before the next request.
import Fastify from 'fastify'
import { Cluster } from 'ioredis'
import nodemailer from 'nodemailer'
import stepUp, { RedisStore, type StepUpUser } from '../../lib/index.js'
import { PROCESS_APP_POLICY, addressesOf } from './process-policy.js'

function required (name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: this file is started by test/redis-processes.test.ts`)
  return value
}

const nodes = required('STEP_UP_CLUSTER_NODES').split(',').map((node) => {
  const [host, port] = node.split(':')
  return { host: host!, port: Number(port) }
})
let now = Number(required('STEP_UP_START_MS'))
const clock = { now: () => now }

const redis = new Cluster(nodes, { lazyConnect: true, slotsRefreshInterval: 1000 })
await redis.connect()
const transport = nodemailer.createTransport({ url: required('STEP_UP_SMTP_URL'), ignoreTLS: true, pool: true } as never)

const known = new Set<string>(PROCESS_APP_POLICY.users)
const app = Fastify({ logger: false })
await app.register(stepUp, {
  secret: 'a-test-secret-that-is-at-least-32-bytes-long',
  clock,
  store: new RedisStore({ client: redis, prefix: required('STEP_UP_PREFIX'), clock }),
  getUser (request): StepUpUser | null {
    const id = request.headers['x-user']
    return typeof id === 'string' && known.has(id) ? { id, sessionId: 's1', emails: addressesOf(id) } : null
  },
  email: { from: 'security@example.com', transport },
  // Notifications would put mails of their own among the codes this test reads.
  notifications: false,
  tokenTtl: PROCESS_APP_POLICY.tokenTtlMs,
  codes: { ttl: PROCESS_APP_POLICY.codeTtlMs, maxAttempts: PROCESS_APP_POLICY.maxAttempts, resendCooldown: 1 },
  sendLimit: { max: 1000, window: '1h' },
  lockout: { maxFailures: PROCESS_APP_POLICY.maxFailures, window: PROCESS_APP_POLICY.lockoutMs, duration: PROCESS_APP_POLICY.lockoutMs }
})
app.get('/wire', { onRequest: app.requireStepUp({ singleUse: true }) }, async () => ({ ok: true }))
app.post<{ Body: { now: number } }>('/test/clock', {
  schema: { body: { type: 'object', required: ['now'], properties: { now: { type: 'integer' } }, additionalProperties: false } }
}, async (request) => {
  now = request.body.now
  return { now }
})
app.addHook('onClose', async () => {
  transport.close()
  redis.disconnect()
})

await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`)
// The test stops this process by its pid (SIGTERM): close the app so the Cluster client goes too.
process.once('SIGTERM', () => { app.close().finally(() => process.exit(0)) })

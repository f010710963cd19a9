// The example app as two instances that share one Redis, as they would behind a load balancer: a
// code sent through one verifies on the other, and a lockout earned on one holds on both. Start it
// with `npm run example:redis`; it needs a Redis at REDIS_URL (default redis://127.0.0.1:6379).
// The instances share a process here for convenience only: each has its own client and store, so
// all they share is Redis, as separate machines would.
import { RedisStore } from 'fastify-step-up'
import { Redis } from 'ioredis'
import { buildApp, reachableBase, type ExampleApp } from '../basic/app.js'
import { demoFactors } from '../basic/factors.js'
import { exitIfPortUnusable, portFromEnv } from '../basic/listen.js'
import { createMailer } from '../basic/mail.js'
import { walkThrough } from '../basic/walkthrough.js'

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
// Before every key, so the demo's state stays apart from anything else in that Redis.
const prefix = process.env.REDIS_PREFIX || 'step-up-example:'
const host = process.env.HOST ?? '127.0.0.1'
const instances = [
  { name: 'A', port: portFromEnv('PORT', 3001), variable: 'PORT' },
  { name: 'B', port: portFromEnv('PORT_B', 3002), variable: 'PORT_B' }
]
const smtpUrl = process.env.SMTP_URL || undefined
const mailer = createMailer(smtpUrl)

/** A client that fails fast while Redis is away, so a request gets a 503 at once instead of waiting. */
async function connectRedis (name: string): Promise<Redis> {
  const client = new Redis(redisUrl, {
    lazyConnect: true, // connect below, and stop if Redis is not there
    enableOfflineQueue: false, // while disconnected, a command fails at once instead of queueing
    maxRetriesPerRequest: 0 // a command in flight when the connection drops fails, and is not sent again
  })
  // ioredis reports every failed reconnection; say it once per outage.
  let state: 'starting' | 'up' | 'down' = 'starting'
  let lastError = ''
  client.on('error', (err) => {
    lastError = err.message
    if (state !== 'up') return
    state = 'down'
    console.error(`instance ${name}: Redis unreachable (${err.message}); step-up answers 503 until it is back`)
  })
  client.on('ready', () => {
    if (state === 'down') console.error(`instance ${name}: Redis is back`)
    state = 'up'
  })
  try {
    await client.connect()
  } catch {
    console.error(`Cannot reach Redis at ${redisUrl} (${lastError}). Start one with \`redis-server\`, or set REDIS_URL.`)
    process.exit(1)
  }
  return client
}

// One factor storage for both, as both would read one database: a factor enrolled through A works on B at once.
const demo = await demoFactors()
const apps: ExampleApp[] = []
for (const { name, port, variable } of instances) {
  const client = await connectRedis(name)
  const app = await buildApp({ mailer, instance: name, store: new RedisStore({ client, prefix }), demo })
  // The store never closes the client; the app made it, so the app closes it.
  app.addHook('onClose', async () => { await client.quit() })
  await app.listen({ port, host }).catch((err: unknown) => exitIfPortUnusable(err, { port, variable, command: 'npm run example:redis' }))
  apps.push(app)
}

const [a, b] = apps.map((app) => reachableBase(app, host)) as [string, string]
const mailbox = smtpUrl ? `sent through ${new URL(smtpUrl).host}, look in that mailbox` : 'printed in this console'
console.log(`\nInstance A: ${a}\nInstance B: ${b}\nBoth keep step-up state in ${redisUrl}. Send a code through one, verify it on the other:\n`)
console.log(`${walkThrough({ base: a, mailbox, other: b, backupCode: apps[0]!.demo.backupCodes[0]! })}\n`)
console.log(`Listening on ${a} and ${b} (Ctrl-C to stop).`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    Promise.all(apps.map((app) => app.close())).then(() => mailer.close()).then(() => process.exit(0), () => process.exit(1))
  })
}

// Redis goes away mid-test, or stops answering: every step-up route answers 503 at once with a stable
// code, nothing is issued, the guard still denies, the process keeps serving, and the same instances
// work again when Redis is back. Each test runs its own redis-server, to stop or pause it.
import type { EventEmitter } from 'node:events'
import t from 'tap'
import { RedisStore } from '../lib/index.js'
import { as, buildApp, sendCode, stepUpToken, type TestApp } from './helpers/app.js'
import { connect, redisSkipReason, startRedisServer, uniquePrefix } from './helpers/redis.js'

const skip = redisSkipReason(true)

/** The next `name` event. Unlike events.once, not cut short by the 'error' events of a client retrying. */
function event (emitter: EventEmitter, name: string): Promise<void> {
  return new Promise((resolve) => emitter.once(name, () => resolve()))
}

function send ({ app }: TestApp, email = 'alice@example.com') {
  return app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email } })
}

function verify ({ app }: TestApp, challengeId: string, code: string) {
  return app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId, code } })
}

t.test('Redis stops and starts again: 503 while it is down, the same instances recover', { skip }, async (t) => {
  const server = await startRedisServer(t)
  // A has the client options the README recommends: while disconnected, a command fails at once.
  // B has ioredis's defaults, which queue commands while disconnected: the store's timeout answers.
  // Both retry the connection every 20 ms, so they notice the restart quickly.
  const clientA = await connect(t, server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 20 })
  const clientB = await connect(t, server.url, { retryStrategy: () => 20 })
  const prefix = uniquePrefix()
  const routes = [{ url: '/wire', requirement: { singleUse: true } }]
  const a = await buildApp(t, { routes, store: (clock) => new RedisStore({ client: clientA, prefix, clock }) })
  const b = await buildApp(t, { routes, store: (clock) => new RedisStore({ client: clientB, prefix, clock, timeout: 200 }) })
  const token = await stepUpToken(a)
  const pending = await sendCode(b, 'alice', 'alice.work@example.org')
  const mailsBefore = a.mailbox.messages.length + b.mailbox.messages.length

  const closed = [event(clientA, 'close'), event(clientB, 'close')]
  await server.stop()
  await Promise.all(closed)

  for (const [name, instance] of [['A', a], ['B', b]] as const) {
    const sent = await send(instance)
    t.equal(sent.statusCode, 503, `${name}: send answers 503`)
    t.equal(sent.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
    t.notMatch(sent.body, /ECONNREFUSED|Redis|enableOfflineQueue/, 'the cause is logged, not shown')
    t.notOk(sent.json().challengeId)

    const verified = await verify(instance, pending.challengeId, pending.code)
    t.equal(verified.statusCode, 503, `${name}: verify answers 503`)
    t.equal(verified.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
    t.notOk(verified.json().token, 'no token')

    const bare = await instance.app.inject({ url: '/documents/1', headers: as('alice') })
    t.equal(bare.statusCode, 401, `${name}: the guard denies a request without a token`)
    const forged = await instance.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token + 'x' } })
    t.equal(forged.statusCode, 401, `${name}: and one with a bad token`)
    // A single-use route must spend the token in the store: it cannot, so it refuses.
    const once = await instance.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })
    t.equal(once.statusCode, 503, `${name}: a single-use route denies a valid token it cannot spend`)
    t.equal(once.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
    // Elsewhere the guard checks the token's signature and claims and reads no store.
    const valid = await instance.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })
    t.equal(valid.statusCode, 200, `${name}: a valid token on a reusable route needs no store`)

    const methods = await instance.app.inject({ url: '/step-up/methods', headers: as('alice') })
    t.equal(methods.statusCode, 200, `${name}: routes that need no store keep serving`)
  }
  t.equal(a.mailbox.messages.length + b.mailbox.messages.length, mailsBefore, 'no mail went out during the outage')

  const ready = [event(clientA, 'ready'), event(clientB, 'ready')]
  await server.start()
  await Promise.all(ready)

  // The server came back empty (it keeps nothing on disk): the pending challenge is gone, and asking
  // for it fails closed like any unknown challenge.
  t.equal((await verify(a, pending.challengeId, pending.code)).json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
  const { challengeId, code } = await sendCode(a, 'alice', 'alice@example.com')
  t.equal((await verify(b, challengeId, code)).statusCode, 200, 'sent through A, verified on B: both instances are back')
  const fresh = await stepUpToken(b, 'alice', 'alice.work@example.org')
  t.equal((await a.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': fresh } })).statusCode, 200,
    'B runs a whole flow again, and A spends its single-use token')
})

t.test('a Redis that stops answering: each operation gives up after its timeout, the route answers 503', { skip }, async (t) => {
  const server = await startRedisServer(t)
  const client = await connect(t, server.url)
  const admin = await connect(t, server.url)
  const store = new RedisStore({ client, prefix: uniquePrefix(), timeout: 100 })
  const testApp = await buildApp(t, { store: (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock, timeout: 100 }) })

  // Redis holds every script until unpaused: a server that is up but stuck, to the store.
  await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE')
  t.teardown(() => admin.call('CLIENT', 'UNPAUSE'))
  await t.rejects(store.markOnce('m', 1000), { message: 'RedisStore markOnce: no reply from Redis within 100 ms' })
  const sent = await send(testApp)
  t.equal(sent.statusCode, 503)
  t.equal(sent.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
  t.equal(testApp.mailbox.messages.length, 0)

  await admin.call('CLIENT', 'UNPAUSE')
  t.ok(await stepUpToken(testApp), 'once Redis answers, the same app works')
})

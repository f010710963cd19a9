// Two instances of the app behind one Redis (and behind one Redis Cluster), as behind a load balancer: whatever one instance
// records, the other sees: used codes, authenticator steps and single-use tokens, attempts, lockouts,
// cooldowns and send limits. Each instance has its own ioredis client, RedisStore, mailbox and clock
// (both clocks start at the same instant and the tests move them together).
import { generate } from 'otplib'
import t, { type Test } from 'tap'
import { RedisStore, type RedisScriptClient } from '../lib/index.js'
import { ALICE, as, buildApp, sendCode, stepUpToken, type BuildOptions, type TestApp } from './helpers/app.js'
import { connect, redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'
import { clusterSkipReason, startRedisCluster } from './helpers/redis-cluster.js'

function verify ({ app }: TestApp, challengeId: string, code: string, session = 's1') {
  return app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice', session), payload: { challengeId, code } })
}

function send ({ app }: TestApp, email = 'alice@example.com') {
  return app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email } })
}

function verifyTotp ({ app }: TestApp, code: string) {
  return app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('alice'), payload: { code } })
}

/** Alice's authenticator code at the instance's clock, `steps` periods away. */
function totpCode ({ clock }: TestApp, steps = 0): Promise<string> {
  return generate({ secret: ALICE.totpSecret, epoch: Math.floor(clock.now() / 1000) + steps * 30 })
}

/** A code that is surely wrong for `code`. */
function wrong (code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10))
}

/** The scenarios, for two instances whose clients `connectClient` makes (one client each). */
function twoInstances (t: Test, connectClient: (t: Test) => Promise<RedisScriptClient>): void {
  /** Instances A and B, each with its own client, sharing a key prefix no other test uses. */
  async function instances (t: Test, build: Omit<BuildOptions, 'store'> = {}): Promise<{ a: TestApp, b: TestApp, advance (ms: number): void }> {
    const prefix = uniquePrefix()
    const [clientA, clientB] = await Promise.all([connectClient(t), connectClient(t)])
    const a = await buildApp(t, { ...build, store: (clock) => new RedisStore({ client: clientA, prefix, clock }) })
    const b = await buildApp(t, { ...build, store: (clock) => new RedisStore({ client: clientB, prefix, clock }) })
    return { a, b, advance: (ms) => { a.clock.advance(ms); b.clock.advance(ms) } }
  }

  t.test('a code sent through A verifies on B, and the token from B opens a route on A', async (t) => {
    const { a, b } = await instances(t)
    const { challengeId, code } = await sendCode(a, 'alice', 'alice@example.com')
    const verified = await verify(b, challengeId, code)
    t.equal(verified.statusCode, 200)
    const document = await a.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': verified.json().token } })
    t.equal(document.statusCode, 200)
  })

  t.test('a code used on A is refused on B', async (t) => {
    const { a, b } = await instances(t)
    const { challengeId, code } = await sendCode(a, 'alice', 'alice@example.com')
    t.equal((await verify(a, challengeId, code)).statusCode, 200)
    const replay = await verify(b, challengeId, code)
    t.equal(replay.statusCode, 400)
    t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED')
  })

  t.test('an authenticator code accepted on A is refused on B, and so is the step before it', async (t) => {
    const { a, b } = await instances(t, { allMethods: true })
    const previous = await totpCode(a, -1)
    const current = await totpCode(a)
    t.equal((await verifyTotp(a, current)).statusCode, 200)
    const replay = await verifyTotp(b, current)
    t.equal(replay.statusCode, 400)
    t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED')
    t.equal((await verifyTotp(b, previous)).json().code, 'FST_STEP_UP_CODE_USED', 'an earlier step, though within drift')
  })

  t.test('200 concurrent verifies of one authenticator code, split across A and B: exactly one token', async (t) => {
    const { a, b } = await instances(t, { allMethods: true, plugin: { lockout: { maxFailures: 100 } } })
    const code = await totpCode(a)
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => verifyTotp(i % 2 ? a : b, code)))
    t.equal(replies.filter((r) => r.statusCode === 200).length, 1)
    const refused = replies.filter((r) => r.statusCode !== 200).map((r) => r.json().code)
    t.ok(refused.includes('FST_STEP_UP_CODE_USED'), 'some were told the code was used')
    t.same(refused.filter((c) => c !== 'FST_STEP_UP_CODE_USED' && c !== 'FST_STEP_UP_LOCKED'), [], 'the rest were over the per-user cap')
  })

  t.test('a single-use token spent on A is refused on B', async (t) => {
    const { a, b } = await instances(t, { routes: [{ url: '/wire', requirement: { singleUse: true } }] })
    const token = await stepUpToken(a)
    t.equal((await a.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })).statusCode, 200)
    const again = await b.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })
    t.equal(again.statusCode, 401)
    t.equal(again.json().code, 'FST_STEP_UP_TOKEN_USED')
  })

  t.test('200 concurrent uses of one single-use token, split across A and B: exactly one gets through', async (t) => {
    const { a, b } = await instances(t, { routes: [{ url: '/wire', requirement: { singleUse: true } }] })
    const token = await stepUpToken(a)
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      (i % 2 ? a : b).app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })))
    t.equal(replies.filter((r) => r.statusCode === 200).length, 1)
    t.same([...new Set(replies.filter((r) => r.statusCode !== 200).map((r) => r.json().code))], ['FST_STEP_UP_TOKEN_USED'])
  })

  t.test('wrong guesses on A and on B count against one attempt cap', async (t) => {
    const { a, b } = await instances(t)
    const { challengeId, code } = await sendCode(a, 'alice', 'alice@example.com')
    const codes = []
    for (const instance of [a, b, a, b, a]) codes.push((await verify(instance, challengeId, wrong(code))).json().code)
    t.same(codes, [
      'FST_STEP_UP_CODE_INVALID', 'FST_STEP_UP_CODE_INVALID', 'FST_STEP_UP_CODE_INVALID',
      'FST_STEP_UP_CODE_INVALID', 'FST_STEP_UP_ATTEMPTS_EXHAUSTED'
    ])
    t.equal((await verify(b, challengeId, code)).json().code, 'FST_STEP_UP_ATTEMPTS_EXHAUSTED', 'the right code is refused on B too')
  })

  t.test('the lockout earned on A holds on B, and ends on both', async (t) => {
    const { a, b, advance } = await instances(t, { plugin: { lockout: { maxFailures: 3, duration: '15m' } } })
    const { challengeId, code } = await sendCode(a, 'alice', 'alice@example.com')
    await verify(a, challengeId, wrong(code))
    await verify(a, challengeId, wrong(code))
    const locking = await verify(a, challengeId, wrong(code))
    t.equal(locking.json().code, 'FST_STEP_UP_LOCKED')

    const sendOnB = await send(b, 'alice.work@example.org')
    t.equal(sendOnB.statusCode, 429)
    t.equal(sendOnB.json().code, 'FST_STEP_UP_LOCKED')
    t.equal(sendOnB.headers['retry-after'], '900')
    const rightOnB = await verify(b, challengeId, code)
    t.equal(rightOnB.json().code, 'FST_STEP_UP_LOCKED', 'not even the right code passes on B')

    advance(15 * 60 * 1000)
    t.ok(await stepUpToken(b, 'alice', 'alice.work@example.org'), 'after the lock, B works')
    t.equal((await send(a)).statusCode, 202, 'and so does A')
  })

  t.test('the resend cooldown and the send limit hold across instances', async (t) => {
    const { a, b, advance } = await instances(t, { plugin: { sendLimit: { max: 3, window: '1h' }, codes: { resendCooldown: '30s' } } })
    t.equal((await send(a)).statusCode, 202)
    advance(10_000)
    const early = await send(b)
    t.equal(early.statusCode, 429)
    t.equal(early.json().code, 'FST_STEP_UP_RESEND_TOO_SOON')
    t.equal(early.headers['retry-after'], '20')

    t.equal((await send(b, 'alice.work@example.org')).statusCode, 202, 'second code, through B')
    advance(20_000)
    t.equal((await send(b)).statusCode, 202, 'third code, through B after the cooldown')
    advance(30_000)
    const over = await send(a, 'alice.work@example.org')
    t.equal(over.statusCode, 429)
    t.equal(over.json().code, 'FST_STEP_UP_SEND_LIMIT', 'the fourth is refused on A')
    t.equal(a.mailbox.messages.length + b.mailbox.messages.length, 3, 'three mails went out in all')
  })
}

t.test('two instances, one Redis', { skip: redisSkipReason() }, async (t) => {
  const url = await sharedRedisUrl(t)
  twoInstances(t, (t) => connect(t, url))
})

// The same with Redis Cluster: each instance has its own ioredis Cluster client. A user's keys
// (lock, logs, cooldowns, challenges) share the user's hash tag, so all of alice's are on one
// master; spent-token marks hash on the token id, anywhere.
t.test('two instances, one Redis Cluster', { skip: clusterSkipReason() }, async (t) => {
  const cluster = await startRedisCluster(t)
  twoInstances(t, (t) => cluster.connect(t))
  t.test("the scenarios put the user's keys on one master", async (t) => {
    const keys = await cluster.keysPerMaster('step-up-test:*')
    t.equal(keys.size, 3)
    const alices = await cluster.keysPerMaster('step-up-test:*{alice}*')
    t.equal([...alices.values()].filter((count) => count > 0).length, 1, `one master holds alice's keys: ${[...alices.values()].join(', ')}`)
  })
  // Users spread over the masters: under the slot ranges that \`redis-cli --cluster create\` gives
  // three masters, alice's group hashes to the first, bob's to the second and ivan's to the third.
  t.test("several users' cycles across A and B: keys on every master, each user's on one", async (t) => {
    const prefix = uniquePrefix()
    const [clientA, clientB] = await Promise.all([cluster.connect(t), cluster.connect(t)])
    const getUser = (request: { headers: Record<string, string | string[] | undefined> }) => {
      const id = String(request.headers['x-user'])
      return { id, sessionId: String(request.headers['x-session']), emails: [`${id}@example.com`] }
    }
    const a = await buildApp(t, { plugin: { getUser }, store: (clock) => new RedisStore({ client: clientA, prefix, clock }) })
    const b = await buildApp(t, { plugin: { getUser }, store: (clock) => new RedisStore({ client: clientB, prefix, clock }) })
    const people = ['alice', 'bob', 'ivan']
    for (const id of people) {
      const { challengeId, code } = await sendCode(a, id, `${id}@example.com`)
      const verified = await b.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as(id), payload: { challengeId, code } })
      t.equal(verified.statusCode, 200, `${id}: a code sent through A verifies on B`)
    }
    const all = await cluster.keysPerMaster(`${prefix}*`)
    t.equal(all.size, 3)
    t.ok([...all.values()].every((count) => count > 0), `every master holds keys: ${[...all.values()].join(', ')}`)
    for (const id of people) {
      const own = await cluster.keysPerMaster(`${prefix}*{${id}}*`)
      t.equal([...own.values()].filter((count) => count > 0).length, 1, `${id}'s keys are on one master`)
    }
  })
})

// Store round trips per step-up, counted: a store that counts its calls (a MemoryStore wrapped), with
// the composite operations (what MemoryStore and RedisStore have) and without them (a store written
// against the primitives only, which the plugin composes), on both frameworks; then a real Redis
// counted by its own INFO commandstats. At most two round trips for a send and two for a verify.
import type { Test } from 'tap'
import t from 'tap'
import { RedisStore, type StepUpStore } from '../lib/index.js'
import { ALICE, as, buildApp, frameworks, sendCode, type BuildOptions, type Framework, type TestApp } from './helpers/app.js'
import { totpCode } from './helpers/factors.js'
import { SoftAuthenticator } from './helpers/passkey.js'
import { connect, redisSkipReason, startRedisServer, uniquePrefix } from './helpers/redis.js'
import { codeIn } from './helpers/smtp.js'
import { wrapStore } from './helpers/stores.js'

type Counted = { store: StepUpStore, calls: string[], failing: Set<string> }

/** A MemoryStore that records the name of each call; a name in `failing` rejects. */
function countingStore (composites: boolean, clock: Parameters<typeof wrapStore>[1]): Counted {
  const calls: string[] = []
  const failing = new Set<string>()
  const { store } = wrapStore(async (name, _args, call) => {
    calls.push(name)
    if (failing.has(name)) throw new Error('connection reset')
    return call()
  }, clock, composites)
  return { store, calls, failing }
}

async function countedApp (t: Test, framework: Framework, composites: boolean, build: BuildOptions = {}): Promise<TestApp & Counted> {
  const counted = {} as Counted
  const testApp = await buildApp(t, {
    framework,
    allMethods: true,
    passkey: true,
    ...build,
    store: (clock) => Object.assign(counted, countingStore(composites, clock)).store
  })
  return Object.assign(testApp, counted)
}

function post (testApp: TestApp, url: string, payload: unknown, user = 'alice') {
  return testApp.app.inject({ method: 'POST', url: `/step-up${url}`, headers: as(user), payload })
}

/** The calls made by `run`, and its reply. */
async function calls<T> (testApp: TestApp & Counted, run: () => Promise<T>): Promise<{ reply: T, calls: string[] }> {
  testApp.calls.length = 0
  const reply = await run()
  return { reply, calls: testApp.calls.splice(0) }
}

// What each path costs: with the composite operations, and composed from the primitives (as every
// store did before them).
const PATHS = {
  send: { native: ['startSend'], composed: ['ttl', 'markOnce', 'logAdd', 'createChallenge'] },
  verifyRight: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'getChallenge', 'logAdd', 'countAttempt', 'consumeChallenge', 'logRemove'] },
  verifyWrong: { native: ['beginGuess'], composed: ['ttl', 'getChallenge', 'logAdd', 'countAttempt'] },
  verifyLocking: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'getChallenge', 'logAdd', 'countAttempt', 'markOnce', 'ttl'] },
  verifyLocked: { native: ['beginGuess'], composed: ['ttl'] },
  totpRight: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'logAdd', 'advance', 'logRemove'] },
  totpReplayed: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'logAdd', 'advance'] },
  totpWrong: { native: ['beginGuess'], composed: ['ttl', 'logAdd'] },
  passwordRight: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'logAdd', 'logAdd', 'logRemove'] },
  passwordWrong: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'logAdd', 'logAdd', 'logRemove'] },
  passkeyOptions: { native: ['startSend'], composed: ['ttl', 'logAdd', 'createChallenge'] },
  passkeyRight: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'getChallenge', 'logAdd', 'consumeChallenge', 'logRemove'] },
  passkeyWrong: { native: ['beginGuess'], composed: ['ttl', 'getChallenge', 'logAdd', 'consumeChallenge'] },
  otherAction: { native: ['beginGuess', 'endGuess'], composed: ['ttl', 'getChallenge', 'logAdd', 'countAttempt', 'consumeChallenge'] },
  // The failure paths that take more: a send whose delivery failed takes its challenge and its
  // cooldown back (so nothing usable is left, and the user may ask again at once).
  sendFailed: { native: ['startSend', 'deleteChallenge', 'delete'], composed: ['ttl', 'markOnce', 'logAdd', 'createChallenge', 'deleteChallenge', 'delete'] }
} as const

for (const framework of frameworks) {
  for (const kind of ['native', 'composed'] as const) {
    t.test(`${framework}, ${kind === 'native' ? 'with the composite operations' : 'a store of primitives only'}: round trips per path`, async (t) => {
      const testApp = await countedApp(t, framework, kind === 'native', {
        plugin: { lockout: { maxFailures: 3 }, password: { verify: (_user, password) => password === ALICE.password }, sendLimit: { max: 1000 } }
      })
      const expect = (path: keyof typeof PATHS, got: string[]) => {
        t.same(got, PATHS[path][kind], `${path}: ${PATHS[path][kind].length} round trips`)
      }

      // A code: send, then the right code.
      const sent = await calls(testApp, () => sendCode(testApp, 'alice', 'alice@example.com'))
      expect('send', sent.calls)
      const right = await calls(testApp, () => post(testApp, '/email/verify', { challengeId: sent.reply.challengeId, code: sent.reply.code }))
      t.equal(right.reply.statusCode, 200)
      expect('verifyRight', right.calls)

      // A credential: an authenticator code, right, then the same again (its step is spent), then wrong.
      testApp.clock.advance(30_000)
      const totp = await totpCode(testApp.clock, ALICE.totpSecret)
      const totpRight = await calls(testApp, () => post(testApp, '/totp/verify', { code: totp }))
      t.equal(totpRight.reply.statusCode, 200)
      expect('totpRight', totpRight.calls)
      const replayed = await calls(testApp, () => post(testApp, '/totp/verify', { code: totp }))
      t.equal(replayed.reply.json().code, 'FST_STEP_UP_CODE_USED')
      expect('totpReplayed', replayed.calls)
      const totpWrong = await calls(testApp, () => post(testApp, '/totp/verify', { code: totp === '000000' ? '000001' : '000000' }))
      t.equal(totpWrong.reply.json().code, 'FST_STEP_UP_CODE_INVALID')
      expect('totpWrong', totpWrong.calls)

      // A knowledge factor: its slot in the knowledge limit is given back when wrong.
      const passwordRight = await calls(testApp, () => post(testApp, '/password/verify', { password: ALICE.password }))
      t.equal(passwordRight.reply.statusCode, 200)
      expect('passwordRight', passwordRight.calls)
      // Two wrong guesses are counted now (the replayed and the wrong authenticator code): this one
      // is the third and locks; the lock of it is below, for codes. Let them leave the window first.
      testApp.clock.advance(15 * 60_000)
      const passwordWrong = await calls(testApp, () => post(testApp, '/password/verify', { password: 'not it' }))
      t.equal(passwordWrong.reply.json().code, 'FST_STEP_UP_CREDENTIAL_INVALID')
      expect('passwordWrong', passwordWrong.calls)

      // A ceremony: a passkey's options, then the right answer, then a wrong one.
      const key = new SoftAuthenticator({ transports: ['usb'] })
      testApp.passkeys.set('alice', [key.credential()])
      const options = await calls(testApp, () => post(testApp, '/passkey/options', {}))
      expect('passkeyOptions', options.calls)
      const { challengeId, options: { challenge } } = options.reply.json()
      const passkeyRight = await calls(testApp, () => post(testApp, '/passkey/verify', { challengeId, response: key.assert(challenge) }))
      t.equal(passkeyRight.reply.statusCode, 200)
      expect('passkeyRight', passkeyRight.calls)
      const again = (await post(testApp, '/passkey/options', {})).json()
      const passkeyWrong = await calls(testApp, () => post(testApp, '/passkey/verify', { challengeId: again.challengeId, response: key.assert(again.options.challenge, { tamper: true }) }))
      t.equal(passkeyWrong.reply.statusCode, 400)
      expect('passkeyWrong', passkeyWrong.calls)

      // A code for another action: a wrong guess that spends the challenge.
      testApp.clock.advance(15 * 60_000)
      const forAction = (await post(testApp, '/email/send', { email: 'alice@example.com', action: { name: 'payment', data: { amount: 1 } } })).json()
      const code = codeIn(await testApp.mailbox.next())
      const otherAction = await calls(testApp, () => post(testApp, '/email/verify', { challengeId: forAction.challengeId, code, action: { name: 'payment', data: { amount: 2 } } }))
      t.equal(otherAction.reply.json().code, 'FST_STEP_UP_ACTION_MISMATCH')
      expect('otherAction', otherAction.calls)

      // Wrong codes up to the lock, then a guess while locked.
      testApp.clock.advance(15 * 60_000)
      const { challengeId: locking, code: lockingCode } = await sendCode(testApp, 'alice', 'alice.work@example.org')
      const wrong = lockingCode === '000000' ? '000001' : '000000'
      const first = await calls(testApp, () => post(testApp, '/email/verify', { challengeId: locking, code: wrong }))
      t.equal(first.reply.json().code, 'FST_STEP_UP_CODE_INVALID')
      expect('verifyWrong', first.calls)
      await post(testApp, '/email/verify', { challengeId: locking, code: wrong })
      const third = await calls(testApp, () => post(testApp, '/email/verify', { challengeId: locking, code: wrong }))
      t.equal(third.reply.json().code, 'FST_STEP_UP_LOCKED')
      expect('verifyLocking', third.calls)
      const locked = await calls(testApp, () => post(testApp, '/email/verify', { challengeId: locking, code: lockingCode }))
      t.equal(locked.reply.json().code, 'FST_STEP_UP_LOCKED')
      expect('verifyLocked', locked.calls)

      // A send whose mail is refused.
      testApp.clock.advance(60 * 60_000)
      testApp.mailbox.refuse = true
      const failed = await calls(testApp, () => post(testApp, '/email/send', { email: 'alice@example.com' }))
      t.equal(failed.reply.statusCode, 502)
      expect('sendFailed', failed.calls)
    })
  }
}

t.test('a store that fails while a right guess is given back does not cost the token; nor a wrong one its answer', async (t) => {
  const testApp = await countedApp(t, 'fastify', true, { plugin: { password: { verify: (_user, password) => password === ALICE.password } } })
  testApp.failing.add('endGuess')
  const right = await post(testApp, '/password/verify', { password: ALICE.password })
  t.equal(right.statusCode, 200, 'the proof is made: a token')
  const wrong = await post(testApp, '/password/verify', { password: 'not it' })
  t.equal(wrong.json().code, 'FST_STEP_UP_CREDENTIAL_INVALID', 'the wrong answer is told, not a 503')
  const sent = await sendCode(testApp, 'alice', 'alice@example.com')
  const spend = await post(testApp, '/email/verify', { challengeId: sent.challengeId, code: sent.code })
  t.equal(spend.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE', 'but a code that cannot be spent gives no token')
  testApp.failing.delete('endGuess')
  const after = await post(testApp, '/email/verify', { challengeId: sent.challengeId, code: sent.code })
  t.equal(after.statusCode, 200, 'the code was not spent')
  testApp.failing.add('startSend')
  const send = await post(testApp, '/email/send', { email: 'alice.work@example.org' })
  t.equal(send.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
  testApp.failing.clear()
  t.equal((await post(testApp, '/email/send', { email: 'alice.work@example.org' })).statusCode, 202, 'a failed send left no cooldown')
})

/** The EVALSHA and EVAL calls Redis has answered, from its INFO commandstats. */
async function scriptCalls (client: Awaited<ReturnType<typeof connect>>): Promise<number> {
  const info = await client.info('commandstats')
  let total = 0
  for (const match of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) total += Number(match[2])
  return total
}

t.test('counted by Redis itself (INFO commandstats): a send, a verify', { skip: redisSkipReason(true) }, async (t) => {
  // A server of this test's own: no other test's calls in its counts.
  const server = await startRedisServer(t)
  const client = await connect(t, server.url)
  for (const framework of frameworks) {
    const testApp = await buildApp(t, { framework, allMethods: true, passkey: true, store: (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock }) })
    const measure = async (run: () => Promise<unknown>): Promise<number> => {
      const before = await scriptCalls(client)
      await run()
      // INFO itself is not a script, so the difference is the step-up's alone.
      return (await scriptCalls(client)) - before
    }
    let sent = { challengeId: '', code: '' }
    // The first call of each script is an EVALSHA refused with NOSCRIPT, then an EVAL: warm up with
    // one whole step-up and one wrong password, so every script is cached.
    const warm = await sendCode(testApp, 'bob', 'bob@example.com')
    t.equal((await post(testApp, '/email/verify', warm, 'bob')).statusCode, 200)
    await post(testApp, '/password/verify', { password: 'not it' }, 'bob')
    testApp.clock.advance(60_000)
    t.equal(await measure(async () => { sent = await sendCode(testApp, 'alice', 'alice@example.com') }), 1, `${framework}: a send is one script`)
    t.equal(await measure(async () => {
      const reply = await post(testApp, '/email/verify', { challengeId: sent.challengeId, code: sent.code })
      t.equal(reply.statusCode, 200)
    }), 2, `${framework}: a verify of a right code is two`)
    t.equal(await measure(async () => {
      const reply = await post(testApp, '/password/verify', { password: 'not it' })
      t.equal(reply.json().code, 'FST_STEP_UP_CREDENTIAL_INVALID')
    }), 2, `${framework}: a wrong password is two (its knowledge slot given back)`)
  }
})

t.test('the action a code is for binds the guess whatever store answers', async (t) => {
  // The mismatch path spends the challenge through endGuess; a later right code is refused.
  for (const composites of [true, false]) {
    const testApp = await countedApp(t, 'fastify', composites)
    const started = (await post(testApp, '/email/send', { email: 'alice@example.com', action: { name: 'payment', data: { amount: 1 } } })).json()
    const code = codeIn(await testApp.mailbox.next())
    const other = await post(testApp, '/email/verify', { challengeId: started.challengeId, code, action: { name: 'payment', data: { amount: 2 } } })
    t.equal(other.json().code, 'FST_STEP_UP_ACTION_MISMATCH')
    const same = await post(testApp, '/email/verify', { challengeId: started.challengeId, code, action: { name: 'payment', data: { amount: 1 } } })
    t.equal(same.json().code, 'FST_STEP_UP_CODE_USED', `${composites ? 'native' : 'composed'}: the challenge was spent`)
  }
})

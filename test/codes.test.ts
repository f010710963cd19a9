// One-time code rules: expiry, attempts, single use, binding, cooldown, send limit, lockout; and the
// codes, challenge ids and stored code hashes themselves. Many requests at once on one challenge or
// one user are races.test.ts's.
import t from 'tap'
import { codeMatches, deriveKeys, generateCode, hashCode, randomChallenge, randomId } from '../lib/core/secrets.js'
import { as, buildApp, frameworks, sendCode, type TestApp } from './helpers/app.js'
import { wrapStore } from './helpers/stores.js'

function verify ({ app }: TestApp, challengeId: string, code: string, user = 'alice', session = 's1') {
  return app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as(user, session), payload: { challengeId, code } })
}

function send ({ app }: TestApp, email = 'alice@example.com', user = 'alice') {
  return app.inject({ method: 'POST', url: '/step-up/email/send', headers: as(user), payload: { email } })
}

/** A code that is surely wrong for `code`. */
function wrong (code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10))
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('a wrong code is refused, and the right one still works after it', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      const bad = await verify(testApp, challengeId, wrong(code))
      t.equal(bad.statusCode, 400)
      t.equal(bad.json().code, 'FST_STEP_UP_CODE_INVALID')
      t.notMatch(bad.body, code, 'the reply never carries the code')
      const good = await verify(testApp, challengeId, code)
      t.equal(good.statusCode, 200)
    })

    t.test('a code of another length is just a wrong code', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      const bad = await verify(testApp, challengeId, code + '0')
      t.equal(bad.json().code, 'FST_STEP_UP_CODE_INVALID')
    })

    t.test('a code expires after 5 minutes by default', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      testApp.clock.advance(5 * 60 * 1000)
      const late = await verify(testApp, challengeId, code)
      t.equal(late.statusCode, 400)
      t.equal(late.json().code, 'FST_STEP_UP_CODE_EXPIRED')
      testApp.clock.advance(10 * 60 * 1000)
      const gone = await verify(testApp, challengeId, code)
      t.equal(gone.statusCode, 404, 'long after, the challenge is forgotten')
      t.equal(gone.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
    })

    t.test('one millisecond before expiry the code still works; the lifetime is configurable', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { codes: { ttl: '2m' } } })
      const sent = await send(testApp)
      t.equal(sent.json().expiresIn, 120)
      const code = (await testApp.mailbox.next()).text!.match(/code is (\d+)/)![1]!
      testApp.clock.advance(2 * 60 * 1000 - 1)
      const reply = await verify(testApp, sent.json().challengeId, code)
      t.equal(reply.statusCode, 200)
    })

    t.test('five wrong codes kill the challenge, even for the right code after them', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      const codes = []
      for (let i = 0; i < 5; i++) codes.push((await verify(testApp, challengeId, wrong(code))).json().code)
      t.same(codes, [
        'FST_STEP_UP_CODE_INVALID', 'FST_STEP_UP_CODE_INVALID', 'FST_STEP_UP_CODE_INVALID',
        'FST_STEP_UP_CODE_INVALID', 'FST_STEP_UP_ATTEMPTS_EXHAUSTED'
      ])
      const right = await verify(testApp, challengeId, code)
      t.equal(right.statusCode, 400)
      t.equal(right.json().code, 'FST_STEP_UP_ATTEMPTS_EXHAUSTED')
    })

    t.test('the attempt cap is configurable', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { codes: { maxAttempts: 1 } } })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      t.equal((await verify(testApp, challengeId, wrong(code))).json().code, 'FST_STEP_UP_ATTEMPTS_EXHAUSTED')
      t.equal((await verify(testApp, challengeId, code)).json().code, 'FST_STEP_UP_ATTEMPTS_EXHAUSTED')
    })

    t.test('a code works once: a replay is refused', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      t.equal((await verify(testApp, challengeId, code)).statusCode, 200)
      const replay = await verify(testApp, challengeId, code)
      t.equal(replay.statusCode, 400)
      t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED')
      t.notOk(replay.json().token)
    })

    t.test("another user's challenge looks like one that does not exist, and is not harmed", async (t) => {
      const testApp = await buildApp(t, { framework })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      for (let i = 0; i < 6; i++) {
        const reply = await verify(testApp, challengeId, code, 'bob')
        t.equal(reply.statusCode, 404)
        t.equal(reply.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
      }
      const unknown = await verify(testApp, 'A'.repeat(22), code)
      t.equal(unknown.json().message, (await verify(testApp, challengeId, code, 'bob')).json().message, 'same message as an unknown id')
      t.equal((await verify(testApp, challengeId, code)).statusCode, 200, "bob's tries did not use up alice's attempts")
    })

    t.test("another session's challenge is refused: a code is bound to the session that asked", async (t) => {
      const testApp = await buildApp(t, { framework })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com', 'laptop')
      const elsewhere = await verify(testApp, challengeId, code, 'alice', 'phone')
      t.equal(elsewhere.statusCode, 404)
      t.equal(elsewhere.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
      t.equal((await verify(testApp, challengeId, code, 'alice', 'laptop')).statusCode, 200)
    })

    t.test('resend cooldown: 30 s per destination, with Retry-After', async (t) => {
      const testApp = await buildApp(t, { framework })
      t.equal((await send(testApp)).statusCode, 202)
      testApp.clock.advance(10_000)
      const early = await send(testApp)
      t.equal(early.statusCode, 429)
      t.equal(early.json().code, 'FST_STEP_UP_RESEND_TOO_SOON')
      t.equal(early.headers['retry-after'], '20')
      t.equal((await send(testApp, 'alice.work@example.org')).statusCode, 202, 'another destination is not held back')
      testApp.clock.advance(20_000)
      t.equal((await send(testApp)).statusCode, 202, 'after the cooldown a new code can be sent')
      t.equal(testApp.mailbox.messages.length, 3, 'the refused send sent nothing')
    })

    t.test('send limit: at most N codes per user per window', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { sendLimit: { max: 3, window: '1h' }, codes: { resendCooldown: 1000 } } })
      for (let i = 0; i < 3; i++) {
        t.equal((await send(testApp)).statusCode, 202)
        testApp.clock.advance(1000)
      }
      const over = await send(testApp)
      t.equal(over.statusCode, 429)
      t.equal(over.json().code, 'FST_STEP_UP_SEND_LIMIT')
      t.equal(over.headers['retry-after'], String(3600 - 3))
      t.equal((await send(testApp, 'alice.work@example.org')).json().code, 'FST_STEP_UP_SEND_LIMIT', 'the limit is per user, not per address')
      t.equal((await send(testApp, 'bob@example.com', 'bob')).statusCode, 202, 'other users are not affected')
      testApp.clock.advance(3600_000)
      t.equal((await send(testApp)).statusCode, 202, 'a new window allows sending again')
    })

    t.test('lockout: 10 failures across challenges lock step-up for the user, then it unlocks', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { codes: { resendCooldown: 1000 } } })
      const first = await sendCode(testApp, 'alice', 'alice@example.com')
      for (let i = 0; i < 5; i++) await verify(testApp, first.challengeId, wrong(first.code))
      testApp.clock.advance(1000)
      const second = await sendCode(testApp, 'alice', 'alice@example.com', 'other-session')
      for (let i = 0; i < 4; i++) {
        t.equal((await verify(testApp, second.challengeId, wrong(second.code), 'alice', 'other-session')).json().code, 'FST_STEP_UP_CODE_INVALID')
      }
      const tenth = await verify(testApp, second.challengeId, wrong(second.code), 'alice', 'other-session')
      t.equal(tenth.statusCode, 429)
      t.equal(tenth.json().code, 'FST_STEP_UP_LOCKED')
      t.equal(tenth.headers['retry-after'], '900')

      testApp.clock.advance(1000)
      const third = await send(testApp)
      t.equal(third.json().code, 'FST_STEP_UP_LOCKED', 'a locked user cannot get new codes')
      t.equal(third.headers['retry-after'], '899')
      const fresh = await verify(testApp, second.challengeId, second.code, 'alice', 'other-session')
      t.equal(fresh.json().code, 'FST_STEP_UP_LOCKED', 'not even the right code gets through while locked')
      t.equal((await send(testApp, 'bob@example.com', 'bob')).statusCode, 202, 'other users are not locked')

      testApp.clock.advance(15 * 60 * 1000)
      t.equal((await send(testApp)).statusCode, 202, 'the lock ends after its duration')
    })

    t.test('a success gives back only its own guess: earlier failures stay counted until their window passes', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { lockout: { maxFailures: 3 }, codes: { resendCooldown: 1000 } } })
      const a = await sendCode(testApp, 'alice', 'alice@example.com')
      await verify(testApp, a.challengeId, wrong(a.code))
      await verify(testApp, a.challengeId, wrong(a.code))
      t.equal((await verify(testApp, a.challengeId, a.code)).statusCode, 200)
      testApp.clock.advance(1000)
      const b = await sendCode(testApp, 'alice', 'alice@example.com')
      t.equal((await verify(testApp, b.challengeId, wrong(b.code))).json().code, 'FST_STEP_UP_LOCKED', 'the third failure in 15 minutes locks, success or not')
      testApp.clock.advance(15 * 60_000)
      const c = await sendCode(testApp, 'alice', 'alice@example.com')
      t.equal((await verify(testApp, c.challengeId, wrong(c.code))).json().code, 'FST_STEP_UP_CODE_INVALID', 'once the lock and the window are over')
      t.equal((await verify(testApp, c.challengeId, c.code)).statusCode, 200, 'the right code is compared again')
    })

    t.test('failures older than the lockout window are forgotten', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { lockout: { maxFailures: 2, window: '1m' } } })
      const a = await sendCode(testApp, 'alice', 'alice@example.com')
      await verify(testApp, a.challengeId, wrong(a.code))
      testApp.clock.advance(60_000)
      t.equal((await verify(testApp, a.challengeId, wrong(a.code))).json().code, 'FST_STEP_UP_CODE_INVALID')
      t.equal((await verify(testApp, a.challengeId, wrong(a.code))).json().code, 'FST_STEP_UP_LOCKED')
    })

    t.test('a challenge that expires between being read and being counted is reported expired', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        store: (clock) => wrapStore(async (name, _args, call) => name === 'countAttempt' ? undefined : call(), clock).store
      })
      const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
      const reply = await verify(testApp, challengeId, code)
      t.equal(reply.statusCode, 400)
      t.equal(reply.json().code, 'FST_STEP_UP_CODE_EXPIRED')
    })
  })
}

t.test('codes are digits of the asked length, from the whole range', async (t) => {
  const codes = Array.from({ length: 2000 }, () => generateCode(6))
  t.ok(codes.every((code) => /^\d{6}$/.test(code)), 'always six digits')
  t.equal(new Set(codes.map((code) => code[0])).size, 10, 'leading zeros and every first digit occur')
  t.match(generateCode(10), /^\d{10}$/)
  t.match(randomId(), /^[A-Za-z0-9_-]{22}$/)
  t.not(randomId(), randomId())
})

t.test('ids and challenges cut from the random pool are never handed out twice, across refills', async (t) => {
  // Mixed sizes, so the pool runs out at an offset that is not a multiple of either.
  const drawn = Array.from({ length: 3000 }, (_, i) => i % 3 === 0 ? randomChallenge() : randomId())
  t.ok(drawn.every((value, i) => (i % 3 === 0 ? /^[A-Za-z0-9_-]{43}$/ : /^[A-Za-z0-9_-]{22}$/).test(value)), '43 and 22 characters')
  t.equal(new Set(drawn).size, drawn.length, 'all distinct')
  const bytes = Buffer.concat(drawn.map((value) => Buffer.from(value, 'base64url')))
  const ones = [...bytes].reduce((sum, byte) => sum + byte.toString(2).replaceAll('0', '').length, 0)
  // 512,000 random bits: the share of ones is 0.5 within 0.005 (over 7 standard deviations).
  t.ok(Math.abs(ones / (bytes.length * 8) - 0.5) < 0.005, `about half the bits are set: ${ones} of ${bytes.length * 8}`)
})

t.test('a code is stored as an HMAC bound to its challenge', async (t) => {
  const keys = deriveKeys(Buffer.alloc(32, 7))
  const stored = hashCode(keys.code, 'c1', '123456')
  t.notMatch(stored, '123456')
  t.ok(codeMatches(keys.code, 'c1', '123456', stored))
  t.notOk(codeMatches(keys.code, 'c1', '123457', stored))
  t.notOk(codeMatches(keys.code, 'c2', '123456', stored), 'the same code for another challenge does not match')
  t.notOk(codeMatches(keys.code, 'c1', '123456', stored.slice(0, 10)), 'a damaged stored value never matches')
  t.notOk(codeMatches(deriveKeys(Buffer.alloc(32, 8)).code, 'c1', '123456', stored), 'another secret does not match')
  t.not(Buffer.from(keys.token).toString('hex'), keys.code.toString('hex'), 'each purpose has its own key')
})

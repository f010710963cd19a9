// Factor management's limits (issue 19, point 5): enrollment guesses count toward the same lockout,
// at most N factors of a kind, a pending enrollment expires and never counts, labels are bounded
// plain text, a removed factor stops at once on every instance, and bad input is a 4xx with a
// stable code. On both frameworks and both stores.
import t, { type Test } from 'tap'
import { MemoryFactorStorage, MemoryStore } from '../lib/index.js'
import { as, type Framework } from './helpers/app.js'
import {
  buildFactorApp,
  enrollPasskey,
  enrollTotp,
  headers,
  listFactors,
  onEveryStack,
  passkeyToken,
  passwordToken,
  totpCode,
  totpToken,
  type StoreFactory
} from './helpers/factors.js'
import { FLAGS, SoftAuthenticator } from './helpers/passkey.js'

async function scenarios (t: Test, framework: Framework, store: StoreFactory): Promise<void> {
  t.test('a wrong first code counts toward the lockout, and the lock stops enrolling too', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store, plugin: { lockout: { maxFailures: 3 } } })
    const { app, clock, events } = testApp
    const started = (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    const token = await passwordToken(testApp, 'bob')
    const guess = (code: string) => app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code } })
    t.equal((await guess('000000')).json().code, 'FST_STEP_UP_CODE_INVALID')
    t.equal((await guess('000001')).json().code, 'FST_STEP_UP_CODE_INVALID')
    const locking = await guess('000002')
    t.equal(locking.statusCode, 429)
    t.equal(locking.json().code, 'FST_STEP_UP_LOCKED')
    t.equal(locking.headers['retry-after'], '900')
    // Locked: the right code is not even compared, and step-ups are locked as well.
    t.equal((await guess(await totpCode(clock, started.secret))).json().code, 'FST_STEP_UP_LOCKED')
    t.equal((await app.inject({ method: 'POST', url: '/step-up/password/verify', headers: as('bob'), payload: { password: 'x' } })).json().code, 'FST_STEP_UP_LOCKED')
    t.ok(events.some((event) => event.type === 'user.locked' && event.userId === 'bob' && event.method === 'totp'), 'the lock is reported for the enrollment')
    t.same((await listFactors(testApp, 'bob')).factors, [])
  })

  t.test('codes per pending app, and a right code gives its guess back', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store, plugin: { codes: { maxAttempts: 2 }, lockout: { maxFailures: 4 } } })
    const { app, clock } = testApp
    const token = await passwordToken(testApp, 'bob')
    const start = async () => (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    const guess = (code: string) => app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code } })
    await start()
    t.equal((await guess('000000')).json().code, 'FST_STEP_UP_CODE_INVALID')
    t.equal((await guess('000001')).json().code, 'FST_STEP_UP_ATTEMPTS_EXHAUSTED', 'the last guess of a pending app')
    t.equal((await guess('000002')).json().code, 'FST_STEP_UP_ATTEMPTS_EXHAUSTED', 'none left: not compared')
    // A new start is a new secret with its own guesses. Two failures are logged (the guess with
    // none left was not compared, so not counted), and the right code gives back its own guess only.
    const again = await start()
    t.equal((await guess(await totpCode(clock, again.secret))).statusCode, 200)
    const wrong = () => app.inject({ method: 'POST', url: '/step-up/password/verify', headers: as('bob'), payload: { password: 'wrong' } })
    t.equal((await wrong()).json().code, 'FST_STEP_UP_CREDENTIAL_INVALID', 'the third failure')
    t.equal((await wrong()).json().code, 'FST_STEP_UP_LOCKED', 'the fourth locks: the enrollment\'s two failures stayed counted')
  })

  t.test('a pending app expires, and never counts as a factor', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store, factors: { enrollmentTtl: '2m' } })
    const { app, clock } = testApp
    const started = (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    t.equal(started.expiresIn, 120)
    const token = await passwordToken(testApp, 'bob')
    clock.advance(2 * 60_000)
    const late = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code: await totpCode(clock, started.secret) } })
    t.equal(late.json().code, 'FST_STEP_UP_CODE_EXPIRED')
    clock.advance(2 * 60_000)
    const gone = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code: await totpCode(clock, started.secret) } })
    t.equal(gone.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'then it is gone')
    t.same((await listFactors(testApp, 'bob')).factors, [])
    const stepUp = await app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: await totpCode(clock, started.secret) } })
    t.equal(stepUp.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
    // A new start in the same session replaces the pending one: the first secret is dead at once.
    const first = (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    const second = (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    t.not(first.secret, second.secret)
    const fresh = await passwordToken(testApp, 'bob')
    const stale = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', fresh), payload: { code: await totpCode(clock, first.secret) } })
    t.equal(stale.json().code, 'FST_STEP_UP_CODE_INVALID')
  })

  t.test('at most N of a kind, and starts per window', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store, factors: { totp: { max: 1 }, passkey: { rpID: 'example.com', origin: 'https://example.com', max: 1 } }, plugin: { sendLimit: { max: 4 } } })
    const { app } = testApp
    const { secret } = await enrollTotp(testApp, await passwordToken(testApp, 'bob'), 'bob')
    const more = await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })
    t.equal(more.statusCode, 409)
    t.equal(more.json().code, 'FST_STEP_UP_FACTOR_LIMIT')
    await enrollPasskey(testApp, await totpToken(testApp, secret, 'bob'), 'bob')
    t.equal((await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('bob'), payload: {} })).json().code, 'FST_STEP_UP_FACTOR_LIMIT')
    // Starts are limited per user like code sends (sendLimit), so a session cannot fill the store.
    for (let i = 0; i < 4; i++) t.equal((await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('dave'), payload: {} })).statusCode, 200)
    const limited = await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('dave'), payload: {} })
    t.equal(limited.statusCode, 429)
    t.equal(limited.json().code, 'FST_STEP_UP_SEND_LIMIT')
    t.ok(Number(limited.headers['retry-after']) > 0)
  })

  t.test('a removed factor stops at once on every instance', async (t) => {
    // Two instances sharing the store and the factor storage, their clocks kept together.
    let shared: ReturnType<StoreFactory> | undefined
    const sharedStore: StoreFactory = (clock) => (shared ??= store(clock))
    const storage = new MemoryFactorStorage()
    const one = await buildFactorApp(t, { framework, store: sharedStore, storage })
    const two = await buildFactorApp(t, { framework, store: sharedStore, storage })
    const tick = (ms: number) => { one.clock.advance(ms); two.clock.advance(ms) }
    const { secret, factor } = await enrollTotp(one, await passwordToken(one, 'bob'), 'bob')
    tick(30_000)
    const code = await totpCode(two.clock, secret)
    const onTwo = await two.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code } })
    t.equal(onTwo.statusCode, 200, 'enrolled on one, works on two at once')
    const replay = await one.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code } })
    t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED', 'a code used on two is spent on one')
    const token = onTwo.json().token
    t.equal((await one.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '2580' } })).statusCode, 200)
    t.equal((await two.app.inject({ method: 'DELETE', url: `/step-up/factors/${factor.id}`, headers: headers('bob', 's1', token) })).json().code,
      'FST_STEP_UP_TOKEN_USED', 'a token spent on one is spent on two')
    tick(30_000)
    const fresh = (await one.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: await totpCode(one.clock, secret) } })).json().token
    t.equal((await one.app.inject({ method: 'DELETE', url: `/step-up/factors/${factor.id}`, headers: headers('bob', 's1', fresh) })).statusCode, 200)
    tick(30_000)
    const after = await two.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: await totpCode(two.clock, secret) } })
    t.equal(after.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE', 'removed on one, refused on two')
  })
}

onEveryStack(t, scenarios)

t.test('labels are bounded plain text', async (t) => {
  for (const framework of ['fastify', 'express'] as const) {
    t.test(framework, async (t) => {
      const testApp = await buildFactorApp(t, { framework, store: (clock) => new MemoryStore({ clock }) })
      const { app, clock } = testApp
      const started = (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
      const token = await passwordToken(testApp, 'bob')
      const confirm = async (label: unknown) => app.inject({
        method: 'POST',
        url: '/step-up/factors/totp/confirm',
        headers: headers('bob', 's1', token),
        payload: { code: await totpCode(clock, started.secret), label }
      })
      for (const label of ['<img src=x onerror=alert(1)>', 'a\u0000b', 'line\nbreak', 'evil\u202Etxt.exe', 'zero\u200Bwidth', 'x'.repeat(65), '', 42]) {
        const refused = await confirm(label)
        t.equal(refused.statusCode, 400, JSON.stringify(label))
        t.equal(refused.json().code, 'FST_STEP_UP_INVALID_REQUEST')
      }
      const blank = await confirm('   ')
      t.match(blank.json(), { code: 'FST_STEP_UP_INVALID_REQUEST', message: /label must contain more than spaces/ })
      const ok = await confirm('  Téléphone d\'Élise 📱 "work" & co  ')
      t.equal(ok.statusCode, 200)
      t.equal(ok.json().factor.label, 'Téléphone d\'Élise 📱 "work" & co', 'trimmed, and returned as JSON text')
      t.equal((await listFactors(testApp, 'bob')).factors[0].label, 'Téléphone d\'Élise 📱 "work" & co')
    })
  }
})

t.test('bad input is a 4xx with a stable code, never a 500', async (t) => {
  for (const framework of ['fastify', 'express'] as const) {
    t.test(framework, async (t) => {
      const testApp = await buildFactorApp(t, { framework, store: (clock) => new MemoryStore({ clock }) })
      const { app } = testApp
      const token = await passwordToken(testApp, 'bob')
      const cases: Array<[string, Parameters<typeof app.inject>[0], number, string]> = [
        ['an unknown factor', { method: 'DELETE', url: '/step-up/factors/AAAAAAAAAAAAAAAAAAAAAA', headers: headers('bob', 's1', token) }, 404, 'FST_STEP_UP_FACTOR_NOT_FOUND'],
        ['an id of other characters', { method: 'DELETE', url: '/step-up/factors/%3Cscript%3E', headers: headers('bob', 's1', token) }, 404, 'FST_STEP_UP_FACTOR_NOT_FOUND'],
        ['an extra property', { method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: { secret: 'JBSWY3DPEHPK3PXP' } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['a code of letters', { method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code: 'abcdef' } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['no pending app', { method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code: '123456' } }, 404, 'FST_STEP_UP_CHALLENGE_NOT_FOUND'],
        ['a PIN of letters', { method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: 'abcd' } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['a PIN anyone would guess', { method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '123456' } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['a run down', { method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '9876' } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['one digit', { method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '0000' } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['a bad challenge id', { method: 'POST', url: '/step-up/factors/passkeys/verify', headers: headers('bob', 's1', token), payload: { challengeId: 'x', response: {} } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['an unknown challenge', {
          method: 'POST',
          url: '/step-up/factors/passkeys/verify',
          headers: headers('bob', 's1', token),
          payload: { challengeId: 'AAAAAAAAAAAAAAAAAAAAAA', response: { id: 'AA', rawId: 'AA', type: 'public-key', response: { clientDataJSON: 'AA', attestationObject: 'AA' } } }
        }, 404, 'FST_STEP_UP_CHALLENGE_NOT_FOUND'],
        ['an attachment of its own', { method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('bob'), payload: { authenticatorAttachment: 'usb' } }, 400, 'FST_STEP_UP_INVALID_REQUEST'],
        ['nobody logged in', { url: '/step-up/factors' }, 401, 'FST_STEP_UP_UNAUTHENTICATED']
      ]
      for (const [name, request, status, code] of cases) {
        const reply = await app.inject(request)
        t.equal(reply.statusCode, status, `${name}: ${reply.body}`)
        t.equal(reply.json().code, code, name)
      }
      // Longer than any id: refused before the storage is asked (Fastify's router refuses a parameter
      // over 100 characters itself, with 414).
      const long = await app.inject({ method: 'DELETE', url: `/step-up/factors/${'a'.repeat(129)}`, headers: headers('bob', 's1', token) })
      t.equal(long.statusCode, framework === 'fastify' ? 414 : 404)
      t.match((await app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '7890' } })).json().message,
        /too easy to guess/, 'a run wraps around too')
    })
  }
})

t.test('passkey registrations that are refused', async (t) => {
  for (const framework of ['fastify', 'express'] as const) {
    t.test(framework, async (t) => {
      const testApp = await buildFactorApp(t, { framework, store: (clock) => new MemoryStore({ clock }), plugin: { lockout: { maxFailures: 50 } } })
      const { app } = testApp
      const register = async (build: (challenge: string) => unknown, attachment?: string) => {
        const started = (await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('bob'), payload: attachment ? { authenticatorAttachment: attachment } : {} })).json()
        return { started, reply: await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/verify', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: { challengeId: started.challengeId, response: build(started.options.challenge) } }) }
      }
      const key = new SoftAuthenticator()
      const noUser = await register((challenge) => key.register(challenge, { flags: FLAGS.up | FLAGS.at }))
      t.match(noUser.reply.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /the user was not verified/ }, 'user verification is required')
      t.match(noUser.started.options, { authenticatorSelection: { userVerification: 'required' }, rp: { id: 'example.com', name: 'Example' }, excludeCredentials: [] })
      const garbled = await register((challenge) => ({ ...key.register(challenge), response: { ...key.register(challenge).response, clientDataJSON: Buffer.from('not json').toString('base64url') } }))
      t.match(garbled.reply.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /the response is malformed/ })
      const noChallenge = await register((challenge) => ({ ...key.register(challenge), response: { ...key.register(challenge).response, clientDataJSON: Buffer.from('{"type":"webauthn.create"}').toString('base64url') } }))
      t.match(noChallenge.reply.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /the response is malformed/ })
      const elsewhere = await register((challenge) => key.register(challenge, { origin: 'https://evil.example' }))
      t.match(elsewhere.reply.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /another origin/ })
      // One answer per challenge, right or wrong.
      const answered = await app.inject({
        method: 'POST',
        url: '/step-up/factors/passkeys/verify',
        headers: headers('bob', 's1', await passwordToken(testApp, 'bob')),
        payload: { challengeId: elsewhere.started.challengeId, response: key.register(elsewhere.started.options.challenge) }
      })
      t.equal(answered.json().code, 'FST_STEP_UP_CODE_USED')
      t.same((await listFactors(testApp, 'bob')).factors, [])

      // A platform passkey with a label, then the same authenticator again: excluded, and refused.
      const { factor } = await enrollPasskey(testApp, await passwordToken(testApp, 'bob'), 'bob', 's1', key)
      const started = (await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('bob'), payload: { authenticatorAttachment: 'platform' } })).json()
      t.match(started.options.excludeCredentials, [{ id: key.id, type: 'public-key' }])
      t.equal(started.options.excludeCredentials.length, 1)
      t.equal(started.options.authenticatorSelection.authenticatorAttachment, 'platform')
      const twice = await app.inject({
        method: 'POST',
        url: '/step-up/factors/passkeys/verify',
        headers: headers('bob', 's1', await passkeyToken(testApp, key, 'bob')),
        payload: { challengeId: started.challengeId, response: key.register(started.options.challenge), label: 'Laptop' }
      })
      t.match(twice.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /it is registered already/ })
      t.same((await listFactors(testApp, 'bob')).factors.map((f: { id: string }) => f.id), [factor.id])
    })
  }
})

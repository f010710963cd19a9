// Passkey step-up on both adapters, over real HTTP, with assertions from a software authenticator
// (test/helpers/passkey.ts): the options and verify routes, the amr rule, every refusal, the lockout,
// levels and actions, and the enrollment helpers.
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import t, { type Test } from 'tap'
import {
  passkeyAmr,
  passkeyRegistrationOptions,
  verifyPasskeyRegistration,
  type PasskeyCredential,
  type StepUpEvent
} from '../lib/index.js'
import { passkeyRefusal } from '../lib/methods/passkey/webauthn.js'
import { ALICE, as, buildApp, frameworks, sendCode, stepUpToken, type BuildOptions, type Framework, type TestApp } from './helpers/app.js'
import { FLAGS, ORIGIN, RP_ID, SoftAuthenticator, type Spoil } from './helpers/passkey.js'
import { register, valid } from './helpers/register.js'
import { slowStore, switchableStore, wrapStore } from './helpers/stores.js'

function post (testApp: TestApp, url: string, payload: unknown, user = 'alice', session = 's1') {
  return testApp.app.inject({ method: 'POST', url: `/step-up${url}`, headers: as(user, session), payload })
}

function claimsOf (token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
}

/** Gives a user these passkeys, as the app's enrollment would have stored them. */
function enrol (testApp: TestApp, user: string, ...credentials: PasskeyCredential[]): void {
  testApp.passkeys.set(user, [...testApp.passkeys.get(user) ?? [], ...credentials])
}

/** Asks for options as `user`; returns the challenge id and the WebAuthn challenge. */
async function begin (testApp: TestApp, user = 'alice', session = 's1', body: object = {}): Promise<{ challengeId: string, challenge: string }> {
  const reply = await post(testApp, '/passkey/options', body, user, session)
  if (reply.statusCode !== 200) throw new Error(`options failed: ${reply.statusCode} ${reply.body}`)
  const { challengeId, options } = reply.json()
  return { challengeId, challenge: options.challenge }
}

/** The whole ceremony: options, the authenticator's assertion (spoiled if asked), verify. */
async function ceremony (testApp: TestApp, authenticator: SoftAuthenticator, spoil: Spoil = {}, user = 'alice') {
  const { challengeId, challenge } = await begin(testApp, user)
  return post(testApp, '/passkey/verify', { challengeId, response: authenticator.assert(challenge, spoil) }, user)
}

function refused (t: Test, reply: { statusCode: number, json (): any }, reason: string, name = reason): void {
  t.equal(reply.statusCode, 400, name)
  t.same(reply.json(), { statusCode: 400, code: 'FST_STEP_UP_PASSKEY_INVALID', error: 'Bad Request', message: `The passkey was not accepted: ${reason}` }, name)
}

async function passkeyApp (t: Test, framework: Framework, build: BuildOptions = {}): Promise<TestApp> {
  return buildApp(t, {
    framework,
    passkey: true,
    routes: [
      { url: '/passkey-only', requirement: { methods: ['passkey'] } },
      { url: '/password-only', requirement: { methods: ['password'] } }
    ],
    ...build,
    plugin: { password: { verify: (_user, password) => password === ALICE.password }, sendLimit: { max: 1000 }, ...build.plugin }
  })
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('options: WebAuthn request options for the user\'s passkeys, with a fresh challenge each time', async (t) => {
      const testApp = await passkeyApp(t, framework)
      const key = new SoftAuthenticator({ transports: ['usb', 'nfc'] })
      const phone = new SoftAuthenticator({ synced: true })
      enrol(testApp, 'alice', key.credential(), phone.credential())
      const reply = await post(testApp, '/passkey/options', {})
      t.equal(reply.statusCode, 200)
      const body = reply.json()
      t.match(body, { challengeId: /^[A-Za-z0-9_-]{22}$/, expiresIn: 300 })
      t.same(body.options, {
        rpId: RP_ID,
        challenge: body.options.challenge,
        allowCredentials: [{ id: key.id, type: 'public-key', transports: ['usb', 'nfc'] }, { id: phone.id, type: 'public-key' }],
        timeout: 300_000,
        userVerification: 'required'
      })
      t.match(body.options.challenge, /^[A-Za-z0-9_-]{43}$/, '256 random bits')
      const again = (await post(testApp, '/passkey/options', {})).json()
      t.not(again.challengeId, body.challengeId)
      t.not(again.options.challenge, body.options.challenge)
    })

    t.test('a security key: hwk and user; the token passes a passkey-only route, and the counter is stored', async (t) => {
      const events: StepUpEvent[] = []
      const testApp = await passkeyApp(t, framework, { plugin: { onEvent: (event) => { events.push(event) } } })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      const reply = await ceremony(testApp, key)
      t.equal(reply.statusCode, 200, reply.body)
      const { token, expiresIn } = reply.json()
      t.equal(expiresIn, 300)
      t.match(claimsOf(token), { sub: 'alice', sid: 's1', amr: ['hwk', 'user', 'pop'] })
      t.equal(testApp.passkeys.get('alice')![0]!.counter, 1, 'updateCounter stored the new counter')
      const passkeyOnly = await testApp.app.inject({ url: '/passkey-only', headers: { ...as('alice'), 'x-step-up-token': token } })
      t.equal(passkeyOnly.statusCode, 200)
      t.same(passkeyOnly.json().stepUp.amr, ['hwk', 'user', 'pop'])
      const passwordOnly = await testApp.app.inject({ url: '/password-only', headers: { ...as('alice'), 'x-step-up-token': token } })
      t.equal(passwordOnly.json().code, 'FST_STEP_UP_INSUFFICIENT', 'a passkey token is not a password token')
      const password = (await post(testApp, '/password/verify', { password: ALICE.password })).json().token
      const refusedPassword = await testApp.app.inject({ url: '/passkey-only', headers: { ...as('alice'), 'x-step-up-token': password } })
      t.equal(refusedPassword.json().code, 'FST_STEP_UP_INSUFFICIENT', 'nor the other way round')
      t.same(refusedPassword.json().stepUp, { methods: ['passkey'], maxAge: 300 }, 'the 401 names the passkey')
      t.equal((await ceremony(testApp, key)).statusCode, 200, 'the key works again (its counter went up)')
      t.equal(testApp.passkeys.get('alice')![0]!.counter, 2)
      const started = events.filter((e) => e.type === 'ceremony.started')
      t.equal(started.length, 2, 'each options call is an event')
      t.same(started[0], { type: 'ceremony.started', userId: 'alice', sessionId: 's1', method: 'passkey', challengeId: (started[0] as { challengeId: string }).challengeId })
      t.match((started[0] as { challengeId: string }).challengeId, /^[A-Za-z0-9_-]{22}$/)
      t.match(events.filter((e) => e.type === 'verification.succeeded'), [
        { type: 'verification.succeeded', userId: 'alice', method: 'passkey' },
        { type: 'verification.succeeded', userId: 'alice', method: 'password' },
        { type: 'verification.succeeded', userId: 'alice', method: 'passkey' }
      ])
    })

    t.test('swk for synced and platform passkeys, or when the transports are unknown; Ed25519 works too', async (t) => {
      const testApp = await passkeyApp(t, framework)
      const cases: Array<[string, SoftAuthenticator, string[]]> = [
        ['a synced passkey (backup eligible), even on a USB key', new SoftAuthenticator({ synced: true, transports: ['usb'], counting: false }), ['swk', 'user', 'pop']],
        ['a platform authenticator', new SoftAuthenticator({ transports: ['internal'] }), ['swk', 'user', 'pop']],
        ['a key reached by phone', new SoftAuthenticator({ transports: ['hybrid', 'usb'] }), ['swk', 'user', 'pop']],
        ['transports the app did not keep', new SoftAuthenticator(), ['swk', 'user', 'pop']],
        ['an Ed25519 security key', new SoftAuthenticator({ alg: 'EdDSA', transports: ['nfc', 'ble', 'smart-card'] }), ['hwk', 'user', 'pop']]
      ]
      for (const [name, authenticator, amr] of cases) {
        testApp.passkeys.set('alice', [authenticator.credential()])
        const reply = await ceremony(testApp, authenticator)
        t.equal(reply.statusCode, 200, `${name}: ${reply.body}`)
        t.same(claimsOf(reply.json().token).amr, amr, name)
        const guarded = await testApp.app.inject({ url: '/passkey-only', headers: { ...as('alice'), 'x-step-up-token': reply.json().token } })
        t.equal(guarded.statusCode, 200, `${name}: passes the passkey-only route`)
      }
      t.equal(testApp.passkeys.get('alice')![0]!.counter, 1, 'a key that counts has its counter stored; one that says 0 (synced) is never asked to')
    })

    t.test('userVerification "preferred": presence is enough, and the token then says so (no "user")', async (t) => {
      const testApp = await passkeyApp(t, framework, { passkey: { userVerification: 'preferred' } })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      t.equal((await post(testApp, '/passkey/options', {})).json().options.userVerification, 'preferred')
      const present = await ceremony(testApp, key, { flags: FLAGS.up })
      t.equal(present.statusCode, 200, present.body)
      t.same(claimsOf(present.json().token).amr, ['hwk', 'pop'])
      t.equal((await testApp.app.inject({ url: '/passkey-only', headers: { ...as('alice'), 'x-step-up-token': present.json().token } })).statusCode, 200)
      t.same(claimsOf((await ceremony(testApp, key)).json().token).amr, ['hwk', 'user', 'pop'], 'verified when the key did verify')
      refused(t, await ceremony(testApp, key, { flags: FLAGS.uv }), 'the user was not present')
    })

    t.test('every forged or spoiled assertion is refused, and none leaves a token', async (t) => {
      const testApp = await passkeyApp(t, framework, { plugin: { lockout: { maxFailures: 100 } } })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      const stranger = new SoftAuthenticator({ transports: ['usb'] })
      const bobs = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      enrol(testApp, 'bob', bobs.credential())
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
      refused(t, await ceremony(testApp, key, { origin: 'https://evil.example' }), 'it was made on another origin', 'wrong origin')
      refused(t, await ceremony(testApp, key, { origin: 'https://example.com.evil.example' }), 'it was made on another origin', 'a look-alike origin')
      refused(t, await ceremony(testApp, key, { rpID: 'evil.example' }), 'it was made for another RP ID', 'wrong RP ID')
      refused(t, await ceremony(testApp, stranger), 'it is not registered for this account', 'an unknown credential')
      refused(t, await ceremony(testApp, bobs), 'it is not registered for this account', "bob's credential, as alice")
      refused(t, await ceremony(testApp, key, { signWith: other }), 'its signature is not valid', 'signed by another key')
      refused(t, await ceremony(testApp, key, { tamper: true }), 'its signature is not valid', 'data changed after signing')
      refused(t, await ceremony(testApp, key, { flags: FLAGS.up }), 'the user was not verified', 'UV required, user only present')
      refused(t, await ceremony(testApp, key, { flags: FLAGS.uv }), 'the user was not present', 'no user presence')
      refused(t, await ceremony(testApp, key, { type: 'webauthn.create' }), 'the response is malformed', 'a registration, not an assertion')

      const { challengeId: first, challenge } = await begin(testApp)
      const { challengeId: second } = await begin(testApp)
      refused(t, await post(testApp, '/passkey/verify', { challengeId: second, response: key.assert(challenge) }),
        'it answers another challenge', "the answer to one challenge sent with another's id")
      const bad = key.assert('x'.repeat(43))
      refused(t, await post(testApp, '/passkey/verify', { challengeId: first, response: bad }), 'it answers another challenge', 'a made-up challenge')
      t.equal(testApp.passkeys.get('alice')![0]!.counter, 0, 'no refused assertion moved the counter')
      t.equal(testApp.passkeys.get('bob')![0]!.counter, 0)
    })

    t.test('a counter that does not go up is refused: backwards, repeated, or a lost race for the same value', async (t) => {
      const testApp = await passkeyApp(t, framework)
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential(5))
      refused(t, await ceremony(testApp, key, { counter: 3 }), 'its signature counter did not advance', 'backwards')
      refused(t, await ceremony(testApp, key, { counter: 5 }), 'its signature counter did not advance', 'the same value again')
      refused(t, await ceremony(testApp, key, { counter: 0 }), 'its signature counter did not advance', 'zero after a count')
      t.equal((await ceremony(testApp, key, { counter: 9 })).statusCode, 200, 'forward is fine, even by more than one')
      t.equal(testApp.passkeys.get('alice')![0]!.counter, 9)

      // Two assertions with the same counter for two challenges, checked against the same stored
      // value: the app's conditional update lets only one through.
      const a = await begin(testApp)
      const b = await begin(testApp)
      const replies = await Promise.all([
        post(testApp, '/passkey/verify', { challengeId: a.challengeId, response: key.assert(a.challenge, { counter: 10 }) }),
        post(testApp, '/passkey/verify', { challengeId: b.challengeId, response: key.assert(b.challenge, { counter: 10 }) })
      ])
      t.same(replies.map((r) => r.statusCode).sort(), [200, 400], 'one passes, one is refused')
      refused(t, replies.find((r) => r.statusCode === 400)!, 'its signature counter did not advance', 'the one that lost')
    })

    t.test('each challenge takes one answer: a replay is refused, even of a refused answer, and even at once', async (t) => {
      // A store that answers a turn later, like a remote one, so the concurrent answers interleave.
      const testApp = await passkeyApp(t, framework, { store: (clock) => slowStore(clock).store })
      const key = new SoftAuthenticator({ transports: ['usb'], counting: false })
      enrol(testApp, 'alice', key.credential())
      const { challengeId, challenge } = await begin(testApp)
      const answer = { challengeId, response: key.assert(challenge) }
      t.equal((await post(testApp, '/passkey/verify', answer)).statusCode, 200)
      const replay = await post(testApp, '/passkey/verify', answer)
      t.equal(replay.statusCode, 400)
      t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED', 'the same assertion again')

      const spoiled = await begin(testApp)
      refused(t, await post(testApp, '/passkey/verify', { challengeId: spoiled.challengeId, response: key.assert(spoiled.challenge, { flags: FLAGS.up }) }),
        'the user was not verified')
      const retry = await post(testApp, '/passkey/verify', { challengeId: spoiled.challengeId, response: key.assert(spoiled.challenge) })
      t.equal(retry.json().code, 'FST_STEP_UP_CODE_USED', 'a refused answer used the challenge up: ask for new options')

      const raced = await begin(testApp)
      const response = key.assert(raced.challenge)
      const replies = await Promise.all([1, 2, 3].map(() => post(testApp, '/passkey/verify', { challengeId: raced.challengeId, response })))
      t.same(replies.map((r) => r.statusCode).sort(), [200, 400, 400], 'three at once: one token')
    })

    t.test('an answer that loses the race to consume its challenge gets no token', async (t) => {
      // Another answer consumes the challenge between this one's read and its consume.
      const race = { on: false }
      const testApp = await passkeyApp(t, framework, {
        store: (clock) => wrapStore(async (name, _args, call) => {
          if (name === 'consumeChallenge' && race.on) await call()
          return call()
        }, clock).store
      })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      const { challengeId, challenge } = await begin(testApp)
      race.on = true
      const lost = await post(testApp, '/passkey/verify', { challengeId, response: key.assert(challenge) })
      t.equal(lost.statusCode, 400)
      t.equal(lost.json().code, 'FST_STEP_UP_CODE_USED')
      t.equal(testApp.passkeys.get('alice')![0]!.counter, 0, 'the assertion was never checked')
    })

    t.test('expired, unknown and foreign challenges', async (t) => {
      const testApp = await passkeyApp(t, framework)
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      enrol(testApp, 'bob', new SoftAuthenticator().credential())
      const late = await begin(testApp)
      testApp.clock.advance(5 * 60 * 1000)
      const expired = await post(testApp, '/passkey/verify', { challengeId: late.challengeId, response: key.assert(late.challenge) })
      t.equal(expired.statusCode, 400)
      t.equal(expired.json().code, 'FST_STEP_UP_CODE_EXPIRED')
      testApp.clock.advance(5 * 60 * 1000)
      const gone = await post(testApp, '/passkey/verify', { challengeId: late.challengeId, response: key.assert(late.challenge) })
      t.equal(gone.statusCode, 404)
      t.equal(gone.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'kept twice as long as it lives, then gone')

      const notFound = async (challengeId: string, name: string, user = 'alice', session = 's1') => {
        const reply = await post(testApp, '/passkey/verify', { challengeId, response: key.assert('x') }, user, session)
        t.equal(reply.statusCode, 404, name)
        t.equal(reply.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND', name)
      }
      await notFound('A'.repeat(22), 'an id never issued')
      await notFound((await begin(testApp, 'bob')).challengeId, "bob's challenge, as alice")
      await notFound((await begin(testApp, 'alice', 's2')).challengeId, "alice's challenge from another session")
      const email = await sendCode(testApp, 'alice', 'alice@example.com')
      await notFound(email.challengeId, 'an email challenge')
      const wrongWay = await post(testApp, '/email/verify', { challengeId: (await begin(testApp)).challengeId, code: email.code })
      t.equal(wrongWay.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'and a passkey challenge is no email challenge')
      const mine = await begin(testApp)
      t.equal((await post(testApp, '/passkey/verify', { challengeId: mine.challengeId, response: key.assert(mine.challenge) })).statusCode, 200,
        'none of it spoiled a good one')
    })

    t.test('malformed bodies get 400 FST_STEP_UP_INVALID_REQUEST before anything is checked or counted', async (t) => {
      const testApp = await passkeyApp(t, framework, { plugin: { lockout: { maxFailures: 1 } } })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      const { challengeId, challenge } = await begin(testApp)
      const good = key.assert(challenge)
      const bodies: Record<string, unknown> = {
        'no response': { challengeId },
        'no challenge id': { response: good },
        'a short challenge id': { challengeId: 'abc', response: good },
        'an unknown property': { challengeId, response: good, extra: 1 },
        'an unknown property in the credential': { challengeId, response: { ...good, extra: 1 } },
        'an unknown property in the assertion': { challengeId, response: { ...good, response: { ...good.response, extra: 'x' } } },
        'not a public-key credential': { challengeId, response: { ...good, type: 'password' } },
        'a signature that is not base64url': { challengeId, response: { ...good, response: { ...good.response, signature: 'a+b/c' } } },
        'no authenticator data': { challengeId, response: { ...good, response: { clientDataJSON: good.response.clientDataJSON, signature: good.response.signature } } },
        'an id of numbers': { challengeId, response: { ...good, id: 12 } },
        'an oversized client data': { challengeId, response: { ...good, response: { ...good.response, clientDataJSON: 'A'.repeat(4097) } } },
        'an array': [challengeId]
      }
      for (const [name, payload] of Object.entries(bodies)) {
        const reply = await post(testApp, '/passkey/verify', payload)
        t.equal(reply.statusCode, 400, name)
        t.equal(reply.json().code, 'FST_STEP_UP_INVALID_REQUEST', name)
      }
      const options = await post(testApp, '/passkey/options', { userVerification: 'discouraged' })
      t.equal(options.json().code, 'FST_STEP_UP_INVALID_REQUEST', 'options take nothing but an action')
      const tolerated = { ...good, response: { ...good.response, userHandle: null }, authenticatorAttachment: undefined }
      t.equal((await post(testApp, '/passkey/verify', { challengeId, response: tolerated })).statusCode, 200,
        'the right answer still works: nothing above counted toward the lockout (of 1) or used the challenge')
    })

    t.test('who may ask: a logged-in user with a passkey', async (t) => {
      const testApp = await passkeyApp(t, framework)
      enrol(testApp, 'alice', new SoftAuthenticator().credential())
      const none = await post(testApp, '/passkey/options', {}, 'bob')
      t.equal(none.statusCode, 403)
      t.equal(none.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE', 'bob has no passkey')
      const anonymous = await testApp.app.inject({ method: 'POST', url: '/step-up/passkey/options', payload: {} })
      t.equal(anonymous.statusCode, 401)
      const methods = async (user: string) => (await testApp.app.inject({ url: '/step-up/methods', headers: as(user) })).json().methods
      t.same((await methods('alice')).map((m: { method: string }) => m.method), ['email', 'password', 'passkey'], 'listed for alice, last')
      t.same((await methods('bob')).map((m: { method: string }) => m.method), ['email', 'password'], 'not for bob')
      const hint = await testApp.app.inject({ url: '/passkey-only', headers: as('alice') })
      t.same(hint.json().stepUp, { methods: ['passkey'], maxAge: 300 })
      t.same((await testApp.app.inject({ url: '/passkey-only', headers: as('bob') })).json().stepUp, { methods: [], maxAge: 300 })
    })

    t.test('refused assertions count toward the one lockout, with every other method; a success gives back only its own guess', async (t) => {
      const events: StepUpEvent[] = []
      const testApp = await passkeyApp(t, framework, { plugin: { lockout: { maxFailures: 4 }, onEvent: (event) => { events.push(event) } } })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      refused(t, await ceremony(testApp, key, { origin: 'https://evil.example' }), 'it was made on another origin')
      t.equal((await ceremony(testApp, key)).statusCode, 200, 'a success gives back its own guess, not the failure before it')
      refused(t, await ceremony(testApp, key, { origin: 'https://evil.example' }), 'it was made on another origin')
      t.equal((await post(testApp, '/password/verify', { password: 'wrong' })).json().code, 'FST_STEP_UP_CREDENTIAL_INVALID')
      const third = await ceremony(testApp, key, { rpID: 'evil.example' })
      t.equal(third.statusCode, 429)
      t.equal(third.json().code, 'FST_STEP_UP_LOCKED', 'the fourth failure, across methods and around a success, locks')
      t.equal(third.headers['retry-after'], '900')
      const options = await post(testApp, '/passkey/options', {})
      t.equal(options.json().code, 'FST_STEP_UP_LOCKED', 'no options while locked')
      t.match(events.filter((e) => e.type === 'verification.failed'), [
        { method: 'passkey', code: 'FST_STEP_UP_PASSKEY_INVALID' },
        { method: 'passkey', code: 'FST_STEP_UP_PASSKEY_INVALID' },
        { method: 'password', code: 'FST_STEP_UP_CREDENTIAL_INVALID' },
        { method: 'passkey', code: 'FST_STEP_UP_LOCKED' }
      ])
      t.ok(events.some((e) => e.type === 'user.locked' && e.method === 'passkey'))
      testApp.clock.advance(15 * 60 * 1000)
      t.equal((await ceremony(testApp, key)).statusCode, 200, 'unlocked after the lock duration')
    })

    t.test('a challenge made while unlocked cannot be answered once locked', async (t) => {
      const testApp = await passkeyApp(t, framework, { plugin: { lockout: { maxFailures: 1 } } })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      const pending = await begin(testApp)
      t.equal((await post(testApp, '/password/verify', { password: 'wrong' })).json().code, 'FST_STEP_UP_LOCKED')
      const reply = await post(testApp, '/passkey/verify', { challengeId: pending.challengeId, response: key.assert(pending.challenge) })
      t.equal(reply.json().code, 'FST_STEP_UP_LOCKED')
    })

    t.test('options are limited like sends, counted apart from codes, so a client cannot flood the store', async (t) => {
      const testApp = await passkeyApp(t, framework, { plugin: { sendLimit: { max: 2, window: '1h' } } })
      enrol(testApp, 'alice', new SoftAuthenticator().credential())
      await sendCode(testApp, 'alice', 'alice@example.com')
      await sendCode(testApp, 'alice', 'Alice.Work@Example.org')
      t.equal((await post(testApp, '/passkey/options', {})).statusCode, 200, 'two codes sent, and still two challenges')
      t.equal((await post(testApp, '/passkey/options', {})).statusCode, 200)
      const third = await post(testApp, '/passkey/options', {})
      t.equal(third.statusCode, 429)
      t.equal(third.json().code, 'FST_STEP_UP_SEND_LIMIT')
      t.equal(third.headers['retry-after'], '3600')
    })

    t.test('levels: a passkey can be the only way to the highest level', async (t) => {
      const testApp = await passkeyApp(t, framework, {
        plugin: {
          levels: {
            aal1: { acr: 'urn:example:aal1', methods: ['email', 'password'] },
            aal3: { acr: 'urn:example:aal3', methods: ['passkey'], maxAge: '2m' }
          }
        },
        routes: [{ url: '/wire-transfer', requirement: { level: 'aal3' } }, { url: '/profile', requirement: { level: 'aal1' } }]
      })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      const email = await stepUpToken(testApp)
      t.equal(claimsOf(email).acr, 'urn:example:aal1')
      const refusedEmail = await testApp.app.inject({ url: '/wire-transfer', headers: { ...as('alice'), 'x-step-up-token': email } })
      t.equal(refusedEmail.statusCode, 401)
      t.match(refusedEmail.json().stepUp, { methods: ['passkey'], maxAge: 120, level: 'aal3', acrValues: ['urn:example:aal3'] }, 'only the passkey reaches it')
      t.match(refusedEmail.headers['www-authenticate'], 'acr_values="urn:example:aal3"')
      const passkey = (await ceremony(testApp, key)).json().token
      t.equal(claimsOf(passkey).acr, 'urn:example:aal3')
      t.equal((await testApp.app.inject({ url: '/wire-transfer', headers: { ...as('alice'), 'x-step-up-token': passkey } })).statusCode, 200)
      t.equal((await testApp.app.inject({ url: '/profile', headers: { ...as('alice'), 'x-step-up-token': passkey } })).statusCode, 200,
        'and every lower level')
      testApp.clock.advance(121_000)
      t.equal((await testApp.app.inject({ url: '/wire-transfer', headers: { ...as('alice'), 'x-step-up-token': passkey } })).json().code,
        'FST_STEP_UP_INSUFFICIENT', "the level's maxAge applies")
    })

    t.test('a step-up for an action: named with the options, carried into the token', async (t) => {
      const events: StepUpEvent[] = []
      const testApp = await passkeyApp(t, framework, {
        plugin: { onEvent: (event) => { events.push(event) } },
        routes: [{ url: '/pay', method: 'POST', requirement: { action: 'payment', actionData: (request: { body: unknown }) => request.body } }]
      })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      const data = { amount: '10.00', payee: 'bob' }
      const { challengeId, challenge } = await begin(testApp, 'alice', 's1', { action: { name: 'payment', data } })
      t.same(events[0], { type: 'ceremony.started', userId: 'alice', sessionId: 's1', method: 'passkey', challengeId, action: 'payment' },
        'the options are an event, naming the action and never its data')
      const token = (await post(testApp, '/passkey/verify', { challengeId, response: key.assert(challenge) })).json().token
      t.match(claimsOf(token).action, { name: 'payment', hash: /^[A-Za-z0-9_-]{43}$/ })
      const pay = (payload: object) => testApp.app.inject({ method: 'POST', url: '/pay', headers: { ...as('alice'), 'x-step-up-token': token }, payload })
      t.equal((await pay(data)).statusCode, 200)
      t.equal((await pay({ ...data, amount: '1000.00' })).json().code, 'FST_STEP_UP_INSUFFICIENT', 'other data is refused')
    })

    t.test('a store outage fails closed: 503, and no token', async (t) => {
      const { store, state } = switchableStore()
      const testApp = await passkeyApp(t, framework, { store: () => store })
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', key.credential())
      const pending = await begin(testApp)
      state.down = true
      t.equal((await post(testApp, '/passkey/options', {})).json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
      const verify = await post(testApp, '/passkey/verify', { challengeId: pending.challengeId, response: key.assert(pending.challenge) })
      t.equal(verify.statusCode, 503)
      t.equal(verify.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
      state.down = false
      t.equal((await post(testApp, '/passkey/verify', { challengeId: pending.challengeId, response: key.assert(pending.challenge) })).statusCode, 200,
        'the challenge is still good once the store is back')
    })

    t.test('the credential record may hold the public key as bytes', async (t) => {
      const testApp = await passkeyApp(t, framework)
      const key = new SoftAuthenticator({ transports: ['usb'] })
      enrol(testApp, 'alice', { ...key.credential(), publicKey: new Uint8Array(key.cose) })
      t.equal((await ceremony(testApp, key)).statusCode, 200)
    })
  })
}

t.test('enrollment: registration options and verification with the plugin\'s relying party, then a step-up with the result', async (t) => {
  const relyingParty = { rpID: RP_ID, rpName: 'Example', origin: [ORIGIN, 'https://app.example.com'] }
  const key = new SoftAuthenticator({ transports: ['usb', 'nfc'] })
  const options = await passkeyRegistrationOptions(relyingParty, {
    userName: 'alice@example.com',
    userDisplayName: 'Alice',
    userID: new TextEncoder().encode('opaque-handle-1'),
    excludeCredentials: [{ id: 'AAAA', transports: ['usb'] }, { id: 'BBBB' }],
    authenticatorAttachment: 'cross-platform'
  })
  t.match(options, {
    rp: { name: 'Example', id: RP_ID },
    user: { id: Buffer.from('opaque-handle-1').toString('base64url'), name: 'alice@example.com', displayName: 'Alice' },
    challenge: /^[A-Za-z0-9_-]{43}$/,
    attestation: 'none',
    excludeCredentials: [{ id: 'AAAA', type: 'public-key', transports: ['usb'] }, { id: 'BBBB', type: 'public-key' }],
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required', authenticatorAttachment: 'cross-platform' }
  })
  const registered = await verifyPasskeyRegistration(relyingParty, { response: key.register(options.challenge), expectedChallenge: options.challenge })
  t.same(registered, {
    id: key.id,
    publicKey: key.cose.toString('base64url'),
    counter: 0,
    transports: ['usb', 'nfc'],
    deviceType: 'singleDevice',
    backedUp: false,
    aaguid: '00000000-0000-0000-0000-000000000000',
    userVerified: true
  })

  // What the helper returned is what getCredentials gives back.
  const testApp = await buildApp(t, { passkey: true })
  enrol(testApp, 'alice', registered)
  const reply = await ceremony(testApp, key)
  t.equal(reply.statusCode, 200)
  t.same(claimsOf(reply.json().token).amr, ['hwk', 'user', 'pop'])

  const minimal = await passkeyRegistrationOptions({ rpID: RP_ID, origin: ORIGIN, userVerification: 'preferred' }, { userName: 'bob' })
  t.match(minimal, { rp: { name: RP_ID, id: RP_ID }, excludeCredentials: [], authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' } },
    'rpName defaults to the RP ID')
  t.notOk('authenticatorAttachment' in minimal.authenticatorSelection!)
  const synced = new SoftAuthenticator({ synced: true, counting: false })
  const bob = await verifyPasskeyRegistration({ rpID: RP_ID, origin: ORIGIN }, { response: synced.register(minimal.challenge), expectedChallenge: minimal.challenge })
  t.match(bob, { id: synced.id, transports: [], deviceType: 'multiDevice', backedUp: true })
})

t.test('enrollment: each bad registration is refused with FST_STEP_UP_PASSKEY_INVALID', async (t) => {
  const relyingParty = { rpID: RP_ID, origin: ORIGIN }
  const key = new SoftAuthenticator()
  const { challenge } = await passkeyRegistrationOptions(relyingParty, { userName: 'alice' })
  const check = async (response: unknown, reason: string, rp: object = relyingParty, expectedChallenge = challenge) => {
    const err = await verifyPasskeyRegistration(rp as never, { response: response as never, expectedChallenge }).catch((e: unknown) => e)
    t.match(err, { code: 'FST_STEP_UP_PASSKEY_INVALID', statusCode: 400, message: `The passkey was not accepted: ${reason}` }, reason)
  }
  await check(key.register('another'), 'it answers another challenge')
  await check(key.register(challenge, { origin: 'https://evil.example' }), 'it was made on another origin')
  await check(key.register(challenge, { rpID: 'evil.example' }), 'it was made for another RP ID')
  await check(key.register(challenge, { flags: FLAGS.up | FLAGS.at }), 'the user was not verified')
  await check(key.register(challenge, { flags: FLAGS.uv | FLAGS.at }), 'the user was not present')
  await check(key.register(challenge, { fmt: 'packed', attStmt: key.badPackedStatement() }), 'its attestation is not valid')
  await check({ id: 'x' }, 'the response is malformed')
  const presence = await verifyPasskeyRegistration({ ...relyingParty, userVerification: 'preferred' },
    { response: key.register(challenge, { flags: FLAGS.up | FLAGS.at }), expectedChallenge: challenge })
  t.match(presence, { id: key.id, userVerified: false }, 'with "preferred", presence is enough')
  await t.rejects(passkeyRegistrationOptions({ rpID: 'Example.com', origin: ORIGIN }, { userName: 'x' }), { code: 'FST_STEP_UP_OPTION_INVALID' })
  await t.rejects(verifyPasskeyRegistration(null as never, { response: key.register(challenge), expectedChallenge: challenge }),
    { code: 'FST_STEP_UP_OPTION_INVALID', message: 'The passkey option must be an object' })
})

t.test('passkey options are checked at registration', async (t) => {
  const callbacks = { getCredentials: () => [], updateCounter: () => true }
  const good = { rpID: RP_ID, origin: ORIGIN, ...callbacks }
  await t.resolves(register({ ...valid, passkey: good }))
  await t.resolves(register({ ...valid, passkey: false }), 'false is allowed')
  t.match(await register({ ...valid, passkey: false, levels: { top: { methods: ['passkey'] } } }).catch((e: Error) => e),
    { code: 'FST_STEP_UP_OPTION_INVALID', message: /names "passkey", which is not enabled/ }, 'false turns it off')
  await t.resolves(register({ ...valid, email: false, passkey: good }), 'a passkey alone is a method')
  await t.resolves(register({ ...valid, passkey: { ...good, rpName: 'Example', origin: [ORIGIN, 'https://app.example.com', 'https://example.com:8443'], userVerification: 'preferred' } }))
  await t.resolves(register({ ...valid, passkey: { ...good, rpID: 'localhost', origin: 'http://localhost:3000' } }), 'localhost for development')
  const cases: Array<[string, unknown]> = [
    ['passkey', 'yes'],
    ['passkey.getCredentials', { ...good, getCredentials: [] }],
    ['passkey.updateCounter', { ...good, updateCounter: undefined }],
    ['passkey.rpID', { ...good, rpID: undefined }],
    ['passkey.rpID', { ...good, rpID: 'https://example.com' }],
    ['passkey.rpID', { ...good, rpID: 'example.com:443' }],
    ['passkey.rpID', { ...good, rpID: 'Example.com' }],
    ['passkey.rpID', { ...good, rpID: '127.0.0.1', origin: 'http://127.0.0.1:3000' }],
    ['passkey.rpName', { ...good, rpName: '' }],
    ['passkey.rpName', { ...good, rpName: 42 }],
    ['passkey.origin', { ...good, origin: undefined }],
    ['passkey.origin', { ...good, origin: [] }],
    ['passkey.origin', { ...good, origin: Array(21).fill(ORIGIN) }],
    ['passkey.origin', { ...good, origin: 'https://evil.example' }],
    ['passkey.origin', { ...good, origin: 'https://notexample.com' }],
    ['passkey.origin', { ...good, origin: 'https://example.com/' }],
    ['passkey.origin', { ...good, origin: 'https://example.com/login' }],
    ['passkey.origin', { ...good, origin: 'ftp://example.com' }],
    ['passkey.origin', { ...good, origin: 'example.com' }],
    ['passkey.origin', { ...good, origin: [ORIGIN, 42] }],
    ['passkey.userVerification', { ...good, userVerification: 'discouraged' }]
  ]
  for (const [name, passkey] of cases) {
    const err = await register({ ...valid, passkey }).catch((e: Error) => e)
    t.equal((err as { code?: string }).code, 'FST_STEP_UP_OPTION_INVALID', `${name}: ${JSON.stringify(passkey)}`)
    t.match((err as Error).message, `The ${name} option`, name)
  }
  const unknown = await register({ ...valid, levels: { top: { methods: ['passkey'] } } }).catch((e: Error) => e)
  t.match(unknown, { code: 'FST_STEP_UP_OPTION_INVALID', message: /names "passkey", which is not enabled/ }, 'a level cannot name passkeys while they are off')
})

t.test('the amr rule and the refusal reasons, in units', async (t) => {
  t.same(passkeyAmr('singleDevice', true, ['usb']), ['hwk', 'user', 'pop'])
  t.same(passkeyAmr('singleDevice', false, ['nfc', 'usb']), ['hwk', 'pop'])
  t.same(passkeyAmr('multiDevice', true, ['usb']), ['swk', 'user', 'pop'])
  t.same(passkeyAmr('singleDevice', true, ['usb', 'internal']), ['swk', 'user', 'pop'])
  t.same(passkeyAmr('singleDevice', true, []), ['swk', 'user', 'pop'])
  t.same(passkeyAmr('singleDevice', true, undefined), ['swk', 'user', 'pop'])
  t.match(passkeyRefusal('a string, not an Error'), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /the response is malformed$/ })
  const cause = new Error('Unexpected authentication response origin "https://evil.example", expected "https://example.com"')
  t.equal(passkeyRefusal(cause).cause, cause, 'the library\'s words are kept as the cause, for the log')
  t.notMatch(passkeyRefusal(cause).message, 'evil', 'but never in the message')
})

t.test('hostile assertions (fast-check): never a 5xx, never a token', async (t) => {
  const testApp = await passkeyApp(t, 'fastify', { plugin: { lockout: { maxFailures: 100, window: '1s', duration: '1s' } } })
  const key = new SoftAuthenticator({ transports: ['usb'], counting: false })
  enrol(testApp, 'alice', key.credential())
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
  const json = (value: unknown) => b64(Buffer.from(JSON.stringify(value)))
  // The outer SEQUENCE tag and length of an ES256 signature's DER are not read by
  // @simplewebauthn/server (r and s are), so a flip there is the same signature and may pass:
  // a signature's flips start after them.
  const flip = (text: string, at: number, by: number, from = 0) => {
    const bytes = Buffer.from(text, 'base64url')
    bytes[from + at % (bytes.length - from)]! ^= by
    return b64(bytes)
  }
  type Assertion = ReturnType<SoftAuthenticator['assert']>
  const on = (a: Assertion, fields: Partial<Assertion['response']>): Assertion => ({ ...a, response: { ...a.response, ...fields } })
  const mutation = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => (a: Assertion) => on(a, { authenticatorData: b64(bytes.length ? bytes : new Uint8Array([0])) })),
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => (a: Assertion) => on(a, { signature: b64(bytes) })),
    fc.jsonValue().map((value) => (a: Assertion) => on(a, { clientDataJSON: json(value) })),
    fc.string({ minLength: 1 }).map((text) => (a: Assertion) => on(a, { clientDataJSON: b64(Buffer.from(text)) })),
    fc.record({
      type: fc.constantFrom('webauthn.get', 'webauthn.create', 'payment.get'),
      origin: fc.constantFrom(ORIGIN, 'https://evil.example', 'null'),
      crossOrigin: fc.boolean(),
      topOrigin: fc.option(fc.constantFrom(ORIGIN, 'https://evil.example'), { nil: undefined }),
      tokenBinding: fc.option(fc.jsonValue(), { nil: undefined })
    }).map((fields) => (a: Assertion, challenge: string) => on(a, { clientDataJSON: json({ challenge, ...fields }) })),
    fc.tuple(fc.constantFrom('authenticatorData', 'signature', 'clientDataJSON') as fc.Arbitrary<'authenticatorData' | 'signature' | 'clientDataJSON'>,
      fc.nat(), fc.integer({ min: 1, max: 255 }))
      .map(([field, at, by]) => (a: Assertion) => on(a, { [field]: flip(a.response[field], at, by, field === 'signature' ? 2 : 0) })),
    fc.base64String({ minLength: 4, maxLength: 40 }).map((id) => (a: Assertion) => {
      const other = id.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') || 'AA'
      return { ...a, id: other, rawId: other }
    })
  )
  const statuses: Record<number, number> = {}
  await fc.assert(fc.asyncProperty(mutation, async (mutate) => {
    testApp.clock.advance(2000) // past any lock, so every case reaches the check
    const { challengeId, challenge } = await begin(testApp)
    const reply = await post(testApp, '/passkey/verify', { challengeId, response: mutate(key.assert(challenge), challenge) })
    statuses[reply.statusCode] = (statuses[reply.statusCode] ?? 0) + 1
    return reply.statusCode >= 400 && reply.statusCode < 500
  }), { numRuns: 300, seed: 20261129 })
  t.ok(statuses[400]! > 250, `refused as bad input or a bad passkey: ${JSON.stringify(statuses)}`)
  t.equal((await ceremony(testApp, key)).statusCode, 200, 'and a good assertion still passes')
})

// Factor management under attack (issue 19, point 8), the way an attacker holding a session would
// try it: a change with a token older than the requirement, with a weaker factor's token, with
// another session's token, with a token already used (one after the other, and at the same time);
// confirming another user's or session's pending authenticator app; registering a passkey
// credential that belongs to another user; and changes racing each other. On both frameworks and
// both stores (the pending enrollments, spent tokens and the change lock live in the store).
import t, { type Test } from 'tap'
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
  stepUpWithEmail,
  totpCode,
  totpToken,
  type FactorApp,
  type StoreFactory
} from './helpers/factors.js'
import { SoftAuthenticator } from './helpers/passkey.js'

/** Bob with an authenticator app (enrolled with his password) and its secret. */
async function bobWithApp (testApp: FactorApp): Promise<string> {
  return (await enrollTotp(testApp, await passwordToken(testApp, 'bob'), 'bob')).secret
}

async function scenarios (t: Test, framework: Framework, store: StoreFactory): Promise<void> {
  t.test('a token older than the requirement', async (t) => {
    // Tokens live longer than a change allows, so freshness, not expiry, refuses it.
    const testApp = await buildFactorApp(t, { framework, store, plugin: { tokenTtl: '15m' } })
    const secret = await bobWithApp(testApp)
    const token = await totpToken(testApp, secret, 'bob')
    testApp.clock.advance(5 * 60_000 + 1000)
    const stale = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '2580' } })
    t.equal(stale.statusCode, 401)
    t.match(stale.json(), { code: 'FST_STEP_UP_INSUFFICIENT', message: /older than 300 seconds/, stepUp: { methods: ['totp'], maxAge: 300 } })
    t.match(stale.headers['www-authenticate'], /^Bearer error="insufficient_user_authentication", .*max_age="300"$/)
    t.notOk((await listFactors(testApp, 'bob')).factors.some((factor: { kind: string }) => factor.kind === 'pin'), 'no PIN was set')
    const fresh = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', await totpToken(testApp, secret, 'bob')), payload: { pin: '2580' } })
    t.equal(fresh.statusCode, 200, 'a fresh one does')
  })

  t.test('a weaker factor\'s token', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store })
    const { app } = testApp
    const secret = await bobWithApp(testApp)
    const { key, factor: passkey } = await enrollPasskey(testApp, await totpToken(testApp, secret, 'bob'), 'bob')
    const codes = await app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', await passkeyToken(testApp, key, 'bob')), payload: {} })
    const backupCode = codes.json().codes[0]

    // The app's code, the password, a backup code: none may remove the passkey or add a factor.
    const weaker = {
      totp: await totpToken(testApp, secret, 'bob'),
      password: await passwordToken(testApp, 'bob'),
      backup: (await app.inject({ method: 'POST', url: '/step-up/backup-code/verify', headers: as('bob'), payload: { code: backupCode } })).json().token
    }
    for (const [name, token] of Object.entries(weaker)) {
      const remove = await app.inject({ method: 'DELETE', url: `/step-up/factors/${passkey.id}`, headers: headers('bob', 's1', token) })
      t.equal(remove.statusCode, 401, `${name}: the last passkey needs a passkey`)
      t.match(remove.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { methods: ['passkey'] } })
      const renew = await app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', token), payload: {} })
      t.equal(renew.json().code, 'FST_STEP_UP_INSUFFICIENT', `${name}: nor renew backup codes`)
      const added = await enrollPasskey(testApp, token, 'bob').catch((err: Error) => err)
      t.match(added, { message: /passkey registration failed: 401 .*FST_STEP_UP_INSUFFICIENT/ }, `${name}: nor add a passkey`)
    }
    const listed = await listFactors(testApp, 'bob')
    t.same(listed.factors.map((factor: { kind: string }) => factor.kind), ['totp', 'passkey', 'backup-codes'], 'nothing changed')
    t.notOk(testApp.events.some((event) => event.type === 'factor.removed'))
    // The refused tokens were not spent by those refusals: each still passes where it is enough.
    t.equal((await app.inject({ url: '/documents/1', headers: headers('bob', 's1', weaker.totp) })).statusCode, 200)
  })

  t.test('another session\'s token', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store })
    const secret = await bobWithApp(testApp)
    const token = await totpToken(testApp, secret, 'bob', 's1')
    const elsewhere = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's2', token), payload: {} })
    t.equal(elsewhere.statusCode, 401)
    t.equal(elsewhere.json().code, 'FST_STEP_UP_TOKEN_INVALID')
    const otherUser = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('dave', 's1', token), payload: {} })
    t.equal(otherUser.json().code, 'FST_STEP_UP_TOKEN_INVALID', 'nor another user\'s')
    t.equal((await testApp.app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', token), payload: {} })).statusCode, 200,
      'the token still works in its own session: a refusal does not spend it')
  })

  t.test('a token already used for a change, later and at the same time', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store })
    const { app } = testApp
    const secret = await bobWithApp(testApp)
    const token = await totpToken(testApp, secret, 'bob')
    t.equal((await app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '2580' } })).statusCode, 200)
    const again = await app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', token), payload: {} })
    t.equal(again.statusCode, 401)
    t.equal(again.json().code, 'FST_STEP_UP_TOKEN_USED')

    // Five changes at once with one fresh token: one is made, the others refused.
    const shared = await totpToken(testApp, secret, 'bob')
    const replies = await Promise.all([
      app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', shared), payload: { pin: '1357' } }),
      app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', shared), payload: { pin: '9753' } }),
      app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', shared), payload: {} }),
      app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', shared), payload: {} }),
      app.inject({ method: 'DELETE', url: `/step-up/factors/${(await listFactors(testApp, 'bob')).factors[0].id}`, headers: headers('bob', 's1', shared) })
    ])
    t.equal(replies.filter((reply) => reply.statusCode === 200).length, 1, 'one change')
    for (const reply of replies.filter((reply) => reply.statusCode !== 200)) {
      t.match(reply.json().code, /^FST_STEP_UP_(TOKEN_USED|FACTOR_BUSY)$/)
      if (reply.json().code === 'FST_STEP_UP_FACTOR_BUSY') t.ok(Number(reply.headers['retry-after']) >= 1, 'busy says when to retry')
    }
    const changes = testApp.events.filter((event) => event.type.startsWith('factor.') || event.type.endsWith('.renewed') || event.type.endsWith('.changed'))
    const last = changes.at(-1) as { jti: string }
    t.equal(changes.filter((event) => 'jti' in event && event.jti === last.jti).length, 1, 'one event for the token')
  })

  t.test('confirming another user\'s or session\'s pending authenticator app', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store })
    const { app, clock } = testApp
    const alice = (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('alice'), payload: {} })).json()
    // Bob, with his own session and a valid change token, has seen Alice's QR code.
    const bobToken = await passwordToken(testApp, 'bob')
    const code = await totpCode(clock, alice.secret)
    const stolen = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', bobToken), payload: { code } })
    t.equal(stolen.statusCode, 404, 'Bob has no pending app: Alice\'s cannot be named')
    t.equal(stolen.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
    await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })
    const wrong = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', bobToken), payload: { code } })
    t.equal(wrong.json().code, 'FST_STEP_UP_CODE_INVALID', 'his own pending app has another secret')
    // Alice's other session cannot confirm it either.
    const otherSession = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('alice', 's2', await passwordToken(testApp, 'alice', 's2')), payload: { code } })
    t.equal(otherSession.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
    t.same((await listFactors(testApp, 'alice')).factors, [])
    t.same((await listFactors(testApp, 'bob')).factors, [])
    // Alice's own session still can.
    const own = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('alice', 's1', await passwordToken(testApp, 'alice')), payload: { code } })
    t.equal(own.statusCode, 200, own.body)
  })

  t.test('registering a passkey credential that belongs to another user', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store })
    const { app } = testApp
    const { key: aliceKey } = await enrollPasskey(testApp, await passwordToken(testApp, 'alice'), 'alice')
    // Bob makes his own key pair and claims Alice's credential id for it (attestation "none" lets anyone).
    const thief = new SoftAuthenticator()
    Object.defineProperty(thief, 'id', { value: aliceKey.id })
    const claimed = await enrollPasskey(testApp, await passwordToken(testApp, 'bob'), 'bob', 's1', thief).catch((err: Error) => err)
    t.match(claimed, { message: /registration failed: 400 / })
    t.match(claimed, { message: /FST_STEP_UP_PASSKEY_INVALID/ })
    t.match(claimed, { message: /it is registered already/ })
    // Alice's own registration, replayed by Bob for his challenge: it answers another challenge.
    const started = (await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('alice'), payload: {} })).json()
    const replayed = aliceKey.register(started.options.challenge)
    const bobStart = (await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('bob'), payload: {} })).json()
    const replay = await app.inject({
      method: 'POST',
      url: '/step-up/factors/passkeys/verify',
      headers: headers('bob', 's1', await passwordToken(testApp, 'bob')),
      payload: { challengeId: bobStart.challengeId, response: replayed }
    })
    t.match(replay.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /it answers another challenge/ })
    // Nor can Bob answer Alice's challenge: it is hers.
    const hers = await app.inject({
      method: 'POST',
      url: '/step-up/factors/passkeys/verify',
      headers: headers('bob', 's1', await passwordToken(testApp, 'bob')),
      payload: { challengeId: started.challengeId, response: replayed }
    })
    t.equal(hers.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
    t.same((await listFactors(testApp, 'bob')).factors, [], 'Bob has no passkey')
    t.equal((await app.inject({ method: 'POST', url: '/step-up/passkey/options', headers: as('bob'), payload: {} })).json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
    t.ok(await passkeyToken(testApp, aliceKey, 'alice'), 'Alice\'s passkey still works, for her')
  })

  t.test('the first factor needs the first-factor step-up, not just a session', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store })
    const started = (await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    const code = await totpCode(testApp.clock, started.secret)
    const email = await stepUpWithEmail(testApp, 'bob')
    const refused = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', email), payload: { code } })
    t.equal(refused.statusCode, 401)
    t.match(refused.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { methods: ['password'] } })
    t.same((await listFactors(testApp, 'bob')).factors, [])
  })

  t.test('changes racing each other keep to the limit', async (t) => {
    const testApp = await buildFactorApp(t, { framework, store, factors: { totp: { max: 1 } } })
    const { app, clock } = testApp
    // Two sessions each start an authenticator app, each with a change token of its own.
    const pending = await Promise.all(['s1', 's2'].map(async (session) => ({
      session,
      secret: (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob', session), payload: {} })).json().secret,
      token: await passwordToken(testApp, 'bob', session)
    })))
    const replies = await Promise.all(pending.map(async ({ session, secret, token }) =>
      app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', session, token), payload: { code: await totpCode(clock, secret) } })))
    t.same(replies.map((reply) => reply.statusCode).sort(), [200, 409], 'one is added')
    t.match(replies.find((reply) => reply.statusCode === 409)!.json().code, /^FST_STEP_UP_FACTOR_(LIMIT|BUSY)$/)
    t.equal((await listFactors(testApp, 'bob')).factors.length, 1)
  })
}

onEveryStack(t, scenarios)

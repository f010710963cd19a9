// Factor management (issue 19): a user's whole factor lifecycle over HTTP, on both frameworks. The
// first factor is enrolled with a password step-up; each later change needs a step-up at least as
// strong as the strongest factor; enrolled factors work for step-up at once, removed ones stop at
// once; replies, events and logs never carry a secret or hash.
import t from 'tap'
import { as, frameworks } from './helpers/app.js'
import {
  buildFactorApp,
  enrollPasskey,
  headers,
  listFactors,
  passkeyToken,
  passwordToken,
  totpCode,
  totpToken
} from './helpers/factors.js'

for (const framework of frameworks) {
  t.test(`${framework}: the lifecycle, from no factor to passkeys`, async (t) => {
    const logs: string[] = []
    const testApp = await buildFactorApp(t, { framework, logs })
    const { app, clock, storage, events } = testApp

    // Bob has no factor: a change needs a fresh password step-up.
    const empty = await listFactors(testApp, 'bob')
    t.same(empty.factors, [])
    t.same(empty.destinations, [{ method: 'email', id: empty.destinations[0].id, masked: 'b***@example.com' }], 'masked destinations')
    t.same(empty.kinds, [{ kind: 'totp', max: 2 }, { kind: 'passkey', max: 10 }, { kind: 'backup-codes', max: 1 }, { kind: 'pin', max: 1 }])
    t.same(empty.change, { methods: ['password'], maxAge: 300 })

    // Start an authenticator app: secret, URI, QR code, typing key; not a factor yet.
    const started = await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })
    t.equal(started.statusCode, 200)
    t.equal(started.headers['cache-control'], 'no-store', 'a reply with a secret is not cached')
    const totp = started.json()
    t.match(totp, { secret: /^[A-Z2-7]{32}$/, algorithm: 'SHA1', digits: 6, period: 30, expiresIn: 600 })
    t.equal(totp.manualEntryKey.replaceAll(' ', ''), totp.secret)
    t.equal(totp.uri, `otpauth://totp/fastify-step-up:bob%40example.com?secret=${totp.secret}&issuer=fastify-step-up&algorithm=SHA1&digits=6&period=30`)
    t.match(totp.qrCode, /^data:image\/png;base64,/)
    t.same((await listFactors(testApp, 'bob')).factors, [], 'a pending enrollment is no factor')
    const unavailable = await app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: await totpCode(clock, totp.secret) } })
    t.equal(unavailable.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE', 'nor usable for a step-up')

    // Confirming needs a change token: the 401 is an RFC 9470 challenge naming the password.
    const code = await totpCode(clock, totp.secret)
    const refused = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: as('bob'), payload: { code } })
    t.equal(refused.statusCode, 401)
    t.equal(refused.headers['www-authenticate'],
      'Bearer error="insufficient_user_authentication", error_description="This action needs a step-up: verify yourself again and retry with the step-up token", max_age="300"')
    t.same(refused.json(), {
      statusCode: 401,
      code: 'FST_STEP_UP_TOKEN_MISSING',
      error: 'Unauthorized',
      message: 'This action needs a step-up: verify yourself again and retry with the step-up token',
      stepUp: { methods: ['password'], maxAge: 300 }
    })
    const password = await passwordToken(testApp, 'bob')
    const confirmed = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', password), payload: { code, label: 'My phone' } })
    t.equal(confirmed.statusCode, 200, confirmed.body)
    const totpFactor = confirmed.json().factor
    t.same(totpFactor, { id: totpFactor.id, kind: 'totp', label: 'My phone', createdAt: new Date(clock.now()).toISOString(), lastUsedAt: null })
    t.match(totpFactor.id, /^[A-Za-z0-9_-]{22}$/)
    t.equal((await storage.list({ id: 'bob', sessionId: 's1' }))[0]?.kind, 'totp', 'saved in the app\'s storage')
    t.match(events.at(-1), { type: 'factor.added', userId: 'bob', sessionId: 's1', kind: 'totp', factorId: totpFactor.id, method: 'password' })

    // It works for step-up at once, but not with the code that confirmed it (used once).
    const replay = await app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code } })
    t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED', 'the confirming code is spent')
    const totpStepUp = await totpToken(testApp, totp.secret, 'bob')
    const listed = await listFactors(testApp, 'bob')
    t.equal(listed.factors[0].lastUsedAt, new Date(clock.now()).toISOString(), 'the use is recorded')
    t.same(listed.change, { methods: ['totp'], maxAge: 300 }, 'a change now needs the authenticator app')

    // A password token is now too weak for a change; the app's token adds backup codes and a PIN.
    const weak = await passwordToken(testApp, 'bob')
    const tooWeak = await app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', weak), payload: {} })
    t.equal(tooWeak.statusCode, 401)
    t.match(tooWeak.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { methods: ['totp'], maxAge: 300 } })
    const codes = await app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', totpStepUp), payload: {} })
    t.equal(codes.statusCode, 200, codes.body)
    t.equal(codes.headers['cache-control'], 'no-store')
    const set = codes.json()
    t.equal(set.codes.length, 10)
    t.match(set.factor, { kind: 'backup-codes', label: 'Backup codes', remaining: 10 })
    t.match(events.at(-1), { type: 'factor.added', kind: 'backup-codes', method: 'totp' })
    const spent = await app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', totpStepUp), payload: { pin: '2468' } })
    t.equal(spent.json().code, 'FST_STEP_UP_TOKEN_USED', 'a token makes one change')

    const backup = await app.inject({ method: 'POST', url: '/step-up/backup-code/verify', headers: as('bob'), payload: { code: set.codes[0] } })
    t.equal(backup.statusCode, 200, 'a new backup code works at once')
    t.equal((await listFactors(testApp, 'bob')).factors[1].remaining, 9)

    // Renewing replaces the whole set in one step: the old codes stop working.
    const renewed = await app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', await totpToken(testApp, totp.secret, 'bob')), payload: {} })
    t.equal(renewed.statusCode, 200)
    t.match(events.at(-1), { type: 'backup-codes.renewed', kind: 'backup-codes', count: 10, factorId: renewed.json().factor.id })
    const old = await app.inject({ method: 'POST', url: '/step-up/backup-code/verify', headers: as('bob'), payload: { code: set.codes[1] } })
    t.equal(old.json().code, 'FST_STEP_UP_CODE_INVALID', 'an old code is gone')
    t.equal((await listFactors(testApp, 'bob')).factors.filter((f: { kind: string }) => f.kind === 'backup-codes').length, 1, 'one set')

    // A PIN, then a new PIN: the old one stops working.
    const pin = await app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', await totpToken(testApp, totp.secret, 'bob')), payload: { pin: '2468' } })
    t.equal(pin.statusCode, 200, pin.body)
    t.match(pin.json().factor, { kind: 'pin', label: 'PIN' })
    t.equal((await app.inject({ method: 'POST', url: '/step-up/pin/verify', headers: as('bob'), payload: { pin: '2468' } })).statusCode, 200)
    const changed = await app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', await totpToken(testApp, totp.secret, 'bob')), payload: { pin: '8642' } })
    t.equal(changed.statusCode, 200)
    t.match(events.at(-1), { type: 'pin.changed', kind: 'pin' })
    t.equal((await app.inject({ method: 'POST', url: '/step-up/pin/verify', headers: as('bob'), payload: { pin: '2468' } })).json().code, 'FST_STEP_UP_CREDENTIAL_INVALID')
    t.equal((await app.inject({ method: 'POST', url: '/step-up/pin/verify', headers: as('bob'), payload: { pin: '8642' } })).statusCode, 200)

    // A passkey, with the authenticator app's step-up; from then on a change needs the passkey.
    const { key, factor: passkey } = await enrollPasskey(testApp, await totpToken(testApp, totp.secret, 'bob'), 'bob')
    t.match(passkey, { kind: 'passkey', label: 'Passkey', deviceType: 'singleDevice', backedUp: false })
    // What the storage holds that must never come out: the app's secret, the PIN's hash, the key.
    const held = (await storage.list({ id: 'bob', sessionId: 's1' })).flatMap((factor) =>
      factor.kind === 'totp' ? [factor.secret] : factor.kind === 'pin' ? [factor.hash] : factor.kind === 'passkey' ? [String(factor.credential.publicKey)] : [])
    t.equal(held.length, 3)
    t.same((await listFactors(testApp, 'bob')).change, { methods: ['passkey'], maxAge: 300 })
    const removeWithApp = await app.inject({ method: 'DELETE', url: `/step-up/factors/${totpFactor.id}`, headers: headers('bob', 's1', await totpToken(testApp, totp.secret, 'bob')) })
    t.equal(removeWithApp.statusCode, 401)
    t.match(removeWithApp.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { methods: ['passkey'] } })

    // Removing the authenticator app with the passkey: its codes stop working at once.
    const removed = await app.inject({ method: 'DELETE', url: `/step-up/factors/${totpFactor.id}`, headers: headers('bob', 's1', await passkeyToken(testApp, key, 'bob')) })
    t.equal(removed.statusCode, 200, removed.body)
    t.match(removed.json().factor, { id: totpFactor.id, kind: 'totp' })
    t.match(events.at(-1), { type: 'factor.removed', kind: 'totp', factorId: totpFactor.id, method: 'passkey' })
    clock.advance(30_000)
    const gone = await app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: await totpCode(clock, totp.secret) } })
    t.equal(gone.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE', 'a removed authenticator app stops at once')

    // The last passkey can go, with itself; then the strongest factor left decides again.
    const last = await app.inject({ method: 'DELETE', url: `/step-up/factors/${passkey.id}`, headers: headers('bob', 's1', await passkeyToken(testApp, key, 'bob')) })
    t.equal(last.statusCode, 200)
    const after = await app.inject({ method: 'POST', url: '/step-up/passkey/options', headers: as('bob'), payload: {} })
    t.equal(after.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE', 'a removed passkey stops at once')
    t.same((await listFactors(testApp, 'bob')).change.methods, ['email', 'backup-code', 'password', 'pin'], 'any method as strong as a PIN')

    // Nothing handed out once, and nothing the storage holds, is ever in a listing, an event or a log line.
    const everything = JSON.stringify([await listFactors(testApp, 'bob'), events, logs])
    for (const secret of [totp.secret, ...set.codes, ...renewed.json().codes, ...held]) {
      t.notOk(everything.includes(secret), 'no secret, code, hash or key in listings, events or logs')
    }
  })
}

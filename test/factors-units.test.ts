// The parts of factor management below the routes: the in-memory storage keeps the storage
// contract, a storage that returns something malformed stops the request (fail closed), the app's
// hooks run after a change, and the store races of a pending enrollment answer as a challenge's do.
import t from 'tap'
import { listFactors as readFactors } from '../lib/factors/storage.js'
import { MemoryFactorStorage, type FactorChange, type FactorStorage, type NewFactor, type StepUpUser } from '../lib/index.js'
import { as, frameworks } from './helpers/app.js'
import { buildFactorApp, enrollPasskey, enrollTotp, headers, listFactors, passkeyToken, passwordToken, RELYING_PARTY, totpCode } from './helpers/factors.js'
import { SoftAuthenticator } from './helpers/passkey.js'
import { slowStore, wrapStore } from './helpers/stores.js'

const bob: StepUpUser = { id: 'bob', sessionId: 's1' }
const created = new Date(Date.UTC(2026, 0, 1))

t.test('MemoryFactorStorage keeps the storage contract', async (t) => {
  const storage = new MemoryFactorStorage()
  const key = new SoftAuthenticator()
  const registered = { ...key.credential(0), publicKey: String(key.credential(0).publicKey), transports: ['usb'], deviceType: 'singleDevice' as const, backedUp: false, aaguid: '0', userVerified: true }
  const passkey: NewFactor = { kind: 'passkey', id: 'p1', label: 'Key', createdAt: created, credential: registered }
  t.equal(storage.save(bob, passkey, []), true)
  t.equal(storage.save({ id: 'mallory', sessionId: 's1' }, { ...passkey, id: 'p2' }, []), false, 'one user per credential id')
  const listed = storage.list(bob)
  t.match(listed, [{ kind: 'passkey', id: 'p1', credential: { id: key.id, transports: ['usb'] }, lastUsedAt: null }])
  ;(listed[0] as unknown as { credential: { transports: string[] } }).credential.transports.push('nfc')
  t.same((storage.list(bob)[0] as unknown as { credential: { transports: string[] } }).credential.transports, ['usb'], 'what list gives is a copy')

  t.equal(storage.markUsed(bob, 'p1', { at: created, counter: 5 }), true)
  t.equal(storage.markUsed(bob, 'p1', { at: created, counter: 5 }), false, 'a counter only goes up')
  t.equal(storage.markUsed(bob, 'missing', { at: created }), false)
  t.equal(storage.save(bob, { kind: 'pin', id: 'n1', label: 'PIN', createdAt: created, hash: 'h' }, []), true)
  t.equal(storage.markUsed(bob, 'n1', { at: created, counter: 1 }), false, 'only a passkey has a counter')
  t.equal(storage.markUsed(bob, 'n1', { at: new Date(created.getTime() + 1000) }), true)
  t.same(storage.list(bob).find((factor) => factor.id === 'n1')?.lastUsedAt, new Date(created.getTime() + 1000))

  t.equal(storage.save(bob, { kind: 'backup-codes', id: 'b1', label: 'Codes', createdAt: created, hashes: ['x', 'y'] }, []), true)
  t.equal(storage.useBackupCode(bob, 'b1', 'x'), true)
  t.equal(storage.useBackupCode(bob, 'b1', 'x'), false, 'each code once')
  t.equal(storage.useBackupCode(bob, 'n1', 'y'), false, 'only from a set of codes')
  t.equal(storage.useBackupCode({ id: 'nobody', sessionId: 's' }, 'b1', 'y'), false)
  t.match(storage.list(bob).find((factor) => factor.id === 'b1'), { kind: 'backup-codes', remaining: 1 })
  t.equal(storage.save(bob, { kind: 'totp', id: 't1', label: 'App', createdAt: created, secret: 'S' }, ['b1', 'n1']), true)
  t.same(storage.list(bob).map(({ id }) => id), ['p1', 't1'], 'replaced in the same save')

  t.equal(storage.remove(bob, 'p1'), true)
  t.equal(storage.remove(bob, 'p1'), false)
  t.equal(storage.remove({ id: 'nobody', sessionId: 's' }, 'p1'), false)
  t.equal(storage.save({ id: 'mallory', sessionId: 's1' }, { ...passkey, id: 'p2' }, []), true, 'a removed credential id is free again')
})

t.test('a malformed listing stops the request: nothing is skipped', async (t) => {
  const good = { id: 'f', label: 'x', createdAt: 0 }
  const read = (entries: unknown) => readFactors({ list: () => entries } as unknown as FactorStorage, bob)
  await t.rejects(read('nope'), { message: 'factors.storage.list must return an array of factors' })
  const bad = [
    null, 'totp', { ...good, kind: 'sms' }, { ...good, kind: 'totp', secret: 'S', id: '' }, { ...good, kind: 'totp', secret: 'S', label: 1 },
    { ...good, kind: 'totp', secret: 'S', createdAt: 'yesterday' }, { ...good, kind: 'totp', secret: 'S', createdAt: new Date(Number.NaN) },
    { ...good, kind: 'totp', secret: 'S', lastUsedAt: '2026-01-01' }, { ...good, kind: 'totp' }, { ...good, kind: 'pin' },
    { ...good, kind: 'backup-codes', remaining: -1 }, { ...good, kind: 'backup-codes', remaining: 1.5 }, { ...good, kind: 'passkey', credential: null },
    { ...good, kind: 'passkey', credential: { publicKey: 'k', counter: 0 } }, { ...good, kind: 'passkey', credential: { id: 'c', publicKey: 1, counter: 0 } },
    { ...good, kind: 'passkey', credential: { id: 'c', publicKey: 'k', counter: '0' } }
  ]
  for (const entry of bad) {
    await t.rejects(read([{ ...good, kind: 'pin', hash: 'h' }, entry]), { message: 'factors.storage.list returned a malformed factor at index 1' }, JSON.stringify(entry))
  }
  const fine = [
    { ...good, kind: 'totp', secret: 'S', lastUsedAt: null }, { ...good, kind: 'pin', hash: 'h', createdAt: created, lastUsedAt: 5 },
    { ...good, kind: 'backup-codes', remaining: 0 }, { ...good, kind: 'passkey', credential: { id: 'c', publicKey: new Uint8Array([1]), counter: 0 } }
  ]
  t.equal((await read(fine)).length, 4)
})

for (const framework of frameworks) {
  t.test(`${framework}: after a change, the event, then endOtherSessions, then onChange`, async (t) => {
    const calls: Array<[string, unknown, unknown?]> = []
    let failNotice = false
    const testApp = await buildFactorApp(t, {
      framework,
      factors: {
        endOtherSessions: (user) => { calls.push(['endOtherSessions', user.sessionId]) },
        onChange: async (change: FactorChange, user) => {
          calls.push(['onChange', change, user.id])
          if (failNotice) throw new Error('the mail server is down')
        }
      }
    })
    const { factor } = await enrollTotp(testApp, await passwordToken(testApp, 'bob'), 'bob')
    const event = testApp.events.find((e) => e.type === 'factor.added')
    t.same(calls, [['endOtherSessions', 's1'], ['onChange', event, 'bob']])
    t.match(event, { type: 'factor.added', userId: 'bob', sessionId: 's1', kind: 'totp', factorId: factor.id, method: 'password', jti: /^[\w-]{22}$/ })

    // A hook that fails goes to the app's error handler; the change is saved all the same.
    failNotice = true
    const secret = (await listFactors(testApp, 'bob')).factors[0] && (await testApp.storage.list(bob))[0]
    testApp.clock.advance(30_000)
    const code = await totpCode(testApp.clock, (secret as { secret: string }).secret)
    const token = (await testApp.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code } })).json().token
    const failed = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '2580' } })
    t.equal(failed.statusCode, 500)
    t.ok((await listFactors(testApp, 'bob')).factors.some((f: { kind: string }) => f.kind === 'pin'), 'the PIN was set')
  })

  t.test(`${framework}: several authenticator apps, and what a step-up records`, async (t) => {
    const testApp = await buildFactorApp(t, { framework })
    const { app, clock } = testApp
    const first = await enrollTotp(testApp, await passwordToken(testApp, 'bob'), 'bob')
    clock.advance(30_000)
    const second = await enrollTotp(testApp, (await app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: await totpCode(clock, first.secret) } })).json().token, 'bob', 's1', 'Tablet')
    clock.advance(30_000)
    const wrong = await app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: (Number(await totpCode(clock, second.secret)) ^ 1).toString().padStart(6, '0') } })
    t.equal(wrong.json().code, 'FST_STEP_UP_CODE_INVALID')
    const bySecond = await app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as('bob'), payload: { code: await totpCode(clock, second.secret) } })
    t.equal(bySecond.statusCode, 200, 'the second app\'s code')
    const listed = (await listFactors(testApp, 'bob')).factors
    t.equal(listed[1].lastUsedAt, new Date(clock.now()).toISOString(), 'the use is the second app\'s')
    t.equal(listed[1].label, 'Tablet')

    // A counting passkey: its counter is stored; an assertion that does not count up is refused.
    const key = new SoftAuthenticator({ transports: ['usb'] })
    await enrollPasskey(testApp, bySecond.json().token, 'bob', 's1', key)
    await passkeyToken(testApp, key, 'bob')
    t.match((await testApp.storage.list(bob)).find((f) => f.kind === 'passkey'), { credential: { counter: 1 } })
    const started = (await app.inject({ method: 'POST', url: '/step-up/passkey/options', headers: as('bob'), payload: {} })).json()
    const cloned = await app.inject({ method: 'POST', url: '/step-up/passkey/verify', headers: as('bob'), payload: { challengeId: started.challengeId, response: key.assert(started.options.challenge, { counter: 1 }) } })
    t.match(cloned.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /counter did not advance/ })
    const listedKey = (await listFactors(testApp, 'bob')).factors.find((f: { kind: string }) => f.kind === 'passkey')
    t.match(listedKey, { deviceType: 'singleDevice', backedUp: false, transports: ['usb'] })
    t.notOk('publicKey' in listedKey || 'credential' in listedKey)

    // A synced passkey does not count (always 0): its use is recorded all the same.
    const synced = new SoftAuthenticator({ synced: true, counting: false })
    const { factor: syncedFactor } = await enrollPasskey(testApp, await passkeyToken(testApp, key, 'bob'), 'bob', 's1', synced)
    t.match(syncedFactor, { deviceType: 'multiDevice', backedUp: true, lastUsedAt: null })
    clock.advance(1000)
    await passkeyToken(testApp, synced, 'bob')
    const used = (await listFactors(testApp, 'bob')).factors.find((f: { id: string }) => f.id === syncedFactor.id)
    t.equal(used.lastUsedAt, new Date(clock.now()).toISOString())
    t.match((await testApp.storage.list(bob)).find((f) => f.id === syncedFactor.id), { credential: { counter: 0 } })
  })

  t.test(`${framework}: a storage that misbehaves`, async (t) => {
    const inner = new MemoryFactorStorage()
    const misbehaving = { remove: false, save: false }
    const storage: FactorStorage = {
      list: (user) => inner.list(user),
      save: (user, factor, replaces) => misbehaving.save ? false : inner.save(user, factor, replaces),
      // Removed behind the plugin's back, between its listing and its removal.
      remove: (user, id) => misbehaving.remove ? false : inner.remove(user, id),
      markUsed: (user, id, use) => inner.markUsed(user, id, use),
      useBackupCode: (user, id, hash) => inner.useBackupCode(user, id, hash)
    }
    const testApp = await buildFactorApp(t, { framework, factors: { storage } })
    const pin = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: { pin: '2580' } })
    misbehaving.remove = true
    const gone = await testApp.app.inject({ method: 'DELETE', url: `/step-up/factors/${pin.json().factor.id}`, headers: headers('bob', 's1', await passwordToken(testApp, 'bob')) })
    t.equal(gone.statusCode, 404)
    t.equal(gone.json().code, 'FST_STEP_UP_FACTOR_NOT_FOUND')
    misbehaving.save = true
    const refused = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/backup-codes', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: {} })
    t.equal(refused.statusCode, 500, 'a storage that refuses what has no unique key is the app\'s bug')
  })

  t.test(`${framework}: a pending app's guesses at the same time get no more than its attempts`, async (t) => {
    const testApp = await buildFactorApp(t, { framework, store: (clock) => slowStore(clock).store, plugin: { codes: { maxAttempts: 2 }, lockout: { maxFailures: 20 } } })
    const { app } = testApp
    await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })
    const token = await passwordToken(testApp, 'bob')
    const replies = await Promise.all(['000000', '000001', '000002', '000003', '000004'].map((code) =>
      app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code } })))
    const codes = replies.map((reply) => reply.json().code)
    t.equal(codes.filter((code) => code === 'FST_STEP_UP_CODE_INVALID').length, 1, 'one guess with another left')
    t.equal(codes.filter((code) => code === 'FST_STEP_UP_ATTEMPTS_EXHAUSTED').length, 4)
  })

  t.test(`${framework}: a pending app gone between reading and counting is expired`, async (t) => {
    let vanish = false
    const testApp = await buildFactorApp(t, {
      framework,
      store: (clock) => wrapStore(async (name, _args, call) => vanish && name === 'countAttempt' ? undefined : call(), clock).store
    })
    await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })
    const token = await passwordToken(testApp, 'bob')
    vanish = true
    const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', token), payload: { code: '000000' } })
    t.equal(reply.json().code, 'FST_STEP_UP_CODE_EXPIRED')
  })

  t.test(`${framework}: names an authenticator shows, and records from before the plugin managed them`, async (t) => {
    const inner = new MemoryFactorStorage()
    // A passkey kept from before, with only what getCredentials used to return.
    const old = new SoftAuthenticator()
    const storage: FactorStorage = {
      list: (user) => [...inner.list(user), ...(user.id === 'carol' ? [{ kind: 'passkey' as const, id: 'legacy', label: 'Old key', createdAt: 0, credential: old.credential(0) }] : [])],
      save: (user, factor, replaces) => inner.save(user, factor, replaces),
      remove: (user, id) => inner.remove(user, id),
      markUsed: (user, id, use) => inner.markUsed(user, id, use)
    }
    const testApp = await buildFactorApp(t, { framework, factors: { storage, backupCodes: false, totp: { accountName: () => ':::' }, passkey: { ...RELYING_PARTY, userName: () => '' } } })
    const { app } = testApp
    t.same((await listFactors(testApp, 'carol')).factors, [{ id: 'legacy', kind: 'passkey', label: 'Old key', createdAt: '1970-01-01T00:00:00.000Z', lastUsedAt: null }])
    const started = (await app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    t.match(started.uri, /^otpauth:\/\/totp\/fastify-step-up:account\?/, 'an account name of colons only: a neutral one')
    const options = (await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('bob'), payload: {} })).json()
    t.equal(options.options.user.name, 'bob', 'no user name: the id')
    // A registration without clientExtensionResults (the schema allows leaving it out).
    const key = new SoftAuthenticator()
    const { clientExtensionResults: _, ...response } = key.register(options.options.challenge)
    const registered = await app.inject({ method: 'POST', url: '/step-up/factors/passkeys/verify', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: { challengeId: options.challengeId, response } })
    t.equal(registered.statusCode, 200, registered.body)
  })

  t.test(`${framework}: a factor of a kind turned off still counts: with nothing strong enough on, no change passes`, async (t) => {
    const inner = new MemoryFactorStorage()
    const key = new SoftAuthenticator()
    const storage: FactorStorage = {
      list: (user) => [...inner.list(user), { kind: 'passkey' as const, id: 'kept', label: 'Key', createdAt: 0, credential: key.credential(0) }],
      save: (user, factor, replaces) => inner.save(user, factor, replaces),
      remove: (user, id) => inner.remove(user, id),
      markUsed: (user, id, use) => inner.markUsed(user, id, use)
    }
    const testApp = await buildFactorApp(t, { framework, factors: { storage, passkey: false, backupCodes: false } })
    t.same((await listFactors(testApp, 'bob')).change, { methods: [], maxAge: 300 })
    const refused = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: { pin: '2580' } })
    t.equal(refused.statusCode, 401)
    t.match(refused.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { methods: [] } })
  })

  t.test(`${framework}: the default account name without an email is the user id`, async (t) => {
    const testApp = await buildFactorApp(t, { framework })
    const started = (await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('frank'), payload: {} })).json()
    t.match(started.uri, /^otpauth:\/\/totp\/fastify-step-up:frank\?/)
  })

  t.test(`${framework}: store failures while changing`, async (t) => {
    const trouble = { jti: false, consume: false }
    const testApp = await buildFactorApp(t, {
      framework,
      store: (clock) => wrapStore(async (name, args, call) => {
        if (trouble.jti && name === 'markOnce' && String(args[0]).startsWith('jti:')) throw new Error('connection reset')
        if (trouble.consume && name === 'consumeChallenge') return false
        return call()
      }, clock).store
    })
    trouble.jti = true
    const down = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: { pin: '2580' } })
    t.equal(down.statusCode, 503, 'a token that cannot be spent changes nothing')
    t.equal(down.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
    t.same((await listFactors(testApp, 'bob')).factors, [])
    trouble.jti = false
    // The pending app answered by another request between this one's reading and its change.
    const started = (await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as('bob'), payload: {} })).json()
    trouble.consume = true
    const raced = await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: { code: await totpCode(testApp.clock, started.secret) } })
    t.equal(raced.json().code, 'FST_STEP_UP_CODE_USED')
    t.same((await listFactors(testApp, 'bob')).factors, [])
  })
}

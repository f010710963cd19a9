// The `factors` option is checked once at registration, like every other option: unknown keys,
// values out of range and settings that contradict each other are errors that name the option.
// And what it configures takes effect: the strength ranking, the first-factor methods, the action.
import t from 'tap'
import { setUpStepUp } from '../lib/setup.js'
import { MemoryFactorStorage, type FactorOptions, type StepUpOptions } from '../lib/index.js'
import { as, buildApp, frameworks, SECRET } from './helpers/app.js'
import { codeIn } from './helpers/smtp.js'
import {
  buildFactorApp,
  enrollPasskey,
  enrollTotp,
  headers,
  listFactors,
  passwordToken,
  RELYING_PARTY,
  stepUpWithEmail,
  totpToken
} from './helpers/factors.js'

const storage = new MemoryFactorStorage()
const base = { secret: SECRET, getUser: () => null, password: { verify: () => false } }

function setUp (factors: unknown, more: Partial<StepUpOptions<unknown>> = {}) {
  return () => setUpStepUp({ ...base, ...more, factors } as StepUpOptions<unknown>)
}

t.test('bad factor options are refused at registration, by name', async (t) => {
  const cases: Array<[string, unknown, RegExp, Partial<StepUpOptions<unknown>>?]> = [
    ['not an object', 'yes', /The factors option must be an object or false/],
    ['no storage', {}, /The factors\.storage option must be an object with list, save, remove and markUsed/],
    ['a storage without list', { storage: { save () {}, remove () {}, markUsed () {} }, pin: true }, /factors\.storage\.list option must be a function/],
    ['a misspelled key', { storage, pin: true, enrolmentTtl: '5m' }, /factors\.enrolmentTtl option is unknown; did you mean "factors\.enrollmentTtl"\?/],
    ['no kind on', { storage }, /must turn on at least one of totp, passkey, backupCodes or pin/],
    ['totp of another type', { storage, totp: 'on' }, /factors\.totp option must be an object, true or false/],
    ['totp as an array', { storage, totp: [] }, /factors\.totp option must be an object, true or false/],
    ['a TOTP algorithm', { storage, totp: { algorithm: 'MD5' } }, /factors\.totp\.algorithm option must be one of/],
    ['TOTP digits', { storage, totp: { digits: 7 } }, /factors\.totp\.digits option must be one of/],
    ['an account name that is not a function', { storage, totp: { accountName: 'bob' } }, /factors\.totp\.accountName option must be a function/],
    ['an issuer with a colon', { storage, totp: { issuer: 'a:b' } }, /factors\.totp\.issuer option must be 1 to 100 characters/],
    ['a blank issuer', { storage, totp: { issuer: '  ' } }, /factors\.totp\.issuer option/],
    ['an issuer of another type', { storage, totp: { issuer: 7 } }, /factors\.totp\.issuer option/],
    ['too many apps', { storage, totp: { max: 21 } }, /factors\.totp\.max option must be a whole number from 1 to 20/],
    ['half an app', { storage, totp: { max: 1.5 } }, /factors\.totp\.max option/],
    ['a TOTP typo', { storage, totp: { digit: 6 } }, /factors\.totp\.digit option is unknown/],
    ['passkeys of another type', { storage, passkey: true }, /factors\.passkey option must be an object or false/],
    ['a bad RP ID', { storage, passkey: { rpID: 'Example.com', origin: 'https://example.com' } }, /factors\.passkey\.rpID option/],
    ['a user name that is not a function', { storage, passkey: { ...RELYING_PARTY, userName: 'bob' } }, /factors\.passkey\.userName option must be a function/],
    ['too many passkeys', { storage, passkey: { ...RELYING_PARTY, max: 51 } }, /factors\.passkey\.max option must be a whole number from 1 to 50/],
    ['a passkey typo', { storage, passkey: { ...RELYING_PARTY, getCredentials: () => [] } }, /factors\.passkey\.getCredentials option is unknown/],
    ['no backup codes', { storage: { ...storageCalls(), useBackupCode: undefined }, backupCodes: true }, /factors\.storage\.useBackupCode option must be a function when factors\.backupCodes is on/],
    ['backup codes of another count', { storage, backupCodes: { count: 0 } }, /factors\.backupCodes\.count option must be a whole number from 1 to 50/],
    ['a PIN of another type', { storage, pin: 'yes' }, /factors\.pin option must be true or false/],
    ['change of another type', { storage, pin: true, change: [] }, /factors\.change option must be an object/],
    ['a change typo', { storage, pin: true, change: { maxage: '5m' } }, /factors\.change\.maxage option is unknown; did you mean "factors\.change\.maxAge"\?/],
    ['a change maxAge', { storage, pin: true, change: { maxAge: 0 } }, /factors\.change\.maxAge option must be a positive number/],
    ['no first-factor methods', { storage, pin: true, change: { firstFactor: [] } }, /factors\.change\.firstFactor option must be a non-empty array/],
    ['a first-factor method that is off', { storage, pin: true, change: { firstFactor: ['sms'] } }, /factors\.change\.firstFactor option names "sms", which is not enabled/],
    ['the default first factor, password, off', { storage, pin: true }, /firstFactor option names "password", which is not enabled: enable it, or name there/, { password: false, email: undefined, sms: { send: async () => {} } }],
    ['strength of another type', { storage, pin: true, change: { strength: [] } }, /factors\.change\.strength option must be an object/],
    ['the strength of no method', { storage, pin: true, change: { strength: { passkee: 3 } } }, /factors\.change\.strength\.passkee option is unknown; did you mean "factors\.change\.strength\.passkey"\?/],
    ['a strength out of range', { storage, pin: true, change: { strength: { totp: 101 } } }, /factors\.change\.strength\.totp option must be a whole number from 0 to 100/],
    ['a bad action name', { storage, pin: true, change: { action: 'change factors' } }, /factors\.change\.action option must be 1 to 64 letters/],
    ['an enrollment over an hour', { storage, pin: true, enrollmentTtl: '2h' }, /factors\.enrollmentTtl option must be at most 1 hour/],
    ['onChange that is not a function', { storage, pin: true, onChange: 'notify' }, /factors\.onChange option must be a function/],
    ['endOtherSessions that is not a function', { storage, pin: true, endOtherSessions: true }, /factors\.endOtherSessions option must be a function/],
    ['totp kept twice', { storage, totp: true }, /The totp option cannot be set with factors\.totp/, { totp: { getSecret: () => null } }],
    ['passkeys kept twice', { storage, passkey: RELYING_PARTY }, /The passkey option cannot be set with factors\.passkey/, { passkey: { ...RELYING_PARTY, getCredentials: () => [], updateCounter: () => true } }],
    ['backup codes kept twice', { storage, backupCodes: true }, /The backupCodes option cannot be set with factors\.backupCodes/, { backupCodes: { consume: () => false } }],
    ['a PIN kept twice', { storage, pin: true }, /The pin option cannot be set with factors\.pin/, { pin: { verify: () => false } }]
  ]
  for (const [name, factors, message, more] of cases) {
    t.throws(setUp(factors, more), { code: /^FST_STEP_UP_OPTION_(INVALID|DURATION)$/, message }, name)
  }
  t.doesNotThrow(setUp(false), 'false: off')
  t.doesNotThrow(setUp({ storage, pin: true }, { pin: false }), 'the method\'s own option off is no conflict')
  const { engine } = setUpStepUp({ ...base, factors: { storage, totp: { max: 5, issuer: 'ACME', digits: 8, algorithm: 'SHA256' }, backupCodes: { count: 5 }, pin: false } } as StepUpOptions<unknown>)
  t.same(engine.factors!.kinds, ['totp', 'backup-codes'])
  t.same(engine.enabledMethods, ['totp', 'backup-code', 'password'], 'the managed methods take their place in the methods list')
})

function storageCalls () {
  return { list: () => [], save: () => true, remove: () => true, markUsed: () => true }
}

for (const framework of frameworks) {
  t.test(`${framework}: what the options configure`, async (t) => {
    t.test('strength: an authenticator app ranked as a passkey may remove one', async (t) => {
      const testApp = await buildFactorApp(t, { framework, factors: { change: { strength: { totp: 3 } } } })
      const { secret } = await enrollTotp(testApp, await passwordToken(testApp, 'bob'), 'bob')
      const { factor } = await enrollPasskey(testApp, await totpToken(testApp, secret, 'bob'), 'bob')
      t.same((await listFactors(testApp, 'bob')).change.methods, ['totp', 'passkey'])
      const removed = await testApp.app.inject({ method: 'DELETE', url: `/step-up/factors/${factor.id}`, headers: headers('bob', 's1', await totpToken(testApp, secret, 'bob')) })
      t.equal(removed.statusCode, 200)
    })

    t.test('firstFactor and action: an email step-up made for the action enrolls the first factor', async (t) => {
      const testApp = await buildFactorApp(t, { framework, factors: { change: { firstFactor: ['email'], action: 'factors.change', maxAge: '2m' } } as Partial<FactorOptions> })
      t.same((await listFactors(testApp, 'bob')).change, { methods: ['email'], maxAge: 120, action: 'factors.change' })
      const plain = await stepUpWithEmail(testApp, 'bob')
      const refused = await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', plain), payload: { pin: '2580' } })
      t.match(refused.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { methods: ['email'], maxAge: 120, action: 'factors.change' } })
      t.match(refused.headers['www-authenticate'], /max_age="120"/)
      testApp.clock.advance(30_000) // the resend cooldown
      const send = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com', action: { name: 'factors.change' } } })
      const code = codeIn(await testApp.mailbox.next())
      const token = (await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('bob'), payload: { challengeId: send.json().challengeId, code } })).json().token
      t.equal((await testApp.app.inject({ method: 'PUT', url: '/step-up/factors/pin', headers: headers('bob', 's1', token), payload: { pin: '2580' } })).statusCode, 200)
      t.same((await listFactors(testApp, 'bob')).change.methods, ['email', 'password', 'pin'], 'a PIN is as strong as email or a password')
    })

    t.test('only the kinds turned on have routes', async (t) => {
      const testApp = await buildFactorApp(t, { framework, factors: { totp: false, passkey: false, backupCodes: false, pin: true } })
      for (const [method, url] of [['POST', '/step-up/factors/totp'], ['POST', '/step-up/factors/passkeys/options'], ['POST', '/step-up/factors/backup-codes']] as const) {
        t.equal((await testApp.app.inject({ method, url, headers: as('bob'), payload: {} })).statusCode, 404, url)
      }
      t.same((await listFactors(testApp, 'bob')).kinds, [{ kind: 'pin', max: 1 }])
    })

    t.test('without the option, no factor routes and no change for the methods', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      t.equal((await testApp.app.inject({ url: '/step-up/factors', headers: as('alice') })).statusCode, 404)
      const methods = (await testApp.app.inject({ url: '/step-up/methods', headers: as('alice') })).json().methods.map((m: { method: string }) => m.method)
      t.same(methods, ['email', 'sms', 'totp', 'backup-code', 'password', 'pin', 'security-questions'], 'the factors come from getUser, as before')
    })
  })
}

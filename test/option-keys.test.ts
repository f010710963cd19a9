// Typos are errors: a key no options object knows fails registration (Fastify's ready() rejects,
// Express's createStepUp throws) or requireStepUp(), naming the key by its dotted path and the key
// it most likely meant. A misspelled security setting never leaves its default in force in silence.
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import Fastify from 'fastify'
import t from 'tap'
import { resolveRequirement } from '../lib/core/policy.js'
import { createLoginRadius } from '../lib/compat/loginradius/express.js'
import { loginRadius } from '../lib/compat/loginradius/index.js'
import { createStepUp } from '../lib/express/index.js'
import stepUp, { MemoryStore, type StepUpUser } from '../lib/index.js'
import { checkKeys, closestKey } from '../lib/option-keys.js'
import { resolveOptions } from '../lib/options.js'
import { LR_API_KEY, LR_API_SECRET } from './helpers/app.js'
import { register, valid } from './helpers/register.js'

type Path = ReadonlyArray<string | number>
type Options = Record<string, any>

const ed = generateKeyPairSync('ed25519')
const previous = generateKeyPairSync('ed25519')
const fn = () => false

/** Every option set, so every key each options object knows is in here once. */
const full: Options = {
  ...valid,
  prefix: '/step-up',
  tokenHeader: 'x-step-up-token',
  issuer: 'issuer',
  audience: 'audience',
  tokenTtl: '5m',
  maxAge: '5m',
  codes: { length: 6, ttl: '5m', maxAttempts: 5, resendCooldown: '30s' },
  sendLimit: { max: 10, window: '1h' },
  lockout: { maxFailures: 10, window: '15m', duration: '15m' },
  knowledgeLimit: { max: 10, window: '15m' },
  email: { ...valid.email as Options, mode: 'profile', subject: 'Your code', text: () => 'text', html: () => 'html' },
  sms: { send: async () => {}, mode: 'profile', text: () => 'text' },
  totp: { getSecret: () => null, algorithm: 'SHA1', digits: 6 },
  backupCodes: { consume: fn },
  password: { verify: fn },
  pin: { verify: fn },
  securityQuestions: { getQuestions: () => [], verifyAnswer: fn },
  passkey: { rpID: 'example.com', rpName: 'Example', origin: 'https://example.com', userVerification: 'required', getCredentials: () => [], updateCounter: fn },
  tokenCache: { max: 100 },
  levels: { aal1: { acr: 'urn:example:aal1', methods: ['email'], maxAge: '10m' } },
  keys: {
    signing: { kid: 'k2', alg: 'EdDSA', privateKey: ed.privateKey },
    verification: [{ kid: 'k1', alg: 'EdDSA', publicKey: previous.publicKey }]
  },
  onEvent: () => {},
  store: new MemoryStore(),
  clock: Date
}

/** Where options objects sit in `full`, and the dotted name each goes by in messages. */
const places: Array<[Path, string]> = [
  [[], ''],
  ...['codes', 'sendLimit', 'lockout', 'knowledgeLimit', 'tokenCache', 'email', 'sms', 'totp', 'backupCodes', 'password', 'pin',
    'securityQuestions', 'passkey', 'keys'].map((name): [Path, string] => [[name], name]),
  [['levels', 'aal1'], 'levels.aal1'],
  [['keys', 'signing'], 'keys.signing'],
  [['keys', 'verification', 0], 'keys.verification[0]']
]

function at (object: any, path: Path): any {
  return path.reduce((value, step) => value[step], object)
}

/** A copy of `object` where, at `path`, `from` is spelled `to` (or, with no `from`, `to` is added). */
function misspell (object: any, path: Path, from: string | undefined, to: string, value: unknown = true): any {
  if (path.length === 0) {
    const { [from ?? to]: given, ...rest } = object
    return { ...rest, [to]: from === undefined ? value : given }
  }
  const [step, ...more] = path
  const copy = Array.isArray(object) ? [...object] : { ...object }
  copy[step as string] = misspell(object[step!], more, from, to, value)
  return copy
}

/** [where, the right key, the typo, the path the message names, the path it suggests] */
const typos: Array<[Path, string, string, string, string]> = [
  [[], 'tokenTtl', 'tokenTTL', 'tokenTTL', 'tokenTtl'],
  [[], 'maxAge', 'maxage', 'maxage', 'maxAge'],
  [[], 'secret', 'secrets', 'secrets', 'secret'],
  [[], 'getUser', 'getuser', 'getuser', 'getUser'],
  [[], 'securityQuestions', 'securityQuestion', 'securityQuestion', 'securityQuestions'],
  [['codes'], 'maxAttempts', 'maxAttempt', 'codes.maxAttempt', 'codes.maxAttempts'],
  [['sendLimit'], 'window', 'widnow', 'sendLimit.widnow', 'sendLimit.window'],
  [['lockout'], 'maxFailures', 'maxFailure', 'lockout.maxFailure', 'lockout.maxFailures'],
  [['knowledgeLimit'], 'max', 'Max', 'knowledgeLimit.Max', 'knowledgeLimit.max'],
  [['tokenCache'], 'max', 'maxx', 'tokenCache.maxx', 'tokenCache.max'],
  [['email'], 'subject', 'subjet', 'email.subjet', 'email.subject'],
  [['sms'], 'send', 'sned', 'sms.sned', 'sms.send'],
  [['totp'], 'algorithm', 'algoritm', 'totp.algoritm', 'totp.algorithm'],
  [['backupCodes'], 'consume', 'consum', 'backupCodes.consum', 'backupCodes.consume'],
  [['password'], 'verify', 'verfy', 'password.verfy', 'password.verify'],
  [['pin'], 'verify', 'verifiy', 'pin.verifiy', 'pin.verify'],
  [['securityQuestions'], 'verifyAnswer', 'verifyAnswers', 'securityQuestions.verifyAnswers', 'securityQuestions.verifyAnswer'],
  [['passkey'], 'rpID', 'rpId', 'passkey.rpId', 'passkey.rpID'],
  [['levels', 'aal1'], 'maxAge', 'maxage', 'levels.aal1.maxage', 'levels.aal1.maxAge'],
  [['keys'], 'verification', 'verifications', 'keys.verifications', 'keys.verification'],
  [['keys', 'signing'], 'privateKey', 'privatekey', 'keys.signing.privatekey', 'keys.signing.privateKey'],
  [['keys', 'verification', 0], 'publicKey', 'pubilcKey', 'keys.verification[0].pubilcKey', 'keys.verification[0].publicKey']
]

const message = (path: string, suggestion: string) => `The ${path} option is unknown; did you mean "${suggestion}"?`

t.test('every option set registers, on Fastify and on Express, with each adapter\'s own options', async (t) => {
  await t.resolves(register(full))
  // Fastify's register options (and avvio's plugin name) reach the plugin too: they are not typos.
  await t.resolves(register({ ...full, logLevel: 'warn', logSerializers: { user: String }, name: 'step-up' }))
  const express = createStepUp({ ...full, logger: { info () {}, error () {} } } as never)
  express.close()
  t.ok(express.router)
  t.ok(resolveOptions(full as never), 'resolveOptions takes them too')
})

t.test('a misspelled key fails registration on Fastify, naming it and the key it meant', async (t) => {
  for (const [path, right, typo, named, meant] of typos) {
    await t.rejects(register(misspell(full, path, right, typo)), { code: 'FST_STEP_UP_OPTION_INVALID', statusCode: undefined, message: message(named, meant) }, named)
  }
})

t.test('a misspelled key makes createStepUp throw on Express, naming it and the key it meant', async (t) => {
  for (const [path, right, typo, named, meant] of typos) {
    t.throws(() => createStepUp(misspell(full, path, right, typo)), { code: 'FST_STEP_UP_OPTION_INVALID', message: message(named, meant) }, named)
  }
})

t.test('each adapter knows its own options, and only those', async (t) => {
  await t.rejects(register({ ...full, loglevel: 'warn' }), { code: 'FST_STEP_UP_OPTION_INVALID', message: message('loglevel', 'logLevel') })
  await t.rejects(register({ ...full, logger: console }), { code: 'FST_STEP_UP_OPTION_INVALID', message: /^The logger option is unknown; expected one of "secret", "getUser", .*"logLevel", "logSerializers", "name"$/ })
  t.throws(() => createStepUp({ ...full, loger: console } as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: message('loger', 'logger') })
  t.throws(() => createStepUp({ ...full, logLevel: 'warn' } as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: /^The logLevel option is unknown; expected one of .*"clock", "logger"$/ })
})

t.test('with nothing close, the message lists the keys that object takes', async (t) => {
  await t.rejects(register({ ...full, lockout: { attempts: 3 } }), {
    code: 'FST_STEP_UP_OPTION_INVALID',
    message: 'The lockout.attempts option is unknown; expected one of "maxFailures", "window", "duration"'
  })
  t.throws(() => createStepUp(misspell(full, ['totp'], undefined, 'issuer', 'Example')), {
    message: 'The totp.issuer option is unknown; expected one of "getSecret", "algorithm", "digits"'
  })
})

t.test('a group of settings that is not an object is refused, not taken as all defaults', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['codes', null], ['sendLimit', 'hourly'], ['lockout', 5], ['knowledgeLimit', []], ['tokenCache', true]
  ]
  for (const [name, value] of cases) {
    await t.rejects(register({ ...valid, [name]: value }), { code: 'FST_STEP_UP_OPTION_INVALID', message: `The ${name} option must be an object` }, name)
  }
  await t.resolves(register({ ...valid, tokenCache: false }), 'false is still allowed')
  t.equal(resolveOptions({ ...valid, tokenCache: false }).tokenCacheMax, 0, 'false turns the cache off, as before')
})

t.test('the email transport is nodemailer\'s: its keys are not checked', async (t) => {
  await t.resolves(register({ ...valid, email: { from: 'a@example.com', transport: { jsonTransport: true, anything: 'goes', pool: false } } }))
})

t.test('knowledgeLimit resolves to knowledgeLimitMax and knowledgeLimitWindowMs', async (t) => {
  const defaults = resolveOptions(valid)
  t.same([defaults.knowledgeLimitMax, defaults.knowledgeLimitWindowMs], [10, 15 * 60_000], 'default 10 per 15 minutes')
  const given = resolveOptions({ ...valid, knowledgeLimit: { max: 3, window: '1h' } })
  t.same([given.knowledgeLimitMax, given.knowledgeLimitWindowMs], [3, 3_600_000])
  t.same(resolveOptions({ ...valid, knowledgeLimit: { max: 1000 } }).knowledgeLimitMax, 1000)
  for (const max of [0, 1001, 2.5, '5']) {
    t.throws(() => resolveOptions({ ...valid, knowledgeLimit: { max: max as number } }),
      { code: 'FST_STEP_UP_OPTION_INVALID', message: 'The knowledgeLimit.max option must be a whole number from 1 to 1000' }, String(max))
  }
  t.throws(() => resolveOptions({ ...valid, knowledgeLimit: { window: 'soon' } }), { code: 'FST_STEP_UP_OPTION_DURATION', message: /knowledgeLimit\.window/ })
})

t.test('a misspelled requirement fails in requireStepUp(), config.stepUp and verifyToken, on both adapters', async (t) => {
  const alice: StepUpUser = { id: 'alice', sessionId: 's1', emails: ['alice@example.com'] }
  const options = { ...valid, getUser: () => alice, levels: { aal1: { methods: ['email' as const] } } }
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, options)
  const express = createStepUp(options)
  t.teardown(() => express.close())
  const cases: Array<[object, string, string]> = [
    [{ maxage: '1m' }, 'stepUp.maxage', 'stepUp.maxAge'],
    [{ singleuse: true }, 'stepUp.singleuse', 'stepUp.singleUse'],
    [{ Level: 'aal1' }, 'stepUp.Level', 'stepUp.level'],
    [{ method: ['email'] }, 'stepUp.method', 'stepUp.methods'],
    [{ action: 'pay', actiondata: () => 1 }, 'stepUp.actiondata', 'stepUp.actionData'],
    [{ maxAge: '1m', sigleUse: true }, 'stepUp.sigleUse', 'stepUp.singleUse']
  ]
  for (const [i, [requirement, named, meant]] of cases.entries()) {
    const refused = { code: 'FST_STEP_UP_OPTION_INVALID', message: message(named, meant) }
    t.throws(() => app.requireStepUp(requirement as never), refused, `Fastify requireStepUp: ${named}`)
    t.throws(() => app.get(`/typo-${i}`, { config: { stepUp: requirement as never } }, async () => 'b'), refused, `Fastify config.stepUp: ${named}`)
    await t.rejects(app.stepUp.verifyToken('x', { user: alice, requirement: requirement as never }), refused, `Fastify verifyToken: ${named}`)
    t.throws(() => express.requireStepUp(requirement as never), refused, `Express requireStepUp: ${named}`)
    await t.rejects(express.verifyToken('x', { user: alice, requirement: requirement as never }), refused, `Express verifyToken: ${named}`)
  }
  t.ok(app.requireStepUp({ maxAge: '1m', methods: ['email'], level: 'aal1', action: 'pay', actionData: () => 1, singleUse: true }), 'every key spelled right')

  // POST /token/verify: the body's schema refuses any key it does not list, before the requirement is read.
  const reply = await app.inject({ method: 'POST', url: '/step-up/token/verify', payload: { token: 'x', requirement: { maxage: 60 } } })
  t.equal(reply.statusCode, 400)
  t.match(reply.json(), { code: 'FST_STEP_UP_INVALID_REQUEST', message: /requirement must NOT have additional properties/ })
})

t.test('checkKeys and closestKey', async (t) => {
  t.doesNotThrow(() => checkKeys('store', undefined, ['max']), 'nothing to check: the caller checks the type')
  t.doesNotThrow(() => checkKeys('store', 'text', ['max']))
  t.doesNotThrow(() => checkKeys('store', { max: 1 }, ['max']))
  t.throws(() => checkKeys('MemoryStore', { maxEntrys: 5 }, ['maxChallenges', 'maxEntries', 'clock']), { message: message('MemoryStore.maxEntrys', 'MemoryStore.maxEntries') })
  t.throws(() => checkKeys('', { ['x'.repeat(100)]: 1 }, ['max']), { message: `The ${'x'.repeat(64)} option is unknown; expected one of "max"` }, 'a long key is cut short')
  t.throws(() => checkKeys('', { __proto__: null, constructor: 1 } as object, ['max']), { message: /^The constructor option is unknown/ })
  t.equal(closestKey('MAXAGE', ['max', 'maxAge']), 'maxAge', 'the same but for case comes first')
  t.equal(closestKey('mxa', ['max', 'maxAge']), 'max', 'two letters swapped are one edit')
  t.equal(closestKey('singelUse', ['singleUse']), 'singleUse')
  t.equal(closestKey('abc', ['max']), undefined, 'nothing close')
  t.equal(closestKey('verifiy', ['verify']), 'verify')
  t.equal(closestKey('s', ['pin', 'sms']), undefined, 'a short key needs a close match')
})

/** A key that is almost one of `keys`: another case, a letter lost, doubled or swapped; or any string. */
function nearKey (keys: readonly string[]): fc.Arbitrary<string> {
  const edited = fc.tuple(fc.constantFrom(...keys), fc.nat(), fc.constantFrom('lower', 'upper', 'drop', 'double', 'swap')).map(([key, n, edit]) => {
    const i = n % key.length
    switch (edit) {
      case 'lower': return key.toLowerCase()
      case 'upper': return key.toUpperCase()
      case 'drop': return key.slice(0, i) + key.slice(i + 1)
      case 'double': return key.slice(0, i) + key[i] + key.slice(i)
      default: return key.slice(0, i) + key.slice(i + 1, i + 2) + key[i] + key.slice(i + 2)
    }
  })
  return fc.oneof(edited, fc.string({ minLength: 1, maxLength: 80 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'))
}

t.test('property: any unknown key added to a valid options object fails', async (t) => {
  const where = fc.constantFrom(...places).chain(([path, name]) => {
    const known = Object.keys(at(full, path))
    return fc.tuple(fc.constant(path), fc.constant(name), nearKey(known).filter((key) => !known.includes(key)), fc.anything())
  })
  const expected = (name: string, key: string) => `The ${name === '' ? '' : `${name}.`}${key.slice(0, 64)} option is unknown; `
  fc.assert(fc.property(where, ([path, name, key, value]) => {
    try {
      resolveOptions(misspell(full, path, undefined, key, value))
    } catch (err) {
      return (err as { code?: string }).code === 'FST_STEP_UP_OPTION_INVALID' && (err as Error).message.startsWith(expected(name, key))
    }
    return false
  }), { seed: 20260101, numRuns: 3000 })
  fc.assert(fc.property(where, ([path, name, key, value]) => {
    try {
      createStepUp(misspell(full, path, undefined, key, value))
    } catch (err) {
      return (err as Error).message.startsWith(expected(name, key))
    }
    return false
  }), { seed: 20260102, numRuns: 300 })
  t.pass('every unknown key was refused')
})

t.test('property: any unknown key in a requirement fails', async (t) => {
  const requirement = { maxAge: '1m', methods: ['email'], level: 'aal1', action: 'pay', actionData: fn, singleUse: true }
  const known = Object.keys(requirement)
  const defaults = { maxAgeMs: 60_000, enabledMethods: ['email' as const], levels: [{ name: 'aal1', acr: 'aal1', methods: ['email' as const], maxAgeMs: undefined }] }
  t.ok(resolveRequirement(requirement as never, defaults), 'the control passes')
  fc.assert(fc.property(nearKey(known).filter((key) => !known.includes(key)), fc.anything(), (key, value) => {
    try {
      resolveRequirement(misspell(requirement, [], undefined, key, value), defaults)
    } catch (err) {
      return (err as Error).message.startsWith(`The stepUp.${key.slice(0, 64)} option is unknown; `)
    }
    return false
  }), { seed: 20260103, numRuns: 2000 })
  t.pass('every unknown key was refused')
})

t.test('the stores and the verifyToken context refuse misspelled keys too', async (t) => {
  const { RedisStore } = await import('../lib/index.js')
  t.throws(() => new MemoryStore({ maxentries: 10 } as never),
    { code: 'FST_STEP_UP_OPTION_INVALID', message: 'The MemoryStore.maxentries option is unknown; did you mean "MemoryStore.maxEntries"?' })
  t.throws(() => new RedisStore({ client: { eval: fn, evalsha: fn }, timout: 10 } as never),
    { code: 'FST_STEP_UP_OPTION_INVALID', message: /RedisStore\.timout option is unknown; did you mean "RedisStore\.timeout"/ })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, valid as never)
  await app.ready()
  const user: StepUpUser = { id: 'u', sessionId: 's' }
  // A misspelled `session` would otherwise check the token against the user's own session.
  await t.rejects(app.stepUp.verifyToken('x', { user, sesion: 'other' } as never),
    { code: 'FST_STEP_UP_OPTION_INVALID', message: /verifyToken context\.sesion option is unknown; did you mean "verifyToken context\.session"/ })
})

t.test('the LoginRadius-compatible routes refuse misspelled keys, on Fastify and on Express', async (t) => {
  const typo = { apikey: LR_API_KEY, apiSecret: LR_API_SECRET }
  const expected = { code: 'FST_STEP_UP_OPTION_INVALID', message: 'The loginradius.apikey option is unknown; did you mean "loginradius.apiKey"?' }
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(stepUp, valid)
  app.register(loginRadius, typo as never)
  await t.rejects(async () => { await app.ready() }, expected)
  const adapter = createStepUp(valid as never)
  t.teardown(() => adapter.close())
  t.throws(() => createLoginRadius(adapter, typo as never), expected)
})

// Options are checked at registration: a bad one makes ready() reject with a clear code.
import { Clock } from '@tapjs/clock'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { toMilliseconds } from '../lib/duration.js'
import stepUp from '../lib/index.js'
import { resolveOptions } from '../lib/options.js'
import { register, valid } from './helpers/register.js'
import { startMailbox } from './helpers/smtp.js'

const user = { id: 'u', sessionId: 's', emails: ['u@example.com'] }

t.test('valid options register', async (t) => {
  await t.resolves(register(valid))
  await t.resolves(register({ ...valid, secret: Buffer.alloc(32, 1), tokenTtl: 60_000, maxAge: '10m', prefix: '/auth/step-up' }))
})

t.test('a missing or short secret is refused', async (t) => {
  for (const secret of [undefined, '', 'short', 'x'.repeat(31), Buffer.alloc(31), 42]) {
    await t.rejects(register({ ...valid, secret }), { code: 'FST_STEP_UP_OPTION_SECRET', statusCode: undefined }, String(secret))
  }
  const err = await register({ ...valid, secret: 'hunter2-is-my-password' }).catch((e: Error) => e)
  t.notMatch(String((err as Error).message), 'hunter2', 'the message never shows the secret')
})

t.test('a missing getUser is refused', async (t) => {
  await t.rejects(register({ ...valid, getUser: undefined }), { code: 'FST_STEP_UP_OPTION_GET_USER' })
  await t.rejects(register({ ...valid, getUser: 'alice' }), { code: 'FST_STEP_UP_OPTION_GET_USER' })
})

t.test('malformed durations are refused, naming the option', async (t) => {
  const cases: Array<[string, object]> = [
    ['tokenTtl', { tokenTtl: 'soon' }],
    ['tokenTtl', { tokenTtl: 0 }],
    ['maxAge', { maxAge: -5 }],
    ['maxAge', { maxAge: Infinity }],
    ['codes.ttl', { codes: { ttl: '5 parsecs' } }],
    ['codes.resendCooldown', { codes: { resendCooldown: {} } }],
    ['sendLimit.window', { sendLimit: { window: 'x'.repeat(100) } }],
    ['lockout.window', { lockout: { window: '' } }],
    ['lockout.duration', { lockout: { duration: '0s' } }]
  ]
  for (const [name, options] of cases) {
    const err = await register({ ...valid, ...options }).catch((e: Error & { code: string }) => e)
    t.equal((err as { code?: string }).code, 'FST_STEP_UP_OPTION_DURATION', name)
    t.match((err as Error).message, `The ${name} option must be`, name)
  }
})

t.test('durations: milliseconds, or a number and a unit', async (t) => {
  t.equal(toMilliseconds('x', 1500), 1500)
  t.equal(toMilliseconds('x', '30s'), 30_000)
  t.equal(toMilliseconds('x', ' 5m '), 300_000)
  t.equal(toMilliseconds('x', '1h'), 3_600_000)
  t.equal(toMilliseconds('x', 1.6), 2)
  for (const bad of ['', 'soon', '-5m', 0, -1, NaN, Infinity, null, undefined, {}, '5'.repeat(40)]) {
    t.throws(() => toMilliseconds('x', bad as never), { code: 'FST_STEP_UP_OPTION_DURATION' }, String(bad))
  }
})

/** Every duration option, spelled as strings and as milliseconds. */
const spellings = {
  strings: { tokenTtl: '90s', maxAge: '2m', codes: { ttl: '2m', resendCooldown: '1m' }, sendLimit: { window: '1h' }, lockout: { window: '1h', duration: '30 min' }, knowledgeLimit: { window: '15m' } },
  numbers: { tokenTtl: 90_000, maxAge: 120_000, codes: { ttl: 120_000, resendCooldown: 60_000 }, sendLimit: { window: 3_600_000 }, lockout: { window: 3_600_000, duration: 1_800_000 }, knowledgeLimit: { window: 900_000 } }
}

/** What a user meets with these durations: a send, a resend too soon, a code in time, a token, a code too late. */
async function codeLife (t: Test, durations: object) {
  const clock = new Clock()
  clock.travel(Date.UTC(2026, 0, 1))
  const mails: string[] = []
  const transport = { sendMail: async ({ text }: { text: string }) => { mails.push(text) } }
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, { ...valid, ...durations, clock, getUser: () => user, email: { from: 'a@example.com', transport: transport as never } })
  const send = async () => {
    const reply = await app.inject({ method: 'POST', url: '/step-up/email/send', payload: { email: 'u@example.com' } })
    return { status: reply.statusCode, retryAfter: reply.headers['retry-after'], ...reply.json(), code: /code is (\d+)/.exec(mails.at(-1) ?? '')?.[1] }
  }
  const verify = async ({ challengeId, code }: { challengeId: string, code: string }) => {
    const reply = await app.inject({ method: 'POST', url: '/step-up/email/verify', payload: { challengeId, code } })
    return { status: reply.statusCode, expiresIn: reply.json().expiresIn, code: reply.json().code }
  }
  const life: unknown[] = []
  const first = await send()
  life.push([first.status, first.expiresIn, first.resendIn, /expires in (.*?) and/.exec(mails[0]!)?.[1]])
  clock.advance(59_999)
  const tooSoon = await send()
  life.push([tooSoon.status, tooSoon.retryAfter])
  clock.advance(1)
  const second = await send()
  life.push([second.status])
  clock.advance(119_999)
  life.push(await verify(second))
  const third = await send()
  clock.advance(120_000)
  life.push(await verify(third))
  return life
}

t.test('durations as strings and numbers mean the same', async (t) => {
  const milliseconds = (durations: object) => {
    const resolved = resolveOptions({ ...valid, ...durations })
    const { tokenTtlMs, maxAgeMs, codeTtlMs, resendCooldownMs, sendLimitWindowMs, lockoutWindowMs, lockoutDurationMs, knowledgeLimitWindowMs } = resolved
    return { tokenTtlMs, maxAgeMs, codeTtlMs, resendCooldownMs, sendLimitWindowMs, lockoutWindowMs, lockoutDurationMs, knowledgeLimitWindowMs }
  }
  const expected = {
    tokenTtlMs: 90_000,
    maxAgeMs: 120_000,
    codeTtlMs: 120_000,
    resendCooldownMs: 60_000,
    sendLimitWindowMs: 3_600_000,
    lockoutWindowMs: 3_600_000,
    lockoutDurationMs: 1_800_000,
    knowledgeLimitWindowMs: 900_000
  }
  t.same(milliseconds(spellings.strings), expected, 'strings')
  t.same(milliseconds(spellings.numbers), expected, 'numbers')

  const life = [
    [202, 120, 60, '2 minutes'],
    [429, '1'],
    [202],
    { status: 200, expiresIn: 90, code: undefined },
    { status: 400, expiresIn: undefined, code: 'FST_STEP_UP_CODE_EXPIRED' }
  ]
  t.same(await codeLife(t, spellings.strings), life, 'strings: a 2-minute code, a 1-minute cooldown, a 90-second token')
  t.same(await codeLife(t, spellings.numbers), life, 'numbers: the same')
})

t.test('out-of-range numbers and bad strings are refused with FST_STEP_UP_OPTION_INVALID', async (t) => {
  const cases: Array<[string, object]> = [
    ['codes.length', { codes: { length: 4 } }],
    ['codes.length', { codes: { length: 6.5 } }],
    ['codes.maxAttempts', { codes: { maxAttempts: 0 } }],
    ['codes.ttl', { codes: { ttl: '11m' } }],
    ['sendLimit.max', { sendLimit: { max: -1 } }],
    ['lockout.maxFailures', { lockout: { maxFailures: 101 } }],
    ['tokenCache.max', { tokenCache: { max: -1 } }],
    ['prefix', { prefix: 'no-slash' }],
    ['prefix', { prefix: '/a b' }],
    ['tokenHeader', { tokenHeader: 'x step up' }],
    ['issuer', { issuer: '' }],
    ['audience', { audience: 42 }],
    ['email', { email: 'yes' }],
    ['email.from', { email: { transport: { jsonTransport: true } } }],
    ['email.transport', { email: { from: 'a@example.com' } }],
    ['email.mode', { email: { from: 'a@example.com', transport: { jsonTransport: true }, mode: 'sometimes' } }]
  ]
  for (const [name, options] of cases) {
    const err = await register({ ...valid, ...options }).catch((e: Error) => e)
    t.equal((err as { code?: string }).code, 'FST_STEP_UP_OPTION_INVALID', name)
    t.match((err as Error).message, `The ${name} option`, name)
  }
})

t.test('no method at all is refused: step-up needs a method', async (t) => {
  await t.rejects(register({ ...valid, email: false }), { code: 'FST_STEP_UP_OPTION_INVALID', message: /The methods option must include at least one/ })
  await t.resolves(register({ ...valid, email: false, password: { verify: () => false } }), 'any one method will do')
})

t.test('levels are checked at registration', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['levels', 'high'],
    ['levels', { 'no spaces': { methods: ['email'] } }],
    ['levels.aal1.methods', { aal1: { methods: [] } }],
    ['levels.aal1.methods', { aal1: null }],
    ['levels.aal1.methods', { aal1: { methods: ['sms'] } }],
    ['levels.aal2.acr', { aal1: { methods: ['email'], acr: 'x' }, aal2: { methods: ['email'], acr: 'x' } }],
    ['levels.aal1.acr', { aal1: { methods: ['email'], acr: '' } }]
  ]
  for (const [name, levels] of cases) {
    const err = await register({ ...valid, levels }).catch((e: Error) => e)
    t.equal((err as { code?: string }).code, 'FST_STEP_UP_OPTION_INVALID', name)
    t.match((err as Error).message, `The ${name} option`, name)
  }
  const duration = await register({ ...valid, levels: { aal1: { methods: ['email'], maxAge: 'soon' } } }).catch((e: Error) => e)
  t.equal((duration as { code?: string }).code, 'FST_STEP_UP_OPTION_DURATION')
  await t.resolves(register({ ...valid, levels: { aal1: { methods: ['email'], maxAge: '1m' } } }))
})

t.test('level, action and actionData in a requirement are checked where the route is defined', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, { ...valid, password: { verify: () => false }, levels: { aal1: { methods: ['email'] }, aal2: { methods: ['password'] } } })
  const cases: Array<[string, unknown]> = [
    ['stepUp.level', { level: 'aal3' }],
    ['stepUp.methods', { level: 'aal2', methods: ['email'] }],
    ['stepUp.action', { action: 'has spaces' }],
    ['stepUp.action', { action: 42 }],
    ['stepUp.actionData', { actionData: () => 1 }],
    ['stepUp.actionData', { action: 'pay', actionData: 'amount' }]
  ]
  for (const [name, requirement] of cases) {
    t.throws(() => app.requireStepUp(requirement as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: new RegExp(`The ${name.replace('.', '\\.')} option`) }, JSON.stringify(requirement))
  }
  t.ok(app.requireStepUp({ level: 'aal1', methods: ['password'] }), 'a stronger level\'s method reaches a weaker level')
})

t.test('each method checks its own options', async (t) => {
  const fn = () => true
  const cases: Array<[string, object]> = [
    ['sms', { sms: 'yes' }],
    ['sms.send', { sms: {} }],
    ['sms.mode', { sms: { send: fn, mode: 'always' } }],
    ['sms.text', { sms: { send: fn, text: 'Your code' } }],
    ['totp.getSecret', { totp: { getSecret: 'JBSWY3DP' } }],
    ['totp.algorithm', { totp: { getSecret: fn, algorithm: 'MD5' } }],
    ['totp.digits', { totp: { getSecret: fn, digits: 7 } }],
    ['backupCodes.consume', { backupCodes: {} }],
    ['password.verify', { password: { verify: 'hunter2' } }],
    ['pin.verify', { pin: null }],
    ['securityQuestions.getQuestions', { securityQuestions: {} }],
    ['securityQuestions.verifyAnswer', { securityQuestions: { getQuestions: fn, verifyAnswer: true } }]
  ]
  for (const [name, options] of cases) {
    const err = await register({ ...valid, ...options }).catch((e: Error) => e)
    t.equal((err as { code?: string }).code, 'FST_STEP_UP_OPTION_INVALID', name)
    t.match((err as Error).message, `The ${name.replace('pin.verify', 'pin')} option`, name)
  }
  await t.resolves(register({
    ...valid,
    sms: { send: async () => {}, mode: 'mfa', text: () => 'x' },
    totp: { getSecret: () => null, algorithm: 'SHA512', digits: 8 },
    backupCodes: false,
    securityQuestions: { getQuestions: () => [], verifyAnswer: fn }
  }))
})

t.test('a bad requirement fails at startup, in requireStepUp() and in config.stepUp', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['FST_STEP_UP_OPTION_DURATION', { maxAge: 'later' }, /stepUp.maxAge/],
    ['FST_STEP_UP_OPTION_INVALID', { methods: [] }, /stepUp.methods/],
    ['FST_STEP_UP_OPTION_INVALID', { methods: 'email' }, /stepUp.methods/],
    ['FST_STEP_UP_OPTION_INVALID', { methods: ['sms'] }, /"sms", which is not enabled/],
    ['FST_STEP_UP_OPTION_INVALID', 'yes', /must be an object or true/]
  ]
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, valid)
  for (const [i, [code, requirement, message]] of cases.entries()) {
    t.throws(() => app.requireStepUp(requirement as never), { code, message }, `requireStepUp(${JSON.stringify(requirement)})`)
    t.throws(() => app.get(`/route-${i}`, { config: { stepUp: requirement as never } }, async () => 'b'),
      { code, message }, `config.stepUp = ${JSON.stringify(requirement)}`)
  }
})

t.test('the plugin closes a transport it created, and leaves an app transport alone', async (t) => {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const app = Fastify()
  // A pooled transport keeps its connection open after a message, until it is closed.
  await app.register(stepUp, { ...valid, getUser: () => user, email: { from: 'a@example.com', transport: { url: mailbox.url, pool: true, ignoreTLS: true } as never } })
  const sent = await app.inject({ method: 'POST', url: '/step-up/email/send', payload: { email: 'u@example.com' } })
  t.equal(sent.statusCode, 202)
  t.equal(mailbox.connections, 1, 'the code went out, and the connection stays open')
  await app.close()
  t.ok(await mailbox.idleWithin(5000), 'closing the app closed the transport: the server saw its connection end')

  let closed = false
  const transport = { sendMail: async () => ({}), close: () => { closed = true } }
  const app2 = Fastify()
  await app2.register(stepUp, { ...valid, email: { from: 'a@example.com', transport: transport as never } })
  await app2.close()
  t.equal(closed, false)
})

t.test('a store the plugin did not create is not closed; routes move with the prefix', async (t) => {
  let closed = false
  const { MemoryStore } = await import('../lib/index.js')
  const store = Object.assign(new MemoryStore(), { close: async () => { closed = true } })
  const app = Fastify()
  await app.register(stepUp, { ...valid, store, prefix: '/auth/again', getUser: () => ({ id: 'u', sessionId: 's', emails: ['u@example.com'] }) })
  const reply = await app.inject({ url: '/auth/again/methods' })
  t.equal(reply.statusCode, 200)
  t.equal((await app.inject({ url: '/step-up/methods' })).statusCode, 404)
  await app.close()
  t.equal(closed, false)
})

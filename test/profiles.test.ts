// Standards profiles (NIST SP 800-63B-4 AAL2/AAL3, OWASP ASVS 5.0 L1-L3): every refusal, quoting
// its requirement; every default; the compliance report and its startup line; and the warning for
// knowledge-based security questions. On both adapters: each configuration is registered on Fastify
// and created on Express, and both must agree.
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { createStepUp } from '../lib/express/index.js'
import stepUp, { MemoryFactorStorage, type ComplianceEntry, type StepUpOptions } from '../lib/index.js'
import { ALICE, as, buildApp, frameworks, type TestApp } from './helpers/app.js'
import { buildFactorApp, enrollPasskey, passkeyToken, RELYING_PARTY } from './helpers/factors.js'
import { SoftAuthenticator } from './helpers/passkey.js'
import { valid } from './helpers/register.js'

const passkey = { rpID: 'example.com', origin: 'https://example.com', getCredentials: () => [], updateCounter: () => true }
const password = { verify: () => false }
const totp = { getSecret: () => null }
const sms = { send: async () => {} }
const securityQuestions = { getQuestions: () => [] }
/** Passkeys only: what AAL3 allows. */
const passkeysOnly = { ...valid, email: false, passkey } as unknown as StepUpOptions<any>

interface Outcome {
  error?: { code: string, message: string }
  compliance?: ComplianceEntry[]
  logs: Array<{ level: number, msg: string, stepUp?: any }>
}

async function onFastify (options: object, requireStepUp?: object): Promise<Outcome> {
  const logs: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(line) } } } })
  try {
    await app.register(stepUp, options as never)
    await app.after()
    if (requireStepUp) app.requireStepUp(requireStepUp)
    await app.ready()
    return { compliance: app.stepUp.compliance(), logs: logs.map((line) => JSON.parse(line)) }
  } catch (err: any) {
    return { error: { code: err.code, message: err.message }, logs: [] }
  } finally {
    await app.close()
  }
}

function onExpress (options: object, requireStepUp?: object): Outcome {
  const logs: Outcome['logs'] = []
  try {
    const adapter = createStepUp({
      ...options as object,
      logger: {
        info: (details: object, msg: string) => { logs.push({ level: 30, msg, ...details }) },
        warn: (details: object, msg: string) => { logs.push({ level: 40, msg, ...details }) },
        error: () => {}
      }
    } as never)
    adapter.close()
    if (requireStepUp) adapter.requireStepUp(requireStepUp)
    return { compliance: adapter.compliance(), logs }
  } catch (err: any) {
    return { error: { code: err.code, message: err.message }, logs: [] }
  }
}

/** The same options on both adapters: the same outcome, which is returned (Fastify's logs). */
async function both (t: Test, options: object, requireStepUp?: object): Promise<Outcome> {
  const fastify = await onFastify(options, requireStepUp)
  const express = onExpress(options, requireStepUp)
  t.same(express.error, fastify.error, 'Express and Fastify agree')
  t.same(express.compliance, fastify.compliance, 'the same report')
  t.same(express.logs.map(({ level, msg }) => ({ level, msg })), fastify.logs.filter(({ msg }) => msg.startsWith('step-up')).map(({ level, msg }) => ({ level, msg })), 'the same startup lines')
  return fastify
}

async function refused (t: Test, options: object, message: string | RegExp, requireStepUp?: object): Promise<void> {
  const { error } = await both(t, options, requireStepUp)
  t.equal(error?.code, 'FST_STEP_UP_OPTION_INVALID', String(message))
  if (typeof message === 'string') t.equal(error?.message, message)
  else t.match(error?.message, message)
}

async function report (t: Test, options: object): Promise<ComplianceEntry[]> {
  const { error, compliance } = await both(t, options)
  t.notOk(error, error?.message ?? 'registers')
  return compliance!
}

const entry = (entries: ComplianceEntry[], number: string, scope = 'plugin') => entries.find((one) => one.number === number && one.scope === scope)

t.test('a profile is one of five names, on the plugin and on a level; complianceReport is a boolean', async (t) => {
  await refused(t, { ...valid, profile: 'nist' }, 'The profile option must be one of nist-aal2, nist-aal3, asvs-l1, asvs-l2, asvs-l3')
  await refused(t, { ...valid, levels: { low: { methods: ['email'], profile: 'aal2' } } }, 'The levels.low.profile option must be one of nist-aal2, nist-aal3, asvs-l1, asvs-l2, asvs-l3')
  await refused(t, { ...valid, complianceReport: 'yes' }, 'The complianceReport option must be true or false')
  // Malformed levels are refused with their own messages, profile or not.
  await refused(t, { ...valid, profile: 'nist-aal2', email: false, passkey, levels: 'high' }, 'The levels option must be an object of levels')
  await refused(t, { ...valid, profile: 'nist-aal2', email: false, passkey, levels: { high: null } }, 'The levels.high.methods option must be a non-empty array of method names')
})

t.test('without a profile nothing changes: no report, no line, no cap', async (t) => {
  const outcome = await both(t, { ...valid, tokenTtl: '2h', maxAge: '3h', complianceReport: false })
  t.same(outcome.compliance, [])
  t.same(outcome.logs.filter(({ msg }) => msg.startsWith('step-up')), [])
  const line = await both(t, { ...valid, complianceReport: true })
  t.match(line.logs.find(({ msg }) => msg.startsWith('step-up')), { level: 30, msg: 'step-up compliance: no profile is configured', stepUp: { compliance: [] } })
})

t.test('nist-aal2', async (t) => {
  const aal2 = { ...valid, profile: 'nist-aal2', email: false, passkey, password }
  t.test('refusals, each quoting its requirement', async (t) => {
    await refused(t, { ...aal2, email: valid.email },
      'The email option turns on email: email codes do not reach AAL2 (NIST SP 800-63B-4 Out-of-band authenticators, profile nist-aal2)')
    await refused(t, { ...aal2, passkey: false },
      'The passkey option must be set: passkeys are the only phishing-resistant method, and one SHALL be offered (NIST SP 800-63B-4 AAL2 phishing resistance, profile nist-aal2)')
    await refused(t, { ...aal2, maxAge: '2h' },
      'The maxAge option is 120 minutes, more than the 60 minutes allowed (NIST SP 800-63B-4 AAL2 reauthentication, profile nist-aal2)')
    await refused(t, { ...aal2, levels: { low: { methods: ['password'] }, high: { methods: ['passkey'], maxAge: '61m' } } },
      'The levels.high.maxAge option is 61 minutes, more than the 60 minutes allowed (NIST SP 800-63B-4 AAL2 reauthentication, profile nist-aal2)')
    await refused(t, aal2, 'The stepUp.maxAge option must be at most 60 minutes (NIST SP 800-63B-4 AAL2 reauthentication)', { maxAge: '90m' })
  })
  t.test('defaults: freshness capped to the idle limit, never raised', async (t) => {
    // The default freshness is the token's lifetime: 2 hours here, so the profile caps it at 1 hour.
    const capped = await report(t, { ...aal2, tokenTtl: '2h', levels: { high: { methods: ['passkey'], maxAge: '30m' } } })
    t.match(entry(capped, 'AAL2 reauthentication'), { met: true, why: /at most 60 minutes/ })
    const kept = await report(t, aal2)
    t.match(entry(kept, 'AAL2 reauthentication'), { met: true, why: /at most 5 minutes/ })
    const explicit = await report(t, { ...aal2, maxAge: '45m' })
    t.match(entry(explicit, 'AAL2 reauthentication'), { why: /at most 45 minutes/ })
    t.equal((await both(t, aal2, { maxAge: '59m' })).error, undefined, 'a route within the limit')
  })
  t.test('the report', async (t) => {
    const entries = await report(t, aal2)
    t.same(entries.map(({ number, met }) => [number, met]), [
      ['AAL2 reauthentication', true],
      ['AAL2 phishing resistance', true],
      ['Out-of-band authenticators', true],
      ['Out-of-band secrets', true],
      ['Rate limiting', true]
    ])
    t.match(entries[0], { profile: 'nist-aal2', scope: 'plugin', standard: 'NIST SP 800-63B-4', text: /24 hours .* 1 hour idle/ })
    t.match(entry(entries, 'Out-of-band secrets'), { why: 'codes live 5 minutes; more than 10 minutes is always refused' })
    t.match(entry(entries, 'Rate limiting'), { why: 'step-up locks after 10 failures; more than 100 is always refused' })
  })
})

t.test('nist-aal3', async (t) => {
  const aal3 = { ...passkeysOnly, profile: 'nist-aal3' }
  t.test('refusals', async (t) => {
    await refused(t, { ...aal3, password },
      'The password option turns on password, a single factor: only passkeys reach AAL3 (NIST SP 800-63B-4 AAL3 authenticators, profile nist-aal3)')
    await refused(t, { ...aal3, passkey: { ...passkey, userVerification: 'preferred' } },
      'The passkey.userVerification option must be "required": a passkey without user verification is a single factor (NIST SP 800-63B-4 AAL3 authenticators, profile nist-aal3)')
    await refused(t, { ...aal3, email: valid.email, passkey: false }, /^The email option turns on email, a single factor/)
    await refused(t, { ...aal3, maxAge: '16m' }, /^The maxAge option is 16 minutes, more than the 15 minutes allowed \(NIST SP 800-63B-4 AAL3 reauthentication/)
    // Every route asks for a device-bound passkey: one that asks for less is refused.
    await refused(t, aal3, 'The stepUp.phishingResistant option must be "hardware" under the nist-aal3 profile (NIST SP 800-63B-4 AAL3 non-exportable keys)', { phishingResistant: true })
  })
  t.test('defaults: freshness 15 minutes at most, and every route asks for hardware', async (t) => {
    const entries = await report(t, { ...aal3, tokenTtl: '1h' })
    t.match(entry(entries, 'AAL3 reauthentication'), { met: true, why: /at most 15 minutes/ })
    t.match(entry(entries, 'AAL3 non-exportable keys'), { met: true, why: /phishingResistant "hardware"/ })
    t.match(entry(entries, 'AAL3 authenticators'), { met: true, why: 'only passkeys, with user verification required' })
    t.same(entries.map(({ number }) => number), ['AAL3 reauthentication', 'AAL3 authenticators', 'AAL3 non-exportable keys', 'Out-of-band authenticators', 'Out-of-band secrets', 'Rate limiting'])
    const stepUp = createStepUp({ ...aal3 } as never)
    t.teardown(() => stepUp.close())
    const engine = (stepUp as any)[Symbol.for('fastify-step-up.mount')].engine
    t.match(engine.resolveRequirement({}), { phishingResistant: 'hardware', methods: ['passkey'], acrValues: ['phrh'], maxAgeMs: 300_000 })
  })
})

t.test('a level that names a profile', async (t) => {
  const base = { ...valid, passkey, password }
  await refused(t, { ...base, levels: { low: { methods: ['password'] }, top: { methods: ['passkey', 'password'], profile: 'nist-aal3' } } },
    'The levels.top.methods option lists password, a single factor: only passkeys reach AAL3 (NIST SP 800-63B-4 AAL3 authenticators, profile nist-aal3)')
  await refused(t, { ...base, levels: { top: { methods: ['passkey'], profile: 'nist-aal3', phishingResistant: true } } },
    'The levels.top.phishingResistant option must be "hardware", so that a synced passkey does not reach the level (NIST SP 800-63B-4 AAL3 non-exportable keys, profile nist-aal3)')
  await refused(t, { ...base, levels: { top: { methods: ['passkey'], profile: 'nist-aal3', maxAge: '20m' } } },
    /^The levels\.top\.maxAge option is 20 minutes, more than the 15 minutes allowed/)
  await refused(t, { ...base, levels: { mid: { methods: ['email', 'passkey'], profile: 'nist-aal2' } } },
    'The levels.mid.methods option lists email: email codes do not reach AAL2 (NIST SP 800-63B-4 Out-of-band authenticators, profile nist-aal2)')
  await refused(t, { ...base, levels: { mid: { methods: ['password'], profile: 'nist-aal2' } } },
    /^The levels\.mid\.methods option must list passkey: passkeys are the only phishing-resistant/)
  await refused(t, { ...base, levels: { low: { methods: ['email'] }, l3: { methods: ['email', 'passkey'], profile: 'asvs-l3' } } },
    'The levels.l3.methods option lists email: email is not an authentication factor at level 3 (ASVS 5.0 6.3.5, profile asvs-l3)')

  // Defaults: AAL3 levels demand a device-bound passkey, and their freshness is capped.
  const levels = { low: { methods: ['password'] }, mid: { methods: ['passkey'], profile: 'nist-aal2' }, top: { methods: ['passkey'], profile: 'nist-aal3' }, l2: { methods: ['passkey'], profile: 'asvs-l2', acr: 'asvs' } }
  const entries = await report(t, { ...base, maxAge: '40m', levels })
  t.match(entry(entries, 'AAL3 non-exportable keys', 'levels.top'), { met: true, why: 'only a device-bound passkey reaches the level' })
  t.match(entry(entries, 'AAL3 reauthentication', 'levels.top'), { why: /at most 15 minutes/ })
  t.match(entry(entries, 'AAL2 reauthentication', 'levels.mid'), { why: /at most 40 minutes/, profile: 'nist-aal2' })
  t.match(entry(entries, '6.4.2', 'levels.l2'), { met: true, why: 'security-questions is not in use' })
  t.notOk(entries.some(({ scope }) => scope === 'plugin' || scope === 'levels.low'), 'only the levels that name a profile')
  const stepUp = createStepUp({ ...base, maxAge: '40m', levels } as never)
  t.teardown(() => stepUp.close())
  const engine = (stepUp as any)[Symbol.for('fastify-step-up.mount')].engine
  t.match(engine.resolveRequirement({ level: 'top' }), { maxAgeMs: 15 * 60_000, phishingResistant: undefined, acrValues: ['top'] })
  t.match(engine.resolveRequirement({ level: 'mid' }), { maxAgeMs: 40 * 60_000 })
  t.match(engine.resolveRequirement({ level: 'l2', maxAge: '2h' }), { maxAgeMs: 2 * 3600_000 }, 'ASVS sets no freshness limit')
  t.throws(() => engine.resolveRequirement({ level: 'top', maxAge: '20m' }), { message: 'The stepUp.maxAge option must be at most 15 minutes (NIST SP 800-63B-4 AAL3 reauthentication)' })
  // A level with an explicit maxAge within the limit keeps it.
  const kept = await report(t, { ...base, levels: { top: { methods: ['passkey'], profile: 'nist-aal3', maxAge: '10m', phishingResistant: 'hardware' } } })
  t.match(entry(kept, 'AAL3 reauthentication', 'levels.top'), { why: /at most 10 minutes/ })
})

t.test('asvs profiles', async (t) => {
  t.test('6.4.2: no security questions, at every level', async (t) => {
    for (const profile of ['asvs-l1', 'asvs-l2', 'asvs-l3']) {
      await refused(t, { ...passkeysOnly, profile, securityQuestions },
        `The securityQuestions option turns on security-questions: security questions are not allowed (ASVS 5.0 6.4.2, profile ${profile})`)
    }
  })
  t.test('6.3.5 and 6.6.1: email and SMS at level 3; SMS beside a stronger method at level 2', async (t) => {
    await refused(t, { ...valid, profile: 'asvs-l3' }, 'The email option turns on email: email is not an authentication factor at level 3 (ASVS 5.0 6.3.5, profile asvs-l3)')
    await refused(t, { ...passkeysOnly, profile: 'asvs-l3', sms }, 'The sms option turns on sms, which level 3 does not allow (ASVS 5.0 6.6.1, profile asvs-l3)')
    await refused(t, { ...valid, profile: 'asvs-l2', sms }, 'The sms option turns on sms without a stronger method: add totp or passkey (ASVS 5.0 6.6.1, profile asvs-l2)')
    await refused(t, { ...valid, passkey, sms, levels: { low: { methods: ['sms'], profile: 'asvs-l2' } } },
      'The levels.low.methods option lists sms without a stronger method: add totp or passkey (ASVS 5.0 6.6.1, profile asvs-l2)')
    const withTotp = await report(t, { ...valid, profile: 'asvs-l2', sms, totp })
    t.match(entry(withTotp, '6.6.1'), { met: true, why: 'sms is offered beside a stronger method (totp or passkey)' })
    const withPasskey = await report(t, { ...valid, profile: 'asvs-l2', sms, passkey })
    t.match(entry(withPasskey, '6.6.1'), { met: true })
    // Email is fine below level 3, and SMS at level 1.
    t.equal((await both(t, { ...valid, profile: 'asvs-l1', sms })).error, undefined)
  })
  t.test('the report of each level', async (t) => {
    const l1 = await report(t, { ...valid, profile: 'asvs-l1' })
    t.same(l1.map(({ number }) => number), ['6.4.2', '6.5.5', '6.6.2', '6.5.1', '6.6.3'])
    t.ok(l1.every(({ met, standard, profile }) => met && standard === 'OWASP ASVS 5.0' && profile === 'asvs-l1'))
    t.match(entry(l1, '6.6.2'), { text: 'A code is bound to the request it was issued for.', why: /user, session and method, and for the action/ })
    t.match(entry(l1, '6.5.5'), { why: 'codes live 5 minutes (more than 10 is always refused); TOTP steps are 30 seconds' })
    t.match(entry(l1, '6.6.3'), { why: '5 guesses per code, and step-up locks after 10 failures' })
    const l2 = await report(t, { ...valid, profile: 'asvs-l2' })
    t.same(l2.map(({ number }) => number), ['6.4.2', '6.6.1', '6.5.5', '6.6.2', '6.5.1', '6.6.3', '7.5.1'])
    // 7.5.1 is the app's to meet without factor management: reported, not refused.
    t.match(entry(l2, '7.5.1'), { met: false, why: /factor management is off/ })
    const l3 = await report(t, { ...passkeysOnly, profile: 'asvs-l3' })
    t.same(l3.map(({ number }) => number), ['6.4.2', '6.3.5', '6.6.1', '6.5.5', '6.6.2', '6.5.1', '6.6.3', '7.5.1', '7.5.3'])
    t.match(entry(l3, '7.5.3'), { met: true })
  })
  t.test('7.5.1 is met with factor management on', async (t) => {
    await refused(t, { ...valid, email: false, password, profile: 'nist-aal2', factors: { storage: new MemoryFactorStorage(), passkey: RELYING_PARTY, change: { maxAge: '2h' } } },
      /^The factors\.change\.maxAge option is 120 minutes, more than the 60 minutes allowed/)
    const entries = await report(t, { ...valid, password, profile: 'asvs-l2', factors: { storage: new MemoryFactorStorage(), passkey: RELYING_PARTY } })
    t.match(entry(entries, '7.5.1'), { met: true, why: 'factor management asks for a fresh step-up before every change' })
    // The passkey of factor management is the one AAL3 checks.
    t.match(await both(t, { ...valid, email: false, profile: 'nist-aal3', factors: { storage: new MemoryFactorStorage(), passkey: { ...RELYING_PARTY, userVerification: 'preferred' }, change: { firstFactor: ['passkey'] } } }), {
      error: { message: /^The passkey\.userVerification option must be "required"/ }
    })
  })
})

t.test('the startup line, when asked', async (t) => {
  const quiet = await both(t, { ...valid, profile: 'asvs-l2' })
  t.notOk(quiet.logs.some(({ msg }) => msg.startsWith('step-up compliance')), 'off by default')
  const all = await both(t, { ...passkeysOnly, profile: 'nist-aal3', complianceReport: true })
  t.match(all.logs.find(({ msg }) => msg.startsWith('step-up compliance')), { level: 30, msg: 'step-up compliance: 6 of 6 requirements met', stepUp: { compliance: [{ number: 'AAL3 reauthentication' }] } })
  const some = await both(t, { ...valid, profile: 'asvs-l2', complianceReport: true })
  t.match(some.logs.find(({ msg }) => msg.startsWith('step-up compliance')), { msg: 'step-up compliance: 6 of 7 requirements met; not met: 7.5.1 (plugin)' })
})

t.test('security questions: knowledge-based, only the weakest level, a warning whenever on', async (t) => {
  await refused(t, { ...valid, securityQuestions, levels: { low: { methods: ['email'] }, high: { methods: ['email', 'security-questions'] } } },
    'The levels.high.methods option lists security-questions, which is knowledge-based (amr "kba"): it may reach only the weakest level, "low"')
  const allowed = await both(t, { ...valid, securityQuestions, levels: { low: { methods: ['security-questions'] }, high: { methods: ['email'] } } })
  t.equal(allowed.error, undefined)
  const warning = allowed.logs.find(({ msg }) => msg.includes('security-questions is on'))
  t.match(warning, { level: 40, stepUp: { method: 'security-questions' }, msg: /knowledge-based \(amr "kba"\).*OWASP ASVS 5\.0 6\.4\.2/ })
  t.notOk((await both(t, valid)).logs.some(({ msg }) => msg.includes('security-questions')), 'no warning when they are off')
  // An Express logger without warn hears it as info.
  const infos: string[] = []
  const adapter = createStepUp({ ...valid, securityQuestions, logger: { info: (_details: object, msg: string) => { infos.push(msg) }, error: () => {} } } as never)
  adapter.close()
  t.match(infos, [/security-questions is on/])
})

t.test('nist-aal3: factor management refuses to register a synced passkey', async (t) => {
  for (const framework of frameworks) {
    t.test(framework, async (t) => {
      const testApp = await buildFactorApp(t, {
        framework,
        factors: { totp: false, backupCodes: false, pin: false, change: { firstFactor: ['passkey'] } },
        plugin: { profile: 'nist-aal3', email: false, password: false }
      })
      // Alice's security key, enrolled before: what steps up for the change.
      const key = new SoftAuthenticator({ transports: ['usb'] })
      const registered = { id: key.id, publicKey: key.credential().publicKey as string, counter: 0, transports: ['usb'], deviceType: 'singleDevice' as const, backedUp: false, aaguid: '00000000-0000-0000-0000-000000000000', userVerified: true }
      testApp.storage.save({ id: 'alice', sessionId: 's1' }, { kind: 'passkey', id: 'key-1', label: 'Key', createdAt: new Date(testApp.clock.now()), credential: registered }, [])
      const token = await passkeyToken(testApp, key)
      const synced = new SoftAuthenticator({ synced: true })
      const refusedReply = await enroll(testApp, token, synced)
      t.equal(refusedReply.statusCode, 400)
      t.match(refusedReply.json(), { code: 'FST_STEP_UP_PASSKEY_INVALID', message: /it is a synced passkey, which NIST SP 800-63B-4 AAL3 non-exportable keys forbids/ })
      t.equal(testApp.storage.list({ id: 'alice', sessionId: 's1' }).length, 1, 'nothing saved')
      const { factor } = await enrollPasskey(testApp, await passkeyToken(testApp, key), 'alice', 's1', new SoftAuthenticator({ transports: ['usb'] }))
      t.match(factor, { kind: 'passkey', deviceType: 'singleDevice' })
    })
  }
})

async function enroll (testApp: TestApp, token: string, key: SoftAuthenticator) {
  const started = (await testApp.app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as('alice'), payload: {} })).json()
  return testApp.app.inject({
    method: 'POST',
    url: '/step-up/factors/passkeys/verify',
    headers: { ...as('alice'), 'x-step-up-token': token },
    payload: { challengeId: started.challengeId, response: key.register(started.options.challenge) }
  })
}

t.test('a profile on a running app: the guard applies its defaults', async (t) => {
  for (const framework of frameworks) {
    t.test(framework, async (t) => {
      const testApp = await buildApp(t, {
        framework,
        passkey: true,
        routes: [{ url: '/any', requirement: true }],
        plugin: { profile: 'nist-aal2', email: false, tokenTtl: '2h', password: { verify: (_user: unknown, given: string) => given === ALICE.password } } as never
      })
      const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/password/verify', headers: as('alice'), payload: { password: ALICE.password } })
      const token = reply.json().token
      t.equal((await testApp.app.inject({ url: '/any', headers: { ...as('alice'), 'x-step-up-token': token } })).statusCode, 200)
      testApp.clock.advance(61 * 60_000)
      const stale = await testApp.app.inject({ url: '/any', headers: { ...as('alice'), 'x-step-up-token': token } })
      t.equal(stale.statusCode, 401, 'the token lives 2 hours, but the profile caps freshness at 1 hour')
      t.match(stale.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { maxAge: 3600 } })

      // POST /token/verify without a maxAge checks freshness against the profile's limit; one above it is a 400.
      const verify = (requirement: object) => testApp.app.inject({ method: 'POST', url: '/step-up/token/verify', headers: as('alice'), payload: { token, requirement } })
      t.match((await verify({})).json(), { valid: false, code: 'FST_STEP_UP_INSUFFICIENT', message: /older than 3600 seconds/ })
      const tooLong = await verify({ maxAge: 7200 })
      t.equal(tooLong.statusCode, 400)
      t.match(tooLong.json(), { code: 'FST_STEP_UP_INVALID_REQUEST', message: /must be at most 60 minutes \(NIST SP 800-63B-4 AAL2 reauthentication\)/ })
      const fresh = await testApp.app.inject({ method: 'POST', url: '/step-up/password/verify', headers: as('alice'), payload: { password: ALICE.password } })
      t.match((await testApp.app.inject({ method: 'POST', url: '/step-up/token/verify', headers: as('alice'), payload: { token: fresh.json().token } })).json(), { valid: true })
    })
  }
})

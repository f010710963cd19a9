// Phishing resistance (OpenID Connect EAP ACR Values): a passkey token carries amr `pop` and, when it
// reaches no level, acr `phr` (synced) or `phrh` (device-bound); levels and routes can demand either,
// the 401 says so in `acr_values`, and a synced passkey, a password or a code never passes for one.
// On both adapters, with real WebAuthn assertions from the software authenticator.
import t, { type Test } from 'tap'
import { readStepUpChallenge } from '../lib/client/challenge.js'
import { stepUpExtension } from '../lib/http/openapi.js'
import type { PasskeyCredential, StepUpOptions, StepUpRequirement } from '../lib/index.js'
import { createStepUp } from '../lib/express/index.js'
import { passkeyPhishingResistance } from '../lib/methods/passkey/method.js'
import { ALICE, as, buildApp, frameworks, type BuildOptions, type Framework, type TestApp } from './helpers/app.js'
import { SoftAuthenticator } from './helpers/passkey.js'
import { register, valid } from './helpers/register.js'

function claimsOf (token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
}

function post (testApp: TestApp, url: string, payload: unknown) {
  return testApp.app.inject({ method: 'POST', url: `/step-up${url}`, headers: as('alice'), payload })
}

function enrol (testApp: TestApp, ...credentials: PasskeyCredential[]): void {
  testApp.passkeys.set('alice', [...testApp.passkeys.get('alice') ?? [], ...credentials])
}

async function passkeyToken (t: Test, testApp: TestApp, key: SoftAuthenticator): Promise<string> {
  const options = (await post(testApp, '/passkey/options', {})).json()
  const reply = await post(testApp, '/passkey/verify', { challengeId: options.challengeId, response: key.assert(options.options.challenge) })
  t.equal(reply.statusCode, 200, reply.body)
  return reply.json().token
}

async function passwordToken (t: Test, testApp: TestApp): Promise<string> {
  const reply = await post(testApp, '/password/verify', { password: ALICE.password })
  t.equal(reply.statusCode, 200, reply.body)
  return reply.json().token
}

function get (testApp: TestApp, url: string, token: string) {
  return testApp.app.inject({ url, headers: { ...as('alice'), 'x-step-up-token': token } })
}

const ROUTES = [
  { url: '/phr', requirement: { phishingResistant: true } },
  { url: '/phrh', requirement: { phishingResistant: 'hardware' } }
] satisfies BuildOptions['routes']

async function app (t: Test, framework: Framework, plugin: BuildOptions['plugin'] = {}, routes: BuildOptions['routes'] = ROUTES): Promise<TestApp> {
  return buildApp(t, {
    framework,
    passkey: true,
    routes,
    plugin: { password: { verify: (_user, password) => password === ALICE.password }, sendLimit: { max: 1000 }, ...plugin }
  })
}

/** A security key (device-bound, roaming), a device-bound platform passkey, and a synced passkey. */
function keys () {
  return {
    securityKey: new SoftAuthenticator({ transports: ['usb'] }),
    platform: new SoftAuthenticator({ transports: ['internal'] }),
    synced: new SoftAuthenticator({ synced: true, transports: ['internal', 'hybrid'], counting: false })
  }
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('a passkey token carries pop, and phrh when device-bound, phr when synced', async (t) => {
      const testApp = await app(t, framework)
      const { securityKey, platform, synced } = keys()
      enrol(testApp, securityKey.credential(), platform.credential(), synced.credential())
      t.match(claimsOf(await passkeyToken(t, testApp, securityKey)), { amr: ['hwk', 'user', 'pop'], acr: 'phrh' })
      // Not a security key (so swk), but its key never leaves the device.
      t.match(claimsOf(await passkeyToken(t, testApp, platform)), { amr: ['swk', 'user', 'pop'], acr: 'phrh' })
      t.match(claimsOf(await passkeyToken(t, testApp, synced)), { amr: ['swk', 'user', 'pop'], acr: 'phr' })
      const password = claimsOf(await passwordToken(t, testApp))
      t.same(password.amr, ['pwd'])
      t.notOk('acr' in password, 'a password token claims no phishing resistance')
    })

    t.test('routes that ask for phishing resistance: what passes, and the 401 that says what would', async (t) => {
      const testApp = await app(t, framework)
      const { securityKey, synced } = keys()
      enrol(testApp, securityKey.credential(), synced.credential())
      const hardware = await passkeyToken(t, testApp, securityKey)
      const cloud = await passkeyToken(t, testApp, synced)
      const password = await passwordToken(t, testApp)

      t.equal((await get(testApp, '/phr', hardware)).statusCode, 200)
      t.equal((await get(testApp, '/phrh', hardware)).statusCode, 200)
      t.equal((await get(testApp, '/phr', cloud)).statusCode, 200, 'a synced passkey is phishing-resistant')

      const refusedSynced = await get(testApp, '/phrh', cloud)
      t.equal(refusedSynced.statusCode, 401)
      t.match(refusedSynced.json(), {
        code: 'FST_STEP_UP_INSUFFICIENT',
        message: 'The step-up does not satisfy this action: it needs a phishing-resistant step-up with a device-bound passkey (not a synced one)',
        stepUp: { methods: ['passkey'], acrValues: ['phrh'], phishingResistant: 'hardware' }
      })
      t.match(refusedSynced.headers['www-authenticate'], /^Bearer error="insufficient_user_authentication", .*acr_values="phrh", max_age="300"$/)

      const refusedPassword = await get(testApp, '/phr', password)
      t.equal(refusedPassword.statusCode, 401)
      t.match(refusedPassword.json(), {
        code: 'FST_STEP_UP_INSUFFICIENT',
        message: 'The step-up does not satisfy this action: it needs a phishing-resistant step-up (a passkey)',
        stepUp: { methods: ['passkey'], acrValues: ['phr', 'phrh'], phishingResistant: true }
      })
      t.match(refusedPassword.headers['www-authenticate'], /acr_values="phr phrh"/)
      t.equal((await get(testApp, '/phrh', password)).statusCode, 401)

      // What the browser helper reads from that 401.
      const challenge = await readStepUpChallenge(new Response(refusedSynced.body, { status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': refusedSynced.headers['www-authenticate']! } }))
      t.match(challenge, { phishingResistant: 'hardware', acrValues: ['phrh'], methods: ['passkey'] })

      // verifyToken asks the same question.
      await t.rejects(testApp.verifyToken(cloud, { user: { id: 'alice', sessionId: 's1' }, requirement: { phishingResistant: 'hardware' } }), { code: 'FST_STEP_UP_INSUFFICIENT' })
      await t.resolves(testApp.verifyToken(hardware, { user: { id: 'alice', sessionId: 's1' }, requirement: { phishingResistant: 'hardware' } }))
    })

    t.test('a level that demands hardware: a synced passkey falls to the level below, and never passes "hardware"', async (t) => {
      const testApp = await app(t, framework, {
        levels: {
          low: { methods: ['password', 'passkey'] },
          high: { methods: ['passkey'], phishingResistant: 'hardware' }
        }
      }, [
        { url: '/high', requirement: { level: 'high' } },
        { url: '/low-hardware', requirement: { level: 'low', phishingResistant: 'hardware' } },
        { url: '/low-phr', requirement: { level: 'low', phishingResistant: true } },
        ...ROUTES
      ])
      const { securityKey, synced } = keys()
      enrol(testApp, securityKey.credential(), synced.credential())
      const hardware = await passkeyToken(t, testApp, securityKey)
      const cloud = await passkeyToken(t, testApp, synced)
      const password = await passwordToken(t, testApp)
      t.equal(claimsOf(hardware).acr, 'high')
      t.equal(claimsOf(cloud).acr, 'low', 'the synced passkey reaches only the lower level')
      t.equal(claimsOf(password).acr, 'low')

      const high = await get(testApp, '/high', cloud)
      t.equal(high.statusCode, 401)
      t.match(high.json(), { message: /it needs level high$/ })
      t.equal((await get(testApp, '/high', hardware)).statusCode, 200)

      // acr "low" from a synced passkey is never taken for hardware; the level that demands it is.
      const lowHardware = await get(testApp, '/low-hardware', cloud)
      t.equal(lowHardware.statusCode, 401)
      t.match(lowHardware.headers['www-authenticate'], /acr_values="high"/)
      t.same(lowHardware.json().stepUp.acrValues, ['high'])
      t.equal((await get(testApp, '/low-hardware', hardware)).statusCode, 200)
      t.equal((await get(testApp, '/phrh', cloud)).statusCode, 401)
      t.equal((await get(testApp, '/phrh', hardware)).statusCode, 200, 'a hardware level counts as phrh')

      // Any passkey, at level low or above: the password token of level low is not one.
      t.equal((await get(testApp, '/low-phr', cloud)).statusCode, 200)
      const lowPassword = await get(testApp, '/low-phr', password)
      t.equal(lowPassword.statusCode, 401)
      t.match(lowPassword.headers['www-authenticate'], /acr_values="low high"/)
      t.equal((await get(testApp, '/phr', password)).statusCode, 401)
    })

    t.test('a level that demands phishing resistance; a passkey that reaches no level says phr', async (t) => {
      const testApp = await app(t, framework, {
        levels: {
          low: { methods: ['password'] },
          mid: { methods: ['passkey'], phishingResistant: true, acr: 'phr' }
        }
      })
      const { synced } = keys()
      enrol(testApp, synced.credential())
      t.equal(claimsOf(await passkeyToken(t, testApp, synced)).acr, 'phr')
      t.equal(claimsOf(await passwordToken(t, testApp)).acr, 'low')

      const only = await app(t, framework, { levels: { high: { methods: ['passkey'], phishingResistant: 'hardware', acr: 'phrh' } } })
      enrol(only, synced.credential())
      t.equal(claimsOf(await passkeyToken(t, only, synced)).acr, 'phr', 'no level reached: the plain EAP value')
    })
  })
}

t.test('what is refused at startup', async (t) => {
  const passkey = { rpID: 'example.com', origin: 'https://example.com', getCredentials: () => [], updateCounter: () => true }
  const withPasskey = { ...valid, passkey, password: { verify: () => false } } as StepUpOptions<any>
  const requirement = async (given: StepUpRequirement, options: StepUpOptions<any> = withPasskey) => {
    const stepUp = createStepUp(options as never)
    t.teardown(() => stepUp.close())
    stepUp.requireStepUp(given)
  }
  await t.rejects(requirement({ phishingResistant: true }, valid as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: 'The stepUp.phishingResistant option needs passkeys enabled: only a passkey is phishing-resistant' })
  await t.rejects(requirement({ phishingResistant: 'hardware', methods: ['password'] }), { message: 'The stepUp.phishingResistant option needs "passkey" among stepUp.methods' })
  await t.rejects(requirement({ phishingResistant: 'yes' as never }), { message: 'The stepUp.phishingResistant option must be true or "hardware"' })
  await t.resolves(requirement({ phishingResistant: true, methods: ['passkey', 'password'] }))
  // Only a passkey reaches a level that demands phishing resistance, whatever else the level lists.
  const mixed = createStepUp({ ...withPasskey, levels: { high: { methods: ['password', 'passkey'], phishingResistant: true } } } as never)
  t.teardown(() => mixed.close())
  t.match((mixed as any)[Symbol.for('fastify-step-up.mount')].engine.resolveRequirement({ level: 'high' }), { methods: ['passkey'], acrValues: ['high'] })
  const levels = { ...withPasskey, levels: { low: { methods: ['passkey', 'password'] }, high: { methods: ['password'] } } } as StepUpOptions<any>
  await t.rejects(requirement({ level: 'low', phishingResistant: 'hardware' }, levels), { message: 'The stepUp.level option "low" cannot be met with stepUp.phishingResistant "hardware": no level from it up demands phishingResistant "hardware"' })
  await t.rejects(requirement({ level: 'high', phishingResistant: true }, levels), { message: 'The stepUp.level option "high" cannot be met with stepUp.phishingResistant true: no level from it up lists passkey' })

  await t.rejects(register({ ...withPasskey, levels: { high: { methods: ['password'], phishingResistant: true } } }), { message: 'The levels.high.phishingResistant option needs "passkey" in the level\'s methods: only a passkey is phishing-resistant' })
  await t.rejects(register({ ...withPasskey, levels: { high: { methods: ['passkey'], phishingResistant: 'always' } } }), { message: 'The levels.high.phishingResistant option must be true or "hardware"' })
  await t.rejects(register({ ...withPasskey, levels: { high: { methods: ['passkey'], phishingResistant: true, acr: 'phrh' } } }), { message: /^The levels\.high\.acr option "phrh" means a phishing-resistant step-up with a device-bound key: set phishingResistant: "hardware"/ })
  await t.rejects(register({ ...withPasskey, levels: { high: { methods: ['passkey'], acr: 'phr' } } }), { message: /^The levels\.high\.acr option "phr" means a phishing-resistant step-up: set phishingResistant: true/ })
  // A synced passkey that reaches no level carries phr: a hardware level must not share it.
  await t.rejects(register({ ...withPasskey, levels: { high: { methods: ['passkey'], acr: 'phr', phishingResistant: 'hardware' } } }), { message: /^The levels\.high\.acr option "phr" means a phishing-resistant step-up: set phishingResistant: true/ })
})

t.test('units: the device-bound rule, the client parser, x-step-up', async (t) => {
  t.equal(passkeyPhishingResistance('singleDevice', false), 'phrh')
  t.equal(passkeyPhishingResistance('multiDevice', true), 'phr')
  t.equal(passkeyPhishingResistance('multiDevice', false), 'phr', 'backup eligible, not backed up yet')
  t.equal(passkeyPhishingResistance('singleDevice', true), 'phr', 'backed up without being eligible: in doubt, the weaker claim')

  const header = (acr: string) => new Response(null, { status: 401, headers: { 'www-authenticate': `Bearer error="insufficient_user_authentication", acr_values="${acr}", max_age="60"` } })
  t.equal((await readStepUpChallenge(header('phr phrh')))!.phishingResistant, true)
  t.equal((await readStepUpChallenge(header('phrh')))!.phishingResistant, 'hardware')
  t.notOk('phishingResistant' in (await readStepUpChallenge(header('gold phrh')))!, 'a level\'s acr: the header alone does not say')
  t.notOk('phishingResistant' in (await readStepUpChallenge(new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age="60"' } })))!)
  t.notOk('phishingResistant' in (await readStepUpChallenge(header('')))!)
  const hinted = new Response(JSON.stringify({ code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { methods: ['passkey'], phishingResistant: true, acrValues: ['gold'] } }), { status: 401, headers: { 'content-type': 'application/json' } })
  t.equal((await readStepUpChallenge(hinted))!.phishingResistant, true)

  const stepUp = createStepUp({ ...valid, passkey: { rpID: 'example.com', origin: 'https://example.com', getCredentials: () => [], updateCounter: () => true } } as never)
  t.teardown(() => stepUp.close())
  const engine = (stepUp as any)[Symbol.for('fastify-step-up.mount')].engine
  t.match(stepUpExtension(engine.resolveRequirement({ phishingResistant: 'hardware' }), ['email', 'passkey']), { methods: ['passkey'], phishingResistant: 'hardware' })
  t.notOk('phishingResistant' in stepUpExtension(engine.resolveRequirement({}), ['email', 'passkey']))
})

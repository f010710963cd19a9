// The test app with factor management on: the plugin's own test app (test/helpers/app.ts) with the
// factors kept in a MemoryFactorStorage, password re-entry as the first-factor step-up, and helpers
// that enroll factors and step up with them the way a browser client would, over HTTP.
import type { Clock } from '@tapjs/clock'
import type { Test } from 'tap'
import { hotp } from '../../lib/methods/totp/otp.js'
import { MemoryFactorStorage, RedisStore, type FactorOptions, type StepUpEvent, type StepUpOptions, type StepUpStore } from '../../lib/index.js'
import { ALICE, as, buildApp, frameworks, stepUpToken, type Framework, type Reply, type TestApp } from './app.js'
import { ORIGIN, RP_ID, SoftAuthenticator } from './passkey.js'
import { connect, redisSkipReason, sharedRedisUrl, uniquePrefix } from './redis.js'
import { slowStore } from './stores.js'

export const RELYING_PARTY = { rpID: RP_ID, rpName: 'Example', origin: ORIGIN }

export type StoreFactory = (clock: Clock) => StepUpStore

/**
 * Runs a scenario on both frameworks and both stores: a MemoryStore that answers a turn of the
 * event loop later (so concurrent requests interleave between store calls, as with a remote store),
 * and a real Redis when there is one.
 */
export function onEveryStack (t: Test, scenario: (t: Test, framework: Framework, store: StoreFactory) => Promise<void>): void {
  t.test('MemoryStore', async (t) => {
    for (const framework of frameworks) t.test(framework, async (t) => scenario(t, framework, (clock) => slowStore(clock).store))
  })
  t.test('RedisStore', { skip: redisSkipReason() }, async (t) => {
    const client = await connect(t, await sharedRedisUrl(t))
    for (const framework of frameworks) t.test(framework, async (t) => scenario(t, framework, (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock })))
  })
}

export interface FactorApp extends TestApp {
  storage: MemoryFactorStorage
  events: StepUpEvent[]
}

export interface FactorBuild {
  framework: Framework
  store?: (clock: Clock) => StepUpStore
  /** Over the defaults: every kind on, with the test relying party. */
  factors?: Partial<FactorOptions>
  plugin?: Partial<StepUpOptions<unknown>>
  logs?: string[]
  /** Another app's storage, to share (two instances). */
  storage?: MemoryFactorStorage
  /** The LoginRadius-compatible routes mounted too. */
  compat?: boolean
}

export async function buildFactorApp (t: Test, build: FactorBuild): Promise<FactorApp> {
  const storage = build.storage ?? new MemoryFactorStorage()
  const events: StepUpEvent[] = []
  const testApp = await buildApp(t, {
    framework: build.framework,
    ...(build.store ? { store: build.store } : {}),
    ...(build.logs ? { logs: build.logs } : {}),
    ...(build.compat ? { compat: true } : {}),
    plugin: {
      password: { verify: (user, password) => user.id !== 'erin' && password === ALICE.password },
      onEvent: (event) => { events.push(event) },
      factors: { storage, totp: true, backupCodes: true, pin: true, passkey: RELYING_PARTY, ...build.factors },
      ...build.plugin
    } as Partial<StepUpOptions<unknown>> as never
  })
  return Object.assign(testApp, { storage, events })
}

/** Request headers for a user's session, with a step-up token when given. */
export function headers (user: string, session = 's1', token?: string): Record<string, string> {
  return { ...as(user, session), ...(token === undefined ? {} : { 'x-step-up-token': token }) }
}

function expectOk (reply: Reply, what: string): any {
  if (reply.statusCode !== 200) throw new Error(`${what} failed: ${reply.statusCode} ${reply.body}`)
  return reply.json()
}

/** The authenticator app's code at the clock's time, `steps` time steps later. */
export async function totpCode (clock: Clock, secret: string, steps = 0): Promise<string> {
  return hotp(secret, Math.floor(clock.now() / 30_000) + steps)
}

/** An email step-up to the user's own address (`<user>@example.com`). */
export async function stepUpWithEmail (testApp: TestApp, user = 'bob', session = 's1'): Promise<string> {
  return stepUpToken(testApp, user, `${user}@example.com`, session)
}

export async function passwordToken (testApp: TestApp, user = 'alice', session = 's1'): Promise<string> {
  const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/password/verify', headers: as(user, session), payload: { password: ALICE.password } })
  return expectOk(reply, 'password step-up').token
}

/** A TOTP step-up; the clock moves to the next time step first, so no code is used twice. */
export async function totpToken (testApp: TestApp, secret: string, user = 'alice', session = 's1'): Promise<string> {
  testApp.clock.advance(30_000)
  const code = await totpCode(testApp.clock, secret)
  const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/totp/verify', headers: as(user, session), payload: { code } })
  return expectOk(reply, 'TOTP step-up').token
}

export async function passkeyToken (testApp: TestApp, key: SoftAuthenticator, user = 'alice', session = 's1'): Promise<string> {
  const started = expectOk(await testApp.app.inject({ method: 'POST', url: '/step-up/passkey/options', headers: as(user, session), payload: {} }), 'passkey options')
  const reply = await testApp.app.inject({
    method: 'POST',
    url: '/step-up/passkey/verify',
    headers: as(user, session),
    payload: { challengeId: started.challengeId, response: key.assert(started.options.challenge) }
  })
  return expectOk(reply, 'passkey step-up').token
}

/** Starts and confirms an authenticator app with a change token; its secret and the factor. */
export async function enrollTotp (testApp: FactorApp, token: string, user = 'alice', session = 's1', label?: string): Promise<{ secret: string, factor: any }> {
  const started = expectOk(await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: as(user, session), payload: {} }), 'TOTP start')
  const code = await totpCode(testApp.clock, started.secret)
  const reply = await testApp.app.inject({
    method: 'POST',
    url: '/step-up/factors/totp/confirm',
    headers: headers(user, session, token),
    payload: { code, ...(label === undefined ? {} : { label }) }
  })
  return { secret: started.secret, factor: expectOk(reply, 'TOTP confirm').factor }
}

/** Registers a (new) software passkey with a change token; the key and the factor. */
export async function enrollPasskey (testApp: FactorApp, token: string, user = 'alice', session = 's1', key = new SoftAuthenticator()): Promise<{ key: SoftAuthenticator, factor: any }> {
  const started = expectOk(await testApp.app.inject({ method: 'POST', url: '/step-up/factors/passkeys/options', headers: as(user, session), payload: {} }), 'passkey registration options')
  const reply = await testApp.app.inject({
    method: 'POST',
    url: '/step-up/factors/passkeys/verify',
    headers: headers(user, session, token),
    payload: { challengeId: started.challengeId, response: key.register(started.options.challenge) }
  })
  return { key, factor: expectOk(reply, 'passkey registration').factor }
}

export async function listFactors (testApp: TestApp, user = 'alice', session = 's1'): Promise<any> {
  return expectOk(await testApp.app.inject({ url: '/step-up/factors', headers: as(user, session) }), 'GET /factors')
}

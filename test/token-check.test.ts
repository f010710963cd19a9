// One door for every token check: the engine's checkToken, which answers at once when it can, looks
// in the token cache once per check, and keeps the token service to itself. And one log line for a
// refusal or failure, the same on every adapter.
import { generateKeyPairSync } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import t, { type Test } from 'tap'
import { setUpStepUp } from '../lib/setup.js'
import type { StepUpClaims, StepUpOptions } from '../lib/types.js'
import { SECRET, as, buildApp, frameworks, stepUpToken, type TestApp } from './helpers/app.js'
import { switchableStore } from './helpers/stores.js'

const ed = generateKeyPairSync('ed25519')
const signings: Record<string, Partial<StepUpOptions<unknown>>> = {
  HS256: {},
  EdDSA: { keys: { signing: { kid: 'k', alg: 'EdDSA', privateKey: ed.privateKey } } }
}

/** Counts the token cache's lookups of one token from now on (an entry is filed under the token's signature). */
function cacheLookups (t: Test, token: string): () => number {
  const lookups = t.capture(LRUCache.prototype, 'get', LRUCache.prototype.get)
  const signature = token.split('.')[2]
  return () => lookups().filter(({ args }) => args[0] === signature).length
}

const checks = (testApp: TestApp): number => {
  const { hits, misses } = testApp.tokenCacheStats()
  return hits + misses
}

for (const framework of frameworks) {
  for (const [signing, plugin] of Object.entries(signings)) {
    t.test(`${framework}, ${signing}: one cache lookup per check, whoever checks`, async (t) => {
      const testApp = await buildApp(t, { framework, plugin, routes: [{ url: '/wire', requirement: { singleUse: true } }] })
      const token = await stepUpToken(testApp)
      const lookups = cacheLookups(t, token)
      const user = { id: 'alice', sessionId: 's1' }
      const guarded = (url: string, session = 's1') =>
        testApp.app.inject({ url, headers: { ...as('alice', session), 'x-step-up-token': token } })

      const cases: Array<[string, () => Promise<unknown>, boolean]> = [
        ['the guard, a cache miss', async () => t.equal((await guarded('/documents/1')).statusCode, 200), true],
        ['the guard, a second use (a hit for a key-pair token; an HS256 token goes in the cache now)', async () => t.equal((await guarded('/documents/1')).statusCode, 200), true],
        ['the guard of a single-use route', async () => t.equal((await guarded('/wire')).statusCode, 200), true],
        ['the guard, refusing another session', async () => t.equal((await guarded('/documents/1', 's2')).statusCode, 401), true],
        ['POST /token/verify', async () => {
          const reply = await testApp.app.inject({ method: 'POST', url: '/step-up/token/verify', headers: as('alice'), payload: { token } })
          t.equal(reply.json().valid, true)
        }, true],
        ['verifyToken', async () => t.match(await testApp.verifyToken(token, { user }), { sub: 'alice' }), true]
      ]
      for (const [name, check] of cases) {
        const before = checks(testApp)
        await check()
        t.equal(lookups(), 1, `${name}: one lookup`)
        t.equal(checks(testApp), before + 1, `${name}: one hit or miss`)
      }
      t.same(testApp.tokenCacheStats(), signing === 'HS256' ? { hits: 4, misses: 2, size: 1 } : { hits: 5, misses: 1, size: 1 })
    })
  }
}

t.test('checkToken answers at once when nothing must be waited for, else with a promise', async (t) => {
  const issuer = await buildApp(t)
  const token = await stepUpToken(issuer)
  const { engine, close } = setUpStepUp({
    secret: SECRET,
    clock: issuer.clock,
    getUser: () => null,
    email: { from: 'a@example.com', transport: 'smtp://127.0.0.1:2525' }
  })
  t.teardown(close)
  const user = { id: 'alice', sessionId: 's1' }
  const requirement = engine.resolveRequirement(undefined)

  const once = engine.checkToken(token, user, requirement)
  t.notOk(once instanceof Promise, 'an HS256 token: the claims at once')
  t.equal((once as StepUpClaims).sub, 'alice')
  const spent = engine.checkToken(token, user, engine.resolveRequirement({ singleUse: true }))
  t.ok(spent instanceof Promise, 'a single-use requirement waits for the store')
  t.equal((await spent).sub, 'alice')
  t.throws(() => engine.checkToken(undefined, user, requirement), { code: 'FST_STEP_UP_TOKEN_MISSING' }, 'no token: thrown at once')
  t.throws(() => engine.checkToken(token, { ...user, sessionId: 's2' }, requirement), { code: 'FST_STEP_UP_TOKEN_INVALID' }, 'a refusal: thrown at once')

  const pairs = await buildApp(t, { plugin: signings.EdDSA })
  const pairToken = await stepUpToken(pairs)
  const keyed = setUpStepUp({
    secret: SECRET,
    clock: pairs.clock,
    getUser: () => null,
    email: { from: 'a@example.com', transport: 'smtp://127.0.0.1:2525' },
    ...signings.EdDSA
  })
  t.teardown(keyed.close)
  const first = keyed.engine.checkToken(pairToken, user, requirement)
  t.ok(first instanceof Promise, 'a key-pair token not yet verified: a promise (jose verifies asynchronously)')
  t.equal((await first).sub, 'alice')
  const cached = keyed.engine.checkToken(pairToken, user, requirement)
  t.notOk(cached instanceof Promise, 'then, from the cache: at once')
  const [header, payload, signature] = pairToken.split('.') as [string, string, string]
  const forged = `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`
  const refused = keyed.engine.checkToken(forged, user, requirement)
  t.ok(refused instanceof Promise, 'a well-formed key-pair token with a wrong signature: a promise')
  await t.rejects(refused as Promise<StepUpClaims>, { code: 'FST_STEP_UP_TOKEN_INVALID' }, 'that rejects')
  t.throws(() => keyed.engine.checkToken(pairToken + '=', user, requirement), { code: 'FST_STEP_UP_TOKEN_INVALID' }, 'one not spelled as issued: thrown at once')
})

t.test('the token service is the engine\'s own: checkToken is the only way to a token check', async (t) => {
  const { engine, close } = setUpStepUp({ secret: SECRET, getUser: () => null, email: { from: 'a@example.com', transport: 'smtp://127.0.0.1:2525' } })
  t.teardown(close)
  t.notOk('tokens' in engine, 'no `tokens` property')
  // @ts-expect-error no `tokens` on the engine's type either
  t.equal(engine.tokens, undefined)
  t.same(engine.tokenCacheStats(), { hits: 0, misses: 0, size: 0 }, 'the cache counters, and only them, are public')
})

interface LogLine { msg: string, code?: string, level: number }

for (const framework of frameworks) {
  t.test(`${framework}: one wording for a refusal and a failure, from the guard and the routes`, async (t) => {
    const lines: string[] = []
    const { store, state } = switchableStore()
    const testApp = await buildApp(t, { framework, logs: lines, plugin: { store }, routes: [{ url: '/wire', requirement: { singleUse: true } }] })
    const token = await stepUpToken(testApp)
    lines.length = 0
    const logged = (): LogLine[] => lines.splice(0).map((line) => JSON.parse(line) as LogLine).filter(({ msg }) => msg.startsWith('step-up') && !msg.startsWith('step-up token.'))

    t.equal((await testApp.app.inject({ url: '/documents/1', headers: as('alice') })).statusCode, 401)
    t.match(logged(), [{ level: 30, msg: 'step-up refused', code: 'FST_STEP_UP_TOKEN_MISSING' }], 'the guard refuses')

    const verify = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId: 'nope' } })
    t.equal(verify.statusCode, 400)
    t.match(logged(), [{ level: 30, msg: 'step-up refused', code: 'FST_STEP_UP_INVALID_REQUEST' }], 'a route refuses')

    state.down = true
    const wire = await testApp.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })
    t.equal(wire.statusCode, 503)
    const failed = logged()
    t.match(failed, [{ level: 50, msg: 'step-up failed', code: 'FST_STEP_UP_STORE_UNAVAILABLE' }], 'the guard fails')
    t.match(JSON.stringify(failed), /ECONNREFUSED/, 'with the original error, for the operator')

    const send = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice@example.com' } })
    t.equal(send.statusCode, 503)
    const routeFailed = logged()
    t.match(routeFailed, [{ level: 50, msg: 'step-up failed', code: 'FST_STEP_UP_STORE_UNAVAILABLE' }], 'a route fails')
    t.match(JSON.stringify(routeFailed), /ECONNREFUSED/)
  })
}

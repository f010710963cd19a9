// The verified-token cache: an HS256 token is checked in full on its first two uses and cached from
// the second (a token used once is never cached), a key-pair token from its first; the cache never
// accepts what a full check would refuse. Each case warms the cache first, then proves the refusal
// came through it.
import { generateKeyPairSync } from 'node:crypto'
import t, { type Test } from 'tap'
import { as, buildApp, frameworks, stepUpToken, type TestApp } from './helpers/app.js'

function get (testApp: TestApp, url: string, token: string, user = 'alice', session = 's1') {
  return testApp.app.inject({ url, headers: { ...as(user, session), 'x-step-up-token': token } })
}

/** Two passing uses: the second puts an HS256 token in the cache. */
async function warm (t: Test, testApp: TestApp, url: string, token: string, user = 'alice', session = 's1') {
  for (let i = 0; i < 2; i++) t.equal((await get(testApp, url, token, user, session)).statusCode, 200, 'warm the cache')
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('a token is verified in full on its first two uses; later requests use the cache', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      t.equal((await get(testApp, '/documents/1', token)).statusCode, 200)
      t.same(testApp.tokenCacheStats(), { hits: 0, misses: 1, size: 0 }, 'used once: checked in full, not cached')
      for (let i = 0; i < 4; i++) t.equal((await get(testApp, '/documents/1', token)).statusCode, 200)
      t.same(testApp.tokenCacheStats(), { hits: 3, misses: 2, size: 1 }, 'cached on its second use')
      t.equal((await get(testApp, '/documents/1', token + 'x')).statusCode, 401, 'a tampered copy is another key: checked in full, refused')
      t.same(testApp.tokenCacheStats(), { hits: 3, misses: 2, size: 1 }, 'and never cached')
    })

    t.test('tokens used once leave nothing in the cache, however many there are', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { tokenCache: { max: 2 } } })
      const tokens = []
      for (let i = 0; i < 6; i++) {
        tokens.push(await stepUpToken(testApp, 'alice', 'alice@example.com', `s${i}`))
        testApp.clock.advance(30_000) // past the resend cooldown
      }
      for (const [i, token] of tokens.entries()) t.equal((await get(testApp, '/documents/1', token, 'alice', `s${i}`)).statusCode, 200)
      t.same(testApp.tokenCacheStats(), { hits: 0, misses: 6, size: 0 })
      await warm(t, testApp, '/documents/1', tokens[5]!, 'alice', 's5')
      t.same(testApp.tokenCacheStats(), { hits: 1, misses: 7, size: 1 }, 'the last one, seen again, went in on that use and answered the next')
    })

    t.test("a token with a cached token's signature but another header or payload is checked in full", async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const other = await stepUpToken(testApp, 'bob', 'bob@example.com')
      await warm(t, testApp, '/documents/1', token)
      const [header, payload, signature] = token.split('.') as [string, string, string]
      const [, bobPayload] = other.split('.') as [string, string, string]
      const before = testApp.tokenCacheStats()
      const grafted = {
        "another user's payload": `${header}.${bobPayload}.${signature}`,
        'a respelled header': `${header}=.${payload}.${signature}`,
        'a payload with one more character': `${header}.${payload}A.${signature}`
      }
      for (const [name, forged] of Object.entries(grafted)) {
        t.equal((await get(testApp, '/documents/1', forged, name.startsWith('another') ? 'bob' : 'alice')).json().code, 'FST_STEP_UP_TOKEN_INVALID', name)
      }
      t.same(testApp.tokenCacheStats(), before, 'no hit, nothing cached')
      t.equal((await get(testApp, '/documents/1', token)).statusCode, 200, 'and the real token still passes')
      t.equal(testApp.tokenCacheStats().hits, before.hits + 1, 'from the cache')
    })

    t.test('through the cache: expiry', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      await warm(t, testApp, '/documents/1', token)
      testApp.clock.advance(299_999)
      t.equal((await get(testApp, '/documents/1', token)).statusCode, 200, 'still valid one ms before exp')
      testApp.clock.advance(1)
      const expired = await get(testApp, '/documents/1', token)
      t.equal(expired.json().code, 'FST_STEP_UP_TOKEN_EXPIRED')
      t.equal(testApp.tokenCacheStats().hits, 1, 'the cached entry answered, and said expired')
    })

    t.test('through the cache: another user, another session', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      await warm(t, testApp, '/documents/1', token)
      t.equal((await get(testApp, '/documents/1', token, 'bob')).json().code, 'FST_STEP_UP_TOKEN_INVALID')
      t.equal((await get(testApp, '/documents/1', token, 'alice', 's2')).json().code, 'FST_STEP_UP_TOKEN_INVALID')
      t.equal(testApp.tokenCacheStats().hits, 2)
    })

    t.test('through the cache: a requirement not met (freshness, method, action)', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        allMethods: true,
        routes: [{ url: '/fresh', requirement: { maxAge: '1m' } }, { url: '/app', requirement: { methods: ['totp'] } }, { url: '/pay', requirement: { action: 'payment' } }]
      })
      const token = await stepUpToken(testApp)
      await warm(t, testApp, '/fresh', token)
      t.equal((await get(testApp, '/app', token)).json().code, 'FST_STEP_UP_INSUFFICIENT')
      t.equal((await get(testApp, '/pay', token)).json().code, 'FST_STEP_UP_INSUFFICIENT')
      testApp.clock.advance(61_000)
      t.equal((await get(testApp, '/fresh', token)).json().code, 'FST_STEP_UP_INSUFFICIENT')
      t.equal((await get(testApp, '/documents/1', token)).statusCode, 200, 'the 5-minute route still takes it')
      t.equal(testApp.tokenCacheStats().hits, 4)
    })

    t.test('through the cache: a single-use token already spent', async (t) => {
      const testApp = await buildApp(t, { framework, routes: [{ url: '/wire', requirement: { singleUse: true } }] })
      const token = await stepUpToken(testApp)
      await warm(t, testApp, '/documents/1', token)
      t.equal((await get(testApp, '/wire', token)).statusCode, 200)
      t.equal((await get(testApp, '/wire', token)).json().code, 'FST_STEP_UP_TOKEN_USED')
      t.equal(testApp.tokenCacheStats().hits, 2)
    })

    t.test('through the cache: a rotated-out key (keys are fixed per process: rotation is a new configuration)', async (t) => {
      const a = generateKeyPairSync('ed25519')
      const b = generateKeyPairSync('ed25519')
      const before = await buildApp(t, { framework, plugin: { keys: { signing: { kid: 'a', alg: 'EdDSA', privateKey: a.privateKey } } } })
      const token = await stepUpToken(before)
      t.equal((await get(before, '/documents/1', token)).statusCode, 200)
      t.same(before.tokenCacheStats(), { hits: 0, misses: 1, size: 1 }, 'a key-pair token is cached on its first check')
      t.equal((await get(before, '/documents/1', token)).statusCode, 200)
      t.equal(before.tokenCacheStats().hits, 1)
      const after = await buildApp(t, { framework, plugin: { keys: { signing: { kid: 'b', alg: 'EdDSA', privateKey: b.privateKey } } } })
      t.equal((await get(after, '/documents/1', token)).json().code, 'FST_STEP_UP_TOKEN_INVALID', 'a cache never outlives the keys it was filled under')
    })

    t.test('claims handed out are read-only, so one request cannot change what the cache gives the next', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const claims = await testApp.verifyToken(token, { user: { id: 'alice', sessionId: 's1' } }) as { sub: string, amr: string[] }
      t.throws(() => { claims.sub = 'mallory' })
      t.throws(() => { claims.amr.push('hwk') })
      t.equal((await get(testApp, '/documents/1', token)).json().stepUp.sub, 'alice')
    })

    t.test('tokenCache: false checks every token in full', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { tokenCache: false } })
      const token = await stepUpToken(testApp)
      for (let i = 0; i < 3; i++) t.equal((await get(testApp, '/documents/1', token)).statusCode, 200)
      t.same(testApp.tokenCacheStats(), { hits: 0, misses: 3, size: 0 })
    })

    t.test('the cache is bounded: the least recently used token goes first', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { tokenCache: { max: 2 } }, email: {} })
      const tokens = []
      for (const session of ['a', 'b', 'c']) {
        tokens.push(await stepUpToken(testApp, 'alice', 'alice@example.com', session))
        testApp.clock.advance(30_000)
      }
      for (const [i, session] of ['a', 'b', 'c'].entries()) await warm(t, testApp, '/documents/1', tokens[i]!, 'alice', session)
      t.same(testApp.tokenCacheStats(), { hits: 0, misses: 6, size: 2 })
      await get(testApp, '/documents/1', tokens[0]!, 'alice', 'a')
      t.equal(testApp.tokenCacheStats().misses, 7, 'the first token was evicted and checked again in full')
    })
  })
}

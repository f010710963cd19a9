// The guard and the token: what gets through, what gets the RFC 9470 challenge.
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose'
import t from 'tap'
import { deriveKeys } from '../lib/core/secrets.js'
import { challengeHeader } from '../lib/http/challenge.js'
import { SECRET, as, buildApp, frameworks, stepUpToken, users, type TestApp } from './helpers/app.js'

const key = deriveKeys(Buffer.from(SECRET)).token

function doc (testApp: TestApp, token?: string, user = 'alice', session = 's1', url = '/documents/1') {
  return testApp.app.inject({ url, headers: { ...as(user, session), ...(token === undefined ? {} : { 'x-step-up-token': token }) } })
}

/** Signs claims like the plugin does, with changes, so each check can be attacked on its own. */
function forge (claims: Record<string, unknown>, header: Record<string, unknown> = {}, signingKey: Uint8Array = key) {
  const now = Math.floor(Date.UTC(2026, 0, 1) / 1000)
  return new SignJWT({
    iss: 'fastify-step-up',
    aud: 'fastify-step-up',
    sub: 'alice',
    sid: 's1',
    jti: 'j',
    iat: now,
    exp: now + 300,
    auth_time: now,
    amr: ['otp', 'email'],
    ...claims
  }).setProtectedHeader({ alg: 'HS256', typ: 'step-up+jwt', ...header }).sign(signingKey)
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('no token: 401 with an RFC 9470 challenge a client can act on', async (t) => {
      const testApp = await buildApp(t, { framework })
      const reply = await doc(testApp)
      t.equal(reply.statusCode, 401)
      t.equal(reply.headers['www-authenticate'],
        'Bearer error="insufficient_user_authentication", error_description="This action needs a step-up: verify yourself again and retry with the step-up token", max_age="300"')
      t.same(reply.json(), {
        statusCode: 401,
        code: 'FST_STEP_UP_TOKEN_MISSING',
        error: 'Unauthorized',
        message: 'This action needs a step-up: verify yourself again and retry with the step-up token',
        stepUp: { methods: ['email'], maxAge: 300 }
      })
    })

    t.test('the challenge lists only the methods this user has', async (t) => {
      const testApp = await buildApp(t, { framework, email: { mode: 'mfa' } })
      const reply = await doc(testApp, undefined, 'bob')
      t.same(reply.json().stepUp, { methods: [], maxAge: 300 })
    })

    t.test('a valid token passes and request.stepUp holds its claims', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const reply = await doc(testApp, token)
      t.equal(reply.statusCode, 200)
      const now = Math.floor(Date.UTC(2026, 0, 1) / 1000)
      t.same(reply.json().stepUp, {
        iss: 'fastify-step-up',
        aud: 'fastify-step-up',
        sub: 'alice',
        sid: 's1',
        jti: decodeJwt(token).jti,
        iat: now,
        exp: now + 300,
        auth_time: now,
        amr: ['otp', 'email']
      })
      t.equal((await doc(testApp, token)).statusCode, 200, 'usable again while it lives (single use comes with requirements later)')
    })

    t.test('an expired token is refused', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      testApp.clock.advance(5 * 60 * 1000)
      const reply = await doc(testApp, token)
      t.equal(reply.statusCode, 401)
      t.equal(reply.json().code, 'FST_STEP_UP_TOKEN_EXPIRED')
      t.match(reply.headers['www-authenticate'], /^Bearer error="insufficient_user_authentication", error_description="[^"]+", max_age="300"$/)
    })

    t.test("another session's token is refused: a step-up is bound to its session", async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp, 'alice', 'alice@example.com', 'laptop')
      const reply = await doc(testApp, token, 'alice', 'phone')
      t.equal(reply.statusCode, 401)
      t.equal(reply.json().code, 'FST_STEP_UP_TOKEN_INVALID')
    })

    t.test("another user's token is refused", async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp, 'bob', 'bob@example.com')
      const reply = await doc(testApp, token, 'alice')
      t.equal(reply.statusCode, 401)
      t.equal(reply.json().code, 'FST_STEP_UP_TOKEN_INVALID')
    })

    t.test('a tampered token is refused', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const [header, payload, signature] = token.split('.')
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
      const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url')
      const flipped = signature!.slice(0, -2) + (signature!.endsWith('AA') ? 'BB' : 'AA')
      for (const bad of [`${header}.${longer}.${signature}`, `${header}.${payload}.${flipped}`, `${header}.${payload}.`, 'not-a-jwt', 'a.b.c']) {
        const reply = await doc(testApp, bad)
        t.equal(reply.statusCode, 401)
        t.equal(reply.json().code, 'FST_STEP_UP_TOKEN_INVALID')
      }
    })

    t.test('forged tokens: alg none, another key, wrong typ, iss, aud, missing or mistyped claims', async (t) => {
      const testApp = await buildApp(t, { framework })
      t.equal((await doc(testApp, await forge({}))).statusCode, 200, 'the forging helper makes a valid token')
      const now = Math.floor(Date.UTC(2026, 0, 1) / 1000)
      const unsecured = new UnsecuredJWT({ sub: 'alice', sid: 's1', jti: 'j', iat: now, exp: now + 300, auth_time: now, amr: ['otp', 'email'] })
        .setIssuer('fastify-step-up').setAudience('fastify-step-up').encode()
      const cases = {
        'alg none': unsecured,
        'another key': await forge({}, {}, new TextEncoder().encode(SECRET)),
        'another typ': await forge({}, { typ: 'JWT' }),
        'no typ': await forge({}, { typ: undefined }),
        'another issuer': await forge({ iss: 'evil' }),
        'another audience': await forge({ aud: 'other-app' }),
        'no sid': await forge({ sid: undefined }),
        'sid not a string': await forge({ sid: 1 }),
        'amr not strings': await forge({ amr: [1] }),
        'auth_time not a number': await forge({ auth_time: 'now' }),
        'no auth_time': await forge({ auth_time: undefined }),
        'no jti': await forge({ jti: undefined }),
        'acr not a string': await forge({ acr: 2 }),
        'action not an object': await forge({ action: 'payment' }),
        'action an array': await forge({ action: ['payment'] }),
        'action without a name': await forge({ action: { hash: 'x' } }),
        'action hash not a string': await forge({ action: { name: 'payment', hash: 1 } }),
        'auth_time after iat': await forge({ auth_time: Math.floor(Date.UTC(2026, 0, 1) / 1000) + 1 })
      }
      for (const [name, token] of Object.entries(cases)) {
        const reply = await doc(testApp, token)
        t.equal(reply.statusCode, 401, name)
        t.equal(reply.json().code, 'FST_STEP_UP_TOKEN_INVALID', name)
      }
    })

    t.test('oversized and repeated headers are refused without a crash', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const huge = await doc(testApp, token + 'A'.repeat(5000))
      t.equal(huge.statusCode, 401)
      t.equal(huge.json().code, 'FST_STEP_UP_TOKEN_INVALID')
      const repeated = await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': [token, token] } })
      t.equal(repeated.statusCode, 401)
      const empty = await doc(testApp, '')
      t.equal(empty.json().code, 'FST_STEP_UP_TOKEN_MISSING')
    })

    t.test('freshness is measured from the step-up, and a route may ask for more than the token lifetime gives', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        plugin: { tokenTtl: '10m' },
        routes: [{ url: '/pay', requirement: { maxAge: 60_000 } }]
      })
      const token = await stepUpToken(testApp)
      testApp.clock.advance(59_000)
      t.equal((await doc(testApp, token, 'alice', 's1', '/pay')).statusCode, 200)
      testApp.clock.advance(2_000)
      const stale = await doc(testApp, token, 'alice', 's1', '/pay')
      t.equal(stale.statusCode, 401)
      t.equal(stale.json().code, 'FST_STEP_UP_INSUFFICIENT')
      t.match(stale.headers['www-authenticate'], /max_age="60"$/)
      t.same(stale.json().stepUp, { methods: ['email'], maxAge: 60 })
      t.equal((await doc(testApp, token)).statusCode, 200, 'the 5-minute route still accepts the same token')
    })

    t.test('a route can name the methods it accepts', async (t) => {
      const testApp = await buildApp(t, { framework, routes: [{ url: '/email-only', requirement: { methods: ['email'] } }] })
      const token = await stepUpToken(testApp)
      t.equal((await doc(testApp, token, 'alice', 's1', '/email-only')).statusCode, 200)
      const other = await forge({ amr: ['pwd'] })
      const refused = await doc(testApp, other, 'alice', 's1', '/email-only')
      t.equal(refused.statusCode, 401)
      t.equal(refused.json().code, 'FST_STEP_UP_INSUFFICIENT')
      t.same(refused.json().stepUp, { methods: ['email'], maxAge: 300 })
      t.equal((await doc(testApp, other)).statusCode, 200, 'a route that names no methods takes any')
    })

    t.test('the token header is configurable', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { tokenHeader: 'X-Second-Factor' } })
      const token = await stepUpToken(testApp)
      const reply = await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-second-factor': token } })
      t.equal(reply.statusCode, 200)
    })

    t.test('POST /step-up/token/verify: the back-end check for the calling user', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { maxAge: '1m' } })
      const token = await stepUpToken(testApp)
      const check = (user: string, value: string) =>
        testApp.app.inject({ method: 'POST', url: '/step-up/token/verify', headers: as(user), payload: { token: value } })

      const ok = await check('alice', token)
      t.equal(ok.statusCode, 200)
      t.match(ok.json(), { valid: true, claims: { sub: 'alice', sid: 's1', amr: ['otp', 'email'], auth_time: Number, exp: Number } })

      t.same((await check('bob', token)).json(), { valid: false, code: 'FST_STEP_UP_TOKEN_INVALID', message: 'The step-up token is not valid for this session' })
      t.same((await check('alice', 'garbage')).json().code, 'FST_STEP_UP_TOKEN_INVALID')
      testApp.clock.advance(299_000)
      t.equal((await check('alice', token)).json().valid, true, 'valid until it expires, whatever freshness a route asks for')
      testApp.clock.advance(1_000)
      t.same((await check('alice', token)).json().code, 'FST_STEP_UP_TOKEN_EXPIRED')
    })

    t.test('verifyToken checks a token outside a route hook', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const user = { id: 'alice', sessionId: 's1' }
      const claims = await testApp.verifyToken(token, { user }) as { sub: string }
      t.equal(claims.sub, 'alice')
      await t.rejects(testApp.verifyToken(token, { user: { id: 'alice', sessionId: 's2' } }), { code: 'FST_STEP_UP_TOKEN_INVALID', statusCode: 401 })
      testApp.clock.advance(61_000)
      await t.rejects(testApp.verifyToken(token, { user, requirement: { maxAge: '1m' } }), { code: 'FST_STEP_UP_INSUFFICIENT' })
    })

    t.test('getUser that returns a user without ids is an app bug: 500, never a pass', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        plugin: { getUser: () => ({ id: 'alice' }) as never }
      })
      const reply = await testApp.app.inject({ url: '/documents/1' })
      t.equal(reply.statusCode, 500)
      const route = await testApp.app.inject({ url: '/step-up/methods' })
      t.equal(route.statusCode, 500)
    })

    t.test('a getUser that answers with a promise or a thenable gets the same decisions', async (t) => {
      const lookup = (request: { headers: Record<string, unknown> }) =>
        request.headers['x-user'] === 'alice' ? { ...users.alice!, sessionId: String(request.headers['x-session']) } : null
      for (const [kind, getUser] of Object.entries({
        promise: async (request: { headers: Record<string, unknown> }) => lookup(request),
        thenable: (request: { headers: Record<string, unknown> }) => ({ then: (resolve: (user: unknown) => void) => resolve(lookup(request)) })
      })) {
        const testApp = await buildApp(t, { framework, plugin: { getUser: getUser as never } })
        const token = await stepUpToken(testApp)
        const passed = await doc(testApp, token)
        t.equal(passed.statusCode, 200, `${kind}: a valid token passes`)
        t.equal(passed.json().stepUp.sub, 'alice', kind)
        const refused = await doc(testApp, token, 'alice', 's2')
        t.equal(refused.json().code, 'FST_STEP_UP_TOKEN_INVALID', `${kind}: another session's token is refused`)
        t.match(refused.headers['www-authenticate'], /insufficient_user_authentication/, `${kind}: with the RFC 9470 challenge`)
        const nobody = await doc(testApp, token, 'mallory')
        t.equal(nobody.statusCode, 401, `${kind}: nobody logged in`)
        t.equal(nobody.json().code, 'FST_STEP_UP_UNAUTHENTICATED', kind)
      }
    })

    t.test('a getUser that rejects or throws is the app\'s error: 500, never a pass', async (t) => {
      for (const getUser of [() => { throw new Error('session store down') }, async () => { throw new Error('session store down') }]) {
        const testApp = await buildApp(t, { framework, plugin: { getUser } })
        const reply = await testApp.app.inject({ url: '/documents/1', headers: { 'x-step-up-token': 'a.b.c' } })
        t.equal(reply.statusCode, 500)
        t.notMatch(reply.body, /FST_STEP_UP/, 'not dressed up as a step-up refusal')
      }
    })
  })
}

t.test('the RFC 9470 header keeps its description inside the quotes', async (t) => {
  t.equal(challengeHeader('plain words', 300), 'Bearer error="insufficient_user_authentication", error_description="plain words", max_age="300"')
  t.equal(challengeHeader('a "quoted"\\ line\r\nnext', 60), 'Bearer error="insufficient_user_authentication", error_description="a quoted linenext", max_age="60"')
})

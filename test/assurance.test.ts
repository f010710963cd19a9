// Beyond the reference, on both adapters: levels (acr), action-bound tokens, single-use tokens,
// the requirement on POST /token/verify, and verifyToken outside a route. Then the canonical JSON
// an action's data is hashed as.
import t from 'tap'
import { actionHash, canonicalJson } from '../lib/index.js'
import { ALICE, as, buildApp, frameworks, stepUpToken, type TestApp } from './helpers/app.js'
import { switchableStore } from './helpers/stores.js'

function post (testApp: TestApp, url: string, payload: unknown, headers: Record<string, string> = as('alice')) {
  return testApp.app.inject({ method: 'POST', url, headers, payload })
}

function claimsOf (token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
}

/** Steps up by email for `action`, and returns the token. */
async function actionToken (testApp: TestApp, action: { name: string, data?: unknown }): Promise<string> {
  const sent = await post(testApp, '/step-up/email/send', { email: 'alice@example.com', action })
  if (sent.statusCode !== 202) throw new Error(sent.body)
  const code = (await testApp.mailbox.next()).text!.match(/code is (\d+)/)![1]!
  return (await post(testApp, '/step-up/email/verify', { challengeId: sent.json().challengeId, code })).json().token
}

const levels = {
  aal1: { methods: ['email', 'sms', 'password'] as const, acr: 'urn:example:aal1' },
  aal2: { methods: ['totp', 'backup-code'] as const, acr: 'urn:example:aal2', maxAge: '2m' }
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('levels: tokens carry the acr of the strongest level their method reaches', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true, plugin: { levels } })
      const email = await stepUpToken(testApp)
      t.equal(claimsOf(email).acr, 'urn:example:aal1')
      const { generate } = await import('otplib')
      const code = await generate({ secret: ALICE.totpSecret, epoch: Math.floor(testApp.clock.now() / 1000) })
      const totp = (await post(testApp, '/step-up/totp/verify', { code })).json().token
      t.equal(claimsOf(totp).acr, 'urn:example:aal2')
      const pin = (await post(testApp, '/step-up/pin/verify', { pin: ALICE.pin })).json().token
      t.notOk('acr' in claimsOf(pin), 'a method no level lists reaches no level')
    })

    t.test('levels: a route asks for one; the 401 says acr_values and max_age as RFC 9470 writes them', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        allMethods: true,
        plugin: { levels },
        routes: [{ url: '/transfer', requirement: { level: 'aal2' } }, { url: '/profile', requirement: { level: 'aal1' } }]
      })
      const email = await stepUpToken(testApp)
      const refused = await testApp.app.inject({ url: '/transfer', headers: { ...as('alice'), 'x-step-up-token': email } })
      t.equal(refused.statusCode, 401)
      t.equal(refused.json().code, 'FST_STEP_UP_INSUFFICIENT')
      t.equal(refused.headers['www-authenticate'],
        'Bearer error="insufficient_user_authentication", error_description="The step-up does not satisfy this action: it needs level aal2", acr_values="urn:example:aal2", max_age="120"')
      t.same(refused.json().stepUp, { methods: ['totp', 'backup-code'], maxAge: 120, level: 'aal2', acrValues: ['urn:example:aal2'] },
        'the methods that reach the level, and its own max age')

      const profile = await testApp.app.inject({ url: '/profile', headers: as('alice') })
      t.match(profile.headers['www-authenticate'], /acr_values="urn:example:aal1 urn:example:aal2", max_age="300"/, 'a higher level also satisfies; the asked one first')
      t.equal((await testApp.app.inject({ url: '/profile', headers: { ...as('alice'), 'x-step-up-token': email } })).statusCode, 200)

      const backup = (await post(testApp, '/step-up/backup-code/verify', { code: testApp.backupCodes[0] })).json().token
      t.equal((await testApp.app.inject({ url: '/transfer', headers: { ...as('alice'), 'x-step-up-token': backup } })).statusCode, 200)
      t.equal((await testApp.app.inject({ url: '/profile', headers: { ...as('alice'), 'x-step-up-token': backup } })).statusCode, 200, 'aal2 satisfies aal1')
      testApp.clock.advance(121_000)
      t.equal((await testApp.app.inject({ url: '/transfer', headers: { ...as('alice'), 'x-step-up-token': backup } })).json().code,
        'FST_STEP_UP_INSUFFICIENT', 'the level\'s max age, measured from the step-up')
    })

    t.test('actions: a token made for an action works only where that action is asked', async (t) => {
      const testApp = await buildApp(t, { framework, routes: [{ url: '/delete-account', requirement: { action: 'delete-account' } }] })
      const forDelete = await actionToken(testApp, { name: 'delete-account' })
      t.same(claimsOf(forDelete).action, { name: 'delete-account' })
      const ok = await testApp.app.inject({ url: '/delete-account', headers: { ...as('alice'), 'x-step-up-token': forDelete } })
      t.equal(ok.statusCode, 200)
      const elsewhere = await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': forDelete } })
      t.equal(elsewhere.json().code, 'FST_STEP_UP_INSUFFICIENT', 'an action-bound token is not a general step-up')
      testApp.clock.advance(30_000)
      const plain = await stepUpToken(testApp)
      const refused = await testApp.app.inject({ url: '/delete-account', headers: { ...as('alice'), 'x-step-up-token': plain } })
      t.equal(refused.statusCode, 401)
      t.equal(refused.json().stepUp.action, 'delete-account', 'the 401 says which action to step up for')
    })

    t.test('actions with data: a changed amount or payee invalidates the step-up (what you see is what you sign)', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        routes: [{
          url: '/payments',
          method: 'POST',
          requirement: { action: 'payment', actionData: (request: { body: { amount: string, payee: string } }) => ({ amount: request.body.amount, payee: request.body.payee }) }
        }]
      })
      const token = await actionToken(testApp, { name: 'payment', data: { payee: 'bob', amount: '10.00' } })
      const mail = testApp.mailbox.messages[0]!
      t.match(mail.text, /It is for: Approve payment: amount "10.00", payee "bob"/, 'the mail shows what the code approves')
      const pay = (body: object) => testApp.app.inject({
        method: 'POST', url: '/payments', headers: { ...as('alice'), 'x-step-up-token': token }, payload: body
      })
      t.equal((await pay({ amount: '10.00', payee: 'bob', note: 'lunch' })).statusCode, 200, 'the same key fields, in any order, other fields free')
      const more = await pay({ amount: '1000.00', payee: 'bob' })
      t.equal(more.statusCode, 401)
      t.equal(more.json().message, 'The step-up does not satisfy this action: the step-up was made for other data')
      t.equal((await pay({ amount: '10.00', payee: 'mallory' })).statusCode, 401)
      testApp.clock.advance(30_000)
      const noData = await actionToken(testApp, { name: 'payment' })
      t.equal((await testApp.app.inject({ method: 'POST', url: '/payments', headers: { ...as('alice'), 'x-step-up-token': noData }, payload: { amount: '10.00', payee: 'bob' } })).statusCode,
        401, 'a step-up for the action without its data does not cover a payment')
    })

    t.test('actions can be named on methods checked in one request too', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true, routes: [{ url: '/export', requirement: { action: 'export' } }] })
      const reply = await post(testApp, '/step-up/password/verify', { password: ALICE.password, action: { name: 'export' } })
      t.same(claimsOf(reply.json().token).action, { name: 'export' })
      t.equal((await testApp.app.inject({ url: '/export', headers: { ...as('alice'), 'x-step-up-token': reply.json().token } })).statusCode, 200)
      const bad = await post(testApp, '/step-up/password/verify', { password: ALICE.password, action: { name: 'no spaces allowed' } })
      t.equal(bad.json().code, 'FST_STEP_UP_INVALID_REQUEST')
    })

    t.test('single use: a token opens a single-use route once; a token refused for another reason is not spent', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        routes: [{ url: '/wire', requirement: { singleUse: true, maxAge: '1m' } }]
      })
      const token = await stepUpToken(testApp)
      testApp.clock.advance(61_000)
      const stale = await testApp.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })
      t.equal(stale.json().code, 'FST_STEP_UP_INSUFFICIENT')
      const fresh = await stepUpToken(testApp, 'alice', 'alice.work@example.org')
      const other = await testApp.app.inject({ url: '/wire', headers: { ...as('alice', 's2'), 'x-step-up-token': fresh } })
      t.equal(other.json().code, 'FST_STEP_UP_TOKEN_INVALID', 'another session: refused, and not spent')
      t.equal((await testApp.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': fresh } })).statusCode, 200)
      const again = await testApp.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': fresh } })
      t.equal(again.statusCode, 401)
      t.equal(again.json().code, 'FST_STEP_UP_TOKEN_USED')
      t.equal((await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': fresh } })).statusCode, 200,
        'spent only for single-use routes: a reusable route still takes it while it lives')
    })

    t.test('single use with the store down: the guard denies with 503, never lets it through', async (t) => {
      const { store, state } = switchableStore()
      const testApp = await buildApp(t, { framework, plugin: { store }, routes: [{ url: '/wire', requirement: { singleUse: true } }] })
      const token = await stepUpToken(testApp)
      state.down = true
      const reply = await testApp.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })
      t.equal(reply.statusCode, 503)
      t.equal(reply.json().code, 'FST_STEP_UP_STORE_UNAVAILABLE')
      t.notOk(reply.json().ok)
      state.down = false
      t.equal((await testApp.app.inject({ url: '/wire', headers: { ...as('alice'), 'x-step-up-token': token } })).statusCode, 200, 'and works when it is back')
    })

    t.test('POST /token/verify checks a requirement when the back end gives one', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true, plugin: { levels } })
      const token = await stepUpToken(testApp)
      const check = async (requirement?: object) => (await post(testApp, '/step-up/token/verify', { token, ...(requirement ? { requirement } : {}) })).json()
      t.equal((await check()).valid, true)
      t.equal((await check({ maxAge: 60, methods: ['email'], level: 'aal1' })).valid, true)
      t.match(await check({ level: 'aal2' }), { valid: false, code: 'FST_STEP_UP_INSUFFICIENT' })
      t.match(await check({ methods: ['totp'] }), { valid: false, code: 'FST_STEP_UP_INSUFFICIENT' })
      t.match(await check({ action: 'payment' }), { valid: false, code: 'FST_STEP_UP_INSUFFICIENT' })
      testApp.clock.advance(61_000)
      t.match(await check({ maxAge: 60 }), { valid: false, code: 'FST_STEP_UP_INSUFFICIENT' })
      const bad = await post(testApp, '/step-up/token/verify', { token, requirement: { level: 'aal9' } })
      t.equal(bad.statusCode, 400, 'an unknown level is bad input, not a server error')
      t.equal(bad.json().code, 'FST_STEP_UP_INVALID_REQUEST')
      t.equal((await post(testApp, '/step-up/token/verify', { token, requirement: { methods: ['carrier-pigeon'] } })).statusCode, 400)
    })

    t.test('verifyToken outside a route: another session, a requirement, key fields', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await actionToken(testApp, { name: 'payment', data: { amount: '5' } })
      const user = { id: 'alice', sessionId: 's1' }
      const claims = await testApp.verifyToken(token, { user, requirement: { action: 'payment' } }) as { sub: string }
      t.equal(claims.sub, 'alice')
      await t.rejects(testApp.verifyToken(token, { user, session: 's2', requirement: { action: 'payment' } }), { code: 'FST_STEP_UP_TOKEN_INVALID' })
      t.ok(await testApp.verifyToken(token, { user, requirement: { action: 'payment' }, data: { amount: '5' } }))
      await t.rejects(testApp.verifyToken(token, { user, requirement: { action: 'payment' }, data: { amount: '6' } }), { code: 'FST_STEP_UP_INSUFFICIENT' })
    })

    t.test('a code sent for an action keeps it through to the token even if the verify body names none', async (t) => {
      const testApp = await buildApp(t, { framework })
      const sent = await post(testApp, '/step-up/email/send', { email: 'alice@example.com', action: { name: 'close-account' } })
      const code = (await testApp.mailbox.next()).text!.match(/code is (\d+)/)![1]!
      const verified = await post(testApp, '/step-up/email/verify', { challengeId: sent.json().challengeId, code })
      t.same(claimsOf(verified.json().token).action, { name: 'close-account' })
    })
  })
}

t.test('canonical JSON: keys sorted at every depth, undefined members left out, arrays kept in order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [3, undefined, { z: 1, y: 2 }], c: 'x' }, e: undefined }), '{"a":{"c":"x","d":[3,null,{"y":2,"z":1}]},"b":1}')
  t.equal(canonicalJson(undefined), 'null')
  t.equal(canonicalJson('s'), '"s"')
  t.equal(actionHash({ amount: '10', payee: 'bob' }), actionHash({ payee: 'bob', amount: '10' }), 'order does not matter')
  t.not(actionHash({ amount: '10', payee: 'bob' }), actionHash({ amount: '100', payee: 'bob' }), 'data does')
  t.match(actionHash({}), /^[A-Za-z0-9_-]{43}$/)
})

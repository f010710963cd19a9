// LoginRadius's own Node SDK (`loginradius-sdk`) against the compatible routes: its real request
// code builds each call, sends it and reads the answer; only its socket is dialled to the test app
// on loopback instead of to `apiDomain`:443. It shows what an SDK caller sees: the reference's
// ErrorCode for each limit and lock (the SDK replaces the body of any 429 with its own), and that
// the SDK always dials `apiDomain` on port 443, over HTTPS.
import https from 'node:https'
import { createRequire } from 'node:module'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import t, { type Test } from 'tap'
import { ALICE, LR_API_KEY, LR_API_SECRET, accessToken, as, buildApp, frameworks, type TestApp } from './helpers/app.js'

/** What an SDK call resolves to, or rejects with: the parsed body, or the SDK's own error object. */
type Answer = Record<string, unknown>

/** The part of the SDK these tests call (it ships no types). */
interface LoginRadiusSdk {
  reAuthenticationApi: {
    mfaReAuthenticateByPassword (accessToken: string, body: object): Promise<Answer>
    verifyPINAuthentication (accessToken: string, body: object): Promise<Answer>
    reAuthSendEmailOtp (accessToken: string, emailId: string): Promise<Answer>
    verifyMultiFactorPasswordReauthentication (body: object, uid: string): Promise<Answer>
    verifyMultiFactorPINReauthentication (body: object, uid: string): Promise<Answer>
  }
}

const createSdk = createRequire(import.meta.url)('loginradius-sdk') as (config: object) => LoginRadiusSdk

/** The host name an app would give the SDK; nothing resolves it here. */
const API_DOMAIN = 'step-up.example.test'

/**
 * The HTTPS agent every `https.request` without an agent uses, as the SDK's does: it records where
 * the SDK asked to connect and hands it a plain socket to the test app instead of a TLS one.
 */
class LoopbackAgent extends https.Agent {
  readonly dialled: Array<{ host: string | null | undefined, port: number | string | null | undefined }> = []
  readonly #port: number

  constructor (port: number) {
    super({ keepAlive: false })
    this.#port = port
  }

  override createConnection (options: https.RequestOptions): Duplex {
    this.dialled.push({ host: options.host, port: options.port })
    return net.connect(this.#port, '127.0.0.1')
  }
}

/** The test app's port: its client calls fetch with the app's origin. */
async function portOf (testApp: TestApp): Promise<number> {
  const fetch = globalThis.fetch
  let url: string | undefined
  globalThis.fetch = (input, init) => {
    url = String(input)
    return fetch(input, init)
  }
  try {
    await testApp.app.inject({ url: '/' })
  } finally {
    globalThis.fetch = fetch
  }
  return Number(new URL(url!).port)
}

async function sdkFor (t: Test, testApp: TestApp): Promise<{ sdk: LoginRadiusSdk, agent: LoopbackAgent }> {
  const agent = new LoopbackAgent(await portOf(testApp))
  const globalAgent = https.globalAgent
  https.globalAgent = agent
  t.teardown(() => {
    https.globalAgent = globalAgent
    agent.destroy()
  })
  return { sdk: createSdk({ apiDomain: API_DOMAIN, apiKey: LR_API_KEY, apiSecret: LR_API_SECRET }), agent }
}

/** What the SDK rejects with; fails the test if it resolved. */
async function rejection (t: Test, call: Promise<Answer>, name: string): Promise<Answer> {
  return call.then((answer) => {
    t.fail(`${name}: expected an error, got ${JSON.stringify(answer)}`)
    return {}
  }, (err: Answer) => err)
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('the SDK hears the reference\'s ErrorCode for the lock, the cooldown and the send limit', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true, compat: true, plugin: { lockout: { maxFailures: 2 }, sendLimit: { max: 2 } } })
      const { sdk, agent } = await sdkFor(t, testApp)
      const reauth = sdk.reAuthenticationApi

      const token = await reauth.mfaReAuthenticateByPassword(accessToken('alice'), { password: ALICE.password })
      t.same(Object.keys(token).sort(), ['ExpireIn', 'SecondFactorValidationToken'], 'a token, through the SDK')
      t.same(await reauth.verifyMultiFactorPasswordReauthentication({ SecondFactorValidationToken: token.SecondFactorValidationToken }, 'alice'),
        { IsValid: true }, 'and the server-side check, through the SDK')

      t.match(await rejection(t, reauth.mfaReAuthenticateByPassword(accessToken('alice'), { password: 'wrong' }), 'wrong password'),
        { ErrorCode: 1205 })
      const locked = await rejection(t, reauth.verifyPINAuthentication(accessToken('alice'), { pin: '0000' }), 'the failure that locks')
      t.same(locked, {
        Description: 'Too many failed attempts: re-authentication is locked for a while; try again later.',
        ErrorCode: 1132,
        Message: 'Re-authentication is locked for the account',
        IsProviderError: false,
        ProviderErrorResponse: null
      }, 'the lock, in the reference\'s words')
      t.match(await rejection(t, reauth.mfaReAuthenticateByPassword(accessToken('alice'), { password: ALICE.password }), 'locked'),
        { ErrorCode: 1132 }, 'still locked')

      t.same(await reauth.reAuthSendEmailOtp(accessToken('bob'), 'bob@example.com'), { IsPosted: true })
      await testApp.mailbox.next()
      t.match(await rejection(t, reauth.reAuthSendEmailOtp(accessToken('bob'), 'bob@example.com'), 'cooldown'),
        { ErrorCode: 1123, Message: 'A code was sent moments ago' }, 'the cooldown')
      testApp.clock.advance(30_000)
      t.same(await reauth.reAuthSendEmailOtp(accessToken('bob'), 'bob@example.com'), { IsPosted: true })
      testApp.clock.advance(30_000)
      t.match(await rejection(t, reauth.reAuthSendEmailOtp(accessToken('bob'), 'bob@example.com'), 'send limit'),
        { ErrorCode: 1122, Message: 'Too many codes were requested' }, 'the send limit')

      t.ok(agent.dialled.length >= 9, 'every call went through the SDK\'s own https.request')
      t.same(new Set(agent.dialled.map(({ host, port }) => `${host}:${port}`)), new Set([`${API_DOMAIN}:443`]),
        'the SDK dials apiDomain, a bare host name, on port 443 and nothing else')
    })

    t.test('through the SDK, the server-side check refuses what the guard refuses', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true, compat: true })
      const { sdk } = await sdkFor(t, testApp)
      const reauth = sdk.reAuthenticationApi
      const bound = await testApp.app.inject({
        method: 'POST',
        url: '/step-up/password/verify',
        headers: as('alice'),
        payload: { password: ALICE.password, action: { name: 'export-data' } }
      })
      const token = { SecondFactorValidationToken: bound.json().token }
      t.match(await rejection(t, reauth.verifyMultiFactorPasswordReauthentication(token, 'alice'), 'action-bound'),
        { ErrorCode: 1193 }, 'a token made for an action')
      t.match(await rejection(t, reauth.verifyMultiFactorPINReauthentication(token, 'alice'), 'another family'),
        { ErrorCode: 1193 }, 'a password token for pin')
      const plain = { SecondFactorValidationToken: (await reauth.mfaReAuthenticateByPassword(accessToken('alice'), { password: ALICE.password })).SecondFactorValidationToken }
      t.match(await rejection(t, reauth.verifyMultiFactorPasswordReauthentication(plain, 'bob'), 'another user'),
        { ErrorCode: 1193 }, 'another user\'s token')
      t.same(await reauth.verifyMultiFactorPasswordReauthentication(plain, 'alice'), { IsValid: true })
    })
  })
}

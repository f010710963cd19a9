// The LoginRadius-compatible layer's parts on their own: its option, the access-token helper, the
// error table and the deterministic challenge ids.
import Fastify from 'fastify'
import t from 'tap'
import { CHALLENGE_KEY_PURPOSE, challengeId } from '../lib/compat/loginradius/challenge.js'
import { LOGINRADIUS_ERRORS, loginRadiusErrorReply } from '../lib/compat/loginradius/errors.js'
import { createLoginRadius } from '../lib/compat/loginradius/express.js'
import loginRadiusDefault, { loginRadius, loginRadiusAccessToken } from '../lib/compat/loginradius/index.js'
import { deriveKey } from '../lib/core/secrets.js'
import { createStepUp } from '../lib/express/index.js'
import { STEP_UP_MOUNT } from '../lib/mount.js'
import stepUp, {
  FST_STEP_UP_CODE_INVALID,
  FST_STEP_UP_CREDENTIAL_INVALID,
  FST_STEP_UP_LOCKED,
  FST_STEP_UP_METHOD_UNAVAILABLE,
  FST_STEP_UP_RESEND_TOO_SOON,
  FST_STEP_UP_SEND_LIMIT,
  FST_STEP_UP_VERIFY_LIMIT,
  withRetryAfter
} from '../lib/index.js'
import { LR_API_KEY, LR_API_SECRET, SECRET } from './helpers/app.js'
import { register, valid } from './helpers/register.js'

const credentials = { apiKey: LR_API_KEY, apiSecret: LR_API_SECRET }

/** The status of the compatible trigger route on a Fastify app, with the routes mounted with `options` (or not at all). */
async function triggerStatus (options?: object): Promise<number> {
  const app = Fastify()
  try {
    await app.register(stepUp, valid)
    if (options) await app.register(loginRadius, options as never)
    return (await app.inject({ url: `/identity/v2/auth/account/reauth/2fa?apikey=${LR_API_KEY}` })).statusCode
  } finally {
    await app.close()
  }
}

/** Mounts the routes on a new Fastify app after the plugin; rejects with the configuration error, if any. */
async function mount (options: unknown): Promise<void> {
  const app = Fastify()
  app.register(stepUp, valid)
  app.register(loginRadius, options as never)
  try {
    await app.ready()
  } finally {
    await app.close()
  }
}

t.test('fastify-step-up/loginradius: mounted only when registered, options checked at registration, never quoting a credential', async (t) => {
  t.equal(await triggerStatus(), 404, 'off by default: no compatible route')
  t.equal(await triggerStatus({ ...credentials, smsTemplate: () => 'x' }), 401, 'mounted: the route is there, and asks for an access token')
  t.equal(await triggerStatus({ ...credentials, logLevel: 'warn' }), 401, "Fastify's register options are not typos")
  t.equal(loginRadiusDefault, loginRadius, 'the default export is the Fastify plugin')
  const refused: Array<[string, unknown]> = [
    ['loginradius', true],
    ['loginradius.apikey', { apikey: LR_API_KEY, apiSecret: LR_API_SECRET }],
    ['loginradius.apiKey', { apiSecret: LR_API_SECRET }],
    ['loginradius.apiKey', { apiKey: '', apiSecret: LR_API_SECRET }],
    ['loginradius.apiKey', { apiKey: 'has space', apiSecret: LR_API_SECRET }],
    ['loginradius.apiSecret', { apiKey: LR_API_KEY }],
    ['loginradius.apiSecret', { apiKey: LR_API_KEY, apiSecret: 'short-secret' }],
    ['loginradius.apiSecret', { apiKey: LR_API_SECRET, apiSecret: LR_API_SECRET }],
    ['loginradius.smsTemplate', { apiKey: LR_API_KEY, apiSecret: LR_API_SECRET, smsTemplate: 'banking' }]
  ]
  const stepUpExpress = createStepUp({ ...valid, getUser: () => null })
  t.teardown(() => stepUpExpress.close())
  for (const [name, value] of refused) {
    for (const [framework, attempt] of [
      ['fastify', () => mount(value)],
      ['express', async () => { createLoginRadius(stepUpExpress, value as never) }]
    ] as const) {
      const err = await attempt().then(() => new Error('mounted'), (e: Error) => e) as Error & { code?: string }
      t.equal(err.code, 'FST_STEP_UP_OPTION_INVALID', `${framework}: ${name}`)
      t.match(err.message, `The ${name} option`, name)
      t.notMatch(err.message, LR_API_SECRET, 'the secret is never quoted')
      t.notMatch(err.message, 'short-secret')
    }
  }
})

t.test('fastify-step-up/loginradius needs the step-up plugin to mount on', async (t) => {
  const adapter = createStepUp({ ...valid, getUser: () => null })
  t.teardown(() => adapter.close())
  // (Fastify turns null register options into {}: there, a null is a missing apiKey.)
  t.throws(() => createLoginRadius(adapter, null as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: /^The loginradius option must be an object/ })
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(loginRadius, credentials)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_STEP_UP_OPTION_INVALID', message: /needs fastify-step-up registered first/ })
  t.throws(() => createLoginRadius({} as never, credentials), { code: 'FST_STEP_UP_OPTION_INVALID', message: /needs what createStepUp returned/ })
})

t.test('the compat option of the plugin moved: it says where to', async (t) => {
  for (const compat of [{ loginradius: credentials }, {}]) {
    await t.rejects(register({ ...valid, compat }), { code: 'FST_STEP_UP_OPTION_INVALID', message: /The compat option has moved: register fastify-step-up\/loginradius/ })
    t.throws(() => createStepUp({ ...valid, compat } as never), { code: 'FST_STEP_UP_OPTION_INVALID', message: /has moved/ })
  }
})

t.test('loginRadiusAccessToken: the Bearer token, else access_token in the query (any case)', async (t) => {
  t.equal(loginRadiusAccessToken({ headers: { authorization: 'Bearer abc.def' }, url: '/x?access_token=other' }), 'abc.def')
  t.equal(loginRadiusAccessToken({ headers: { authorization: 'bearer   abc ' } }), 'abc')
  t.equal(loginRadiusAccessToken({ headers: { authorization: 'Basic YWxhZGRpbjpvcGVu' }, url: '/x?Access_Token=t1&access_token=t2' }), 't1')
  t.equal(loginRadiusAccessToken({ headers: { authorization: 'Bearer' }, url: '/x?apikey=k' }), undefined)
  t.equal(loginRadiusAccessToken({ headers: {}, url: '/x?access_token=' }), undefined, 'empty is none')
  t.equal(loginRadiusAccessToken({ headers: {} }), undefined)
})

t.test('the error table: per-method numbers, defaults, the detail of bad input, Retry-After', async (t) => {
  const body = (err: unknown, method?: Parameters<typeof loginRadiusErrorReply>[1]) => loginRadiusErrorReply(err, method)!.body
  t.equal(body(new FST_STEP_UP_CODE_INVALID()).ErrorCode, 1067, 'without a method, the default')
  t.equal(body(new FST_STEP_UP_CODE_INVALID(), 'backup-code').ErrorCode, 1128)
  t.equal(body(new FST_STEP_UP_CODE_INVALID(), 'totp').ErrorCode, 1067, 'a method with no number of its own')
  t.equal(body(new FST_STEP_UP_CREDENTIAL_INVALID('password'), 'password').ErrorCode, 1205)
  t.equal(body(new FST_STEP_UP_METHOD_UNAVAILABLE('email'), 'email').ErrorCode, 9403)
  const locked = loginRadiusErrorReply(withRetryAfter(new FST_STEP_UP_LOCKED(), 61_000))!
  t.same(locked.headers, { 'retry-after': '61' })
  t.equal(locked.statusCode, 403, 'the reference\'s status, not 429')
  t.equal(locked.body.ErrorCode, 1132)
  const limited = loginRadiusErrorReply(withRetryAfter(new FST_STEP_UP_VERIFY_LIMIT(), 120_000))!
  t.same(limited, {
    statusCode: 403,
    headers: { 'retry-after': '120' },
    body: {
      Description: 'The limit of re-authentications with a password, PIN or security questions was reached; try again later.',
      ErrorCode: 9429,
      Message: 'Too many re-authentications for the account',
      IsProviderError: false,
      ProviderErrorResponse: null
    }
  }, 'the knowledge-factor cap: a number of ours, since the reference has no such cap')
  for (const [err, errorCode] of [[new FST_STEP_UP_SEND_LIMIT(), 1122], [new FST_STEP_UP_RESEND_TOO_SOON(), 1123]] as const) {
    const reply = loginRadiusErrorReply(withRetryAfter(err, 30_000))!
    t.same([reply.statusCode, reply.body.ErrorCode, reply.headers], [403, errorCode, { 'retry-after': '30' }], err.code)
  }
  t.equal(loginRadiusErrorReply(new Error('not ours')), undefined)
  for (const [code, entry] of Object.entries(LOGINRADIUS_ERRORS)) {
    for (const reference of 'default' in entry ? [entry.default, ...Object.values(entry.byMethod)] : [entry]) {
      t.ok(reference.status >= 400 && reference.status < 600, `${code}: an error status`)
      // LoginRadius's Node SDK answers any 429 with its own body: the ErrorCode would never arrive.
      t.not(reference.status, 429, `${code}: not a 429`)
      t.ok(Number.isInteger(reference.ErrorCode), `${code}: a number`)
    }
  }
})

t.test('challenge ids: the engine\'s form, stable per tuple, different for any other tuple or secret', async (t) => {
  const key = deriveKey(Buffer.from(SECRET), CHALLENGE_KEY_PURPOSE)
  const parts = { userId: 'alice', sessionId: 's1', channel: 'sms', destination: '+15550100123' }
  const id = challengeId(key, parts)
  t.match(id, /^[A-Za-z0-9_-]{22}$/)
  t.equal(id, 'mWBVtLLB8fDV5NcfNKahKX', 'the same id as before the key came from core/secrets.ts: pending codes survive an upgrade')
  t.equal(challengeId(key, { ...parts }), id)
  t.not(challengeId(key, { ...parts, sessionId: 's2' }), id)
  t.not(challengeId(key, { ...parts, channel: 'email' }), id)
  t.not(challengeId(key, { ...parts, userId: 'alice:s1', sessionId: '' }), challengeId(key, { ...parts, userId: 'alice', sessionId: 's1:' }),
    'the parts are encoded, so they cannot run into each other')
  t.not(challengeId(deriveKey(Buffer.from(`${SECRET}!`), CHALLENGE_KEY_PURPOSE), parts), id)

  // The routes get their key from the engine, through the adapter's handle; the engine's own keys are not lent.
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, { ...valid, secret: SECRET })
  const { engine } = app.stepUp[STEP_UP_MOUNT]
  t.same(engine.deriveKey(CHALLENGE_KEY_PURPOSE), key, 'the engine derives the same key')
  for (const purpose of ['token', 'code', 'destination']) {
    t.throws(() => engine.deriveKey(purpose), { message: `The "${purpose}" key is the engine's own` }, purpose)
  }
})

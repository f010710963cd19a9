// The OpenAPI document @fastify/swagger builds for an app with the plugin: valid against the OpenAPI
// schema, every operation named and tagged, every response described, each route's errors exactly
// the ones it can answer with, and guarded routes documenting their challenge, token and requirement.
// Documenting must change nothing a client receives.
import { generateKeyPairSync } from 'node:crypto'
import swagger from '@fastify/swagger'
import { Validator, type SpecData } from '@seriousme/openapi-schema-validator'
import Fastify, { type FastifyRequest, type RouteOptions } from 'fastify'
import t, { type Test } from 'tap'
import loginRadius from '../lib/compat/loginradius/index.js'
import * as errors from '../lib/errors.js'
import { challengeHeader } from '../lib/http/challenge.js'
import { statusOf, stepUpSecuritySchemes } from '../lib/http/openapi.js'
import stepUp, { type StepUpErrorCode, type StepUpOptions, type StepUpUser } from '../lib/index.js'
import { wrapStore } from './helpers/stores.js'

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long'
const PREFIX = 'FST_STEP_UP_'
const CODES = new Set(Object.keys(errors).filter((name) => name.startsWith(PREFIX)))
const MISSING = new errors.FST_STEP_UP_TOKEN_MISSING().message

/** The test's login: the user named in x-user. Erin has no password. */
function getUser (request: FastifyRequest): StepUpUser | null {
  const id = request.headers['x-user']
  if (typeof id !== 'string') return null
  return { id, sessionId: 's1', emails: [`${id}@example.com`], factors: { totp: true, backupCodes: true, pin: true, password: id !== 'erin' } }
}

const noop = async () => {}

/** A store that can be switched off. */
function switchable () {
  const state = { down: false }
  const { store } = wrapStore(async (_name, _args, call) => {
    if (state.down) throw new Error('connect ECONNREFUSED')
    return call()
  })
  return { store, state }
}

/** Every method on, levels and a key pair: every route the plugin can mount. The password is "right". */
function allOptions (store: StepUpOptions<FastifyRequest>['store']): StepUpOptions<FastifyRequest> {
  return {
    secret: SECRET,
    getUser,
    store,
    email: { from: 'Security <security@example.com>', transport: { sendMail: noop } as never },
    sms: { send: noop },
    totp: { getSecret: () => 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' },
    backupCodes: { consume: () => false },
    password: { verify: (_user: StepUpUser, password: string) => password === 'right' },
    pin: { verify: () => false },
    securityQuestions: { getQuestions: () => [] },
    passkey: { rpID: 'example.com', rpName: 'Example', origin: 'https://example.com', getCredentials: () => [], updateCounter: () => true },
    levels: {
      low: { acr: 'urn:example:low', methods: ['email', 'sms', 'password'] },
      high: { acr: 'urn:example:high', methods: ['totp', 'passkey'], maxAge: '2m' }
    },
    keys: { signing: { kid: 'k1', alg: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey } }
  } as StepUpOptions<FastifyRequest>
}

const ok = async () => ({ ok: true })
const named = (operationId: string) => ({ tags: ['app'], summary: operationId, operationId })

/**
 * The app: the plugin with every method, the LoginRadius routes, and guarded routes in both forms
 * with different requirements. With `version`, @fastify/swagger builds an OpenAPI document of it.
 */
async function buildApp (t: Test, version?: string) {
  const app = Fastify()
  t.teardown(() => app.close())
  if (version) {
    await app.register(swagger, {
      openapi: {
        openapi: version,
        info: { title: 'test', version: '1.0.0' },
        components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'sid' }, ...stepUpSecuritySchemes() } }
      }
    })
  }
  const { store, state } = switchable()
  await app.register(stepUp, allOptions(store))
  await app.register(loginRadius, { apiKey: 'test-api-key', apiSecret: 'test-api-secret-long-enough' })
  app.get('/documents/:id', { schema: named('getDocument'), onRequest: app.requireStepUp({ maxAge: '5m' }) }, ok)
  app.post('/payments', {
    schema: named('pay'),
    config: { stepUp: { level: 'high', action: 'pay', actionData: (request: FastifyRequest) => request.body, singleUse: true } }
  }, ok)
  app.get('/profile', { schema: named('getProfile'), config: { stepUp: true } }, ok)
  app.get('/transfers', { schema: named('listTransfers'), config: { stepUp: { methods: ['password'], singleUse: true } } }, ok)
  app.delete('/account', {
    schema: { ...named('deleteAccount'), security: [{ session: [] }], response: { 204: { description: 'Deleted.', type: 'null' } } },
    onRequest: [async () => {}],
    preHandler: app.requireStepUp({ methods: ['password'], maxAge: '1m' })
  }, ok)
  // Two guards, both must pass.
  app.put('/keys', { schema: named('rotateKeys'), config: { stepUp: { maxAge: '1m' } }, onRequest: app.requireStepUp({ methods: ['pin'] }) }, ok)
  app.get('/settings', { schema: { ...named('getSettings'), security: [] }, onRequest: app.requireStepUp() }, ok)
  app.get('/own', {
    schema: { ...named('getOwn'), response: { 401: { description: 'The app\'s own words.', type: 'object', additionalProperties: true } } },
    onRequest: app.requireStepUp()
  }, ok)
  await app.ready()
  return { app, state }
}

interface Operation { key: string, operation: Record<string, any> }

function operations (document: Record<string, any>): Operation[] {
  return Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })))
}

function operation (document: Record<string, any>, key: string): Record<string, any> {
  const found = operations(document).find((candidate) => candidate.key === key)
  if (!found) throw new Error(`no operation ${key}`)
  return found.operation
}

/** The codes each response's description names, by status, without the FST_STEP_UP_ prefix, sorted. */
function errorCodes (op: Record<string, any>): Record<string, string[]> {
  const codes: Record<string, string[]> = {}
  for (const [status, response] of Object.entries(op.responses as Record<string, { description: string }>)) {
    const named = [...response.description.matchAll(/`(FST_STEP_UP_[A-Z_]+)`/g)].map((match) => match[1]!.slice(PREFIX.length))
    if (named.length > 0) codes[status] = [...new Set(named)].sort()
  }
  return codes
}

/** What a route for a logged-in user answers besides its own errors; with a body, a bad body too. */
function expected (own: Record<number, string[]>, body = true): Record<string, string[]> {
  const all: Record<string, string[]> = { 401: ['UNAUTHENTICATED'], ...(body ? { 400: ['INVALID_REQUEST'], 413: ['INVALID_REQUEST'], 415: ['INVALID_REQUEST'] } : {}) }
  for (const [status, codes] of Object.entries(own)) all[status] = [...all[status] ?? [], ...codes]
  return Object.fromEntries(Object.entries(all).map(([status, codes]) => [status, codes.sort()]))
}

t.test('the OpenAPI 3.1 document is valid', async (t) => {
  const { app } = await buildApp(t, '3.1.0')
  const validator = new Validator()
  const result = await validator.validate(app.swagger() as SpecData)
  t.same(result.errors, undefined)
  t.ok(result.valid)
  t.equal(validator.version, '3.1')
})

t.test('a 3.0 document is valid but for `propertyNames`, a JSON Schema keyword OpenAPI 3.0 lacks', async (t) => {
  const { app } = await buildApp(t, '3.0.3')
  const document = JSON.parse(JSON.stringify(app.swagger()))
  const refused = await new Validator().validate(structuredClone(document))
  t.notOk(refused.valid)
  t.match(JSON.stringify(refused.errors), /propertyNames/)
  // The bound on the key length of an action's data (`action.data`): drop it, and nothing else is wrong.
  const strip = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return
    delete (value as Record<string, unknown>).propertyNames
    Object.values(value).forEach(strip)
  }
  strip(document)
  const result = await new Validator().validate(document)
  t.ok(result.valid, JSON.stringify(result.errors))
})

t.test('every operation has tags, a summary and a unique operationId; every response a real description', async (t) => {
  const { app } = await buildApp(t, '3.1.0')
  const all = operations(app.swagger())
  // 14 of the plugin's, 4 LoginRadius operations, 8 of the app's.
  t.equal(all.length, 26, 'the plugin\'s, the LoginRadius and the app\'s routes are all there')
  for (const { key, operation } of all) {
    t.ok(operation.tags?.length > 0, `${key} has tags`)
    t.ok(operation.summary, `${key} has a summary`)
    t.match(operation.operationId, /^[a-z][A-Za-z0-9]*$/, `${key} has a camelCase operationId`)
    for (const [status, response] of Object.entries(operation.responses as Record<string, { description: string }>)) {
      t.ok(response.description.length > 0 && response.description !== 'Default Response', `${key} ${status} is described`)
    }
  }
  const ids = all.map(({ operation }) => operation.operationId)
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  for (const { key, operation } of all.filter(({ key }) => key.includes('/step-up/'))) t.same(operation.tags, ['step-up'], `${key} is tagged step-up`)
})

t.test('each route lists exactly the errors it can answer with, under their statuses', async (t) => {
  const { app } = await buildApp(t, '3.1.0')
  const document = app.swagger() as Record<string, any>
  const check = ['METHOD_UNAVAILABLE']
  const table: Record<string, Record<string, string[]>> = {
    'GET /step-up/methods': expected({}, false),
    'GET /step-up/.well-known/jwks.json': {},
    'POST /step-up/token/verify': expected({}),
    'POST /step-up/email/send': expected({
      400: ['DESTINATION_NOT_ALLOWED'], 403: check, 429: ['LOCKED', 'RESEND_TOO_SOON', 'SEND_LIMIT'], 502: ['SEND_FAILED'], 503: ['STORE_UNAVAILABLE']
    }),
    'POST /step-up/sms/verify': expected({
      400: ['ACTION_MISMATCH', 'ATTEMPTS_EXHAUSTED', 'CODE_EXPIRED', 'CODE_INVALID', 'CODE_USED'], 404: ['CHALLENGE_NOT_FOUND'], 429: ['LOCKED'], 503: ['STORE_UNAVAILABLE']
    }),
    // A time step is accepted once; a backup code already used is simply wrong.
    'POST /step-up/totp/verify': expected({ 400: ['CODE_INVALID', 'CODE_USED'], 403: check, 429: ['LOCKED'], 503: ['STORE_UNAVAILABLE'] }),
    'POST /step-up/backup-code/verify': expected({ 400: ['CODE_INVALID'], 403: check, 429: ['LOCKED'], 503: ['STORE_UNAVAILABLE'] }),
    // Knowledge factors count toward knowledgeLimit.
    'POST /step-up/password/verify': expected({ 400: ['CREDENTIAL_INVALID'], 403: check, 429: ['LOCKED', 'VERIFY_LIMIT'], 503: ['STORE_UNAVAILABLE'] }),
    'POST /step-up/security-questions/verify': expected({ 400: ['CREDENTIAL_INVALID'], 403: check, 429: ['LOCKED', 'VERIFY_LIMIT'], 503: ['STORE_UNAVAILABLE'] }),
    'POST /step-up/passkey/options': expected({ 403: check, 429: ['LOCKED', 'SEND_LIMIT'], 503: ['STORE_UNAVAILABLE'] }),
    'POST /step-up/passkey/verify': expected({
      400: ['ACTION_MISMATCH', 'CODE_EXPIRED', 'CODE_USED', 'PASSKEY_INVALID'], 404: ['CHALLENGE_NOT_FOUND'], 429: ['LOCKED'], 503: ['STORE_UNAVAILABLE']
    })
  }
  for (const [key, codes] of Object.entries(table)) t.same(errorCodes(operation(document, key)), codes, key)
  t.notOk(JSON.stringify(operation(document, 'POST /step-up/token/verify')).includes('PASSKEY'), 'a token check names no passkey error')

  for (const { key, operation } of operations(document)) {
    for (const [status, codes] of Object.entries(errorCodes(operation))) {
      for (const code of codes) {
        t.ok(CODES.has(PREFIX + code), `${key} ${status}: ${code} is a code of lib/errors.ts`)
        if (code !== 'INVALID_REQUEST' || status === '400') t.equal(String(statusOf(PREFIX + code as StepUpErrorCode)), status, `${key}: ${code} answers ${status}`)
      }
    }
  }
  t.same(Object.keys(operation(document, 'POST /step-up/email/send').responses[429].headers), ['retry-after'])
  t.same(Object.keys(operation(document, 'GET /step-up/methods').responses[401].headers), ['www-authenticate'])
  t.equal(operation(document, 'POST /step-up/email/send').responses[400].content['application/json'].schema.$ref, '#/components/schemas/def-0',
    'the error statuses share one component')
  t.equal(document.components.schemas['def-0'].title, 'FastifyStepUpError')
})

t.test('a guarded route documents its 401 challenge, the token as a security requirement, and x-step-up', async (t) => {
  const { app } = await buildApp(t, '3.1.0')
  const document = app.swagger() as Record<string, any>
  t.same(document.components.securitySchemes.stepUpToken, { ...stepUpSecuritySchemes().stepUpToken, name: 'x-step-up-token' })
  const all = ['email', 'sms', 'totp', 'backup-code', 'password', 'pin', 'security-questions', 'passkey']
  const token = ['INSUFFICIENT', 'TOKEN_EXPIRED', 'TOKEN_INVALID', 'TOKEN_MISSING', 'UNAUTHENTICATED']
  const routes: Record<string, { extension: unknown, codes: Record<string, string[]>, header: string[], security: unknown }> = {
    'GET /documents/{id}': { extension: { methods: all, maxAge: 300, singleUse: false }, codes: { 401: token }, header: [challengeHeader(MISSING, 300)], security: [{ stepUpToken: [] }] },
    'POST /payments': {
      extension: { methods: ['totp', 'passkey'], maxAge: 120, level: 'high', action: 'pay', actionData: true, singleUse: true },
      codes: { 401: [...token, 'TOKEN_USED'].sort(), 503: ['STORE_UNAVAILABLE'] },
      header: [challengeHeader(MISSING, 120, ['urn:example:high'])],
      security: [{ stepUpToken: [] }]
    },
    'GET /profile': { extension: { methods: all, maxAge: 300, singleUse: false }, codes: { 401: token }, header: [challengeHeader(MISSING, 300)], security: [{ stepUpToken: [] }] },
    'DELETE /account': {
      extension: { methods: ['password'], maxAge: 60, singleUse: false },
      codes: { 401: token },
      header: [challengeHeader(MISSING, 60)],
      security: [{ session: [], stepUpToken: [] }]
    },
    'PUT /keys': {
      extension: [{ methods: all, maxAge: 60, singleUse: false }, { methods: ['pin'], maxAge: 300, singleUse: false }],
      codes: { 401: token },
      header: [challengeHeader(MISSING, 60), challengeHeader(MISSING, 300)],
      security: [{ stepUpToken: [] }]
    },
    'GET /settings': { extension: { methods: all, maxAge: 300, singleUse: false }, codes: { 401: token }, header: [challengeHeader(MISSING, 300)], security: [{ stepUpToken: [] }] }
  }
  for (const [key, want] of Object.entries(routes)) {
    const op = operation(document, key)
    t.same(op['x-step-up'], want.extension, `${key}: x-step-up`)
    t.same(errorCodes(op), want.codes, `${key}: the guard's codes`)
    t.same(op.security, want.security, `${key}: security`)
    const unauthorized = op.responses[401]
    for (const header of want.header) t.ok(unauthorized.headers['www-authenticate'].description.includes(`\`${header}\``), `${key}: ${header}`)
    t.match(unauthorized.description, /`x-step-up-token` header/)
    const body = unauthorized.content['application/json'].schema
    t.same(Object.keys(body.properties), ['statusCode', 'code', 'error', 'message', 'stepUp'], `${key}: the JSON hint`)
    t.same(Object.keys(body.properties.stepUp.properties), ['methods', 'maxAge', 'level', 'acrValues', 'phishingResistant', 'action'])
  }
  t.same(Object.keys(operation(document, 'DELETE /account').responses), ['204', '401'], 'the route\'s own responses are kept')
  t.equal(operation(document, 'GET /own').responses[401].description, 'The app\'s own words.', 'a 401 the route declares is its own')
  t.same(operation(document, 'GET /own')['x-step-up'], { methods: all, maxAge: 300, singleUse: false })
})

t.test('the LoginRadius-compatible routes are one operation per base and HTTP method, listing their calls', async (t) => {
  const { app } = await buildApp(t, '3.1.0')
  const document = app.swagger() as Record<string, any>
  const compat = operations(document).filter(({ key }) => key.includes('/identity/'))
  t.same(compat.map(({ key, operation }) => [key, operation.operationId, operation.tags]), [
    ['GET /identity/v2/auth/account/{*}', 'loginRadiusAuthGet', ['step-up-loginradius']],
    ['PUT /identity/v2/auth/account/{*}', 'loginRadiusAuthPut', ['step-up-loginradius']],
    ['POST /identity/v2/auth/account/{*}', 'loginRadiusAuthPost', ['step-up-loginradius']],
    ['POST /identity/v2/manage/account/{*}', 'loginRadiusManagePost', ['step-up-loginradius']]
  ])
  const listed = compat.flatMap(({ operation }) => [...operation.description.matchAll(/^- `([A-Z]+ \S+)`/gm)].map((match) => match[1]))
  t.same(listed.sort(), [
    'GET /reauth/2fa', 'GET /reauth/2fa/otp/email', 'GET /reauth/otp/email',
    'POST /reauth/2fa/securityquestionanswer/verify', 'POST /{uid}/reauth/2fa', 'POST /{uid}/reauth/password', 'POST /{uid}/reauth/pin',
    'PUT /reauth/2fa/authenticatorcode', 'PUT /reauth/2fa/backupcode', 'PUT /reauth/2fa/otp', 'PUT /reauth/2fa/otp/email/verify',
    'PUT /reauth/otp/email', 'PUT /reauth/password', 'PUT /reauth/pin'
  ])
  t.same(Object.keys(operation(document, 'GET /identity/v2/auth/account/{*}').responses), ['200', '400', '401', '403', '502', '503'])
  t.same(Object.keys(operation(document, 'POST /identity/v2/manage/account/{*}').responses), ['200', '400', '401', '403', '413', '415'],
    'a server-side check neither sends nor spends: no 502, no 503')
})

t.test('documenting changes nothing a client receives', async (t) => {
  const plain = await buildApp(t)
  const documented = await buildApp(t, '3.1.0')
  const right = { method: 'POST' as const, url: '/step-up/password/verify', headers: { 'x-user': 'alice' }, payload: { password: 'right' } }
  const tokens = await Promise.all([plain, documented].map(async ({ app }) => (await app.inject(right)).json().token as string))
  const requests = [
    { url: '/documents/1', headers: { 'x-user': 'alice' } },
    { url: '/documents/1' },
    { method: 'POST' as const, url: '/payments', headers: { 'x-user': 'alice' }, payload: { amount: 1 } },
    { url: '/keys', method: 'PUT' as const, headers: { 'x-user': 'alice', 'x-step-up-token': 'nonsense' } },
    { method: 'POST' as const, url: '/step-up/email/send', payload: { email: 'alice@example.com' } },
    { url: '/identity/v2/auth/account/reauth/2fa?apikey=test-api-key' },
    { url: '/identity/v2/auth/account/reauth/2fa' }
  ]
  for (const request of requests) {
    const [before, after] = await Promise.all([plain.app.inject(request), documented.app.inject(request)])
    t.equal(after.statusCode, before.statusCode, `${request.url}: status`)
    t.equal(after.body, before.body, `${request.url}: the same bytes`)
    t.equal(after.headers['www-authenticate'], before.headers['www-authenticate'])
  }
  // The single-use check with the store down: the guard's 503.
  for (const { state } of [plain, documented]) state.down = true
  const [before, after] = await Promise.all([plain, documented].map(({ app }, index) =>
    app.inject({ url: '/transfers', headers: { 'x-user': 'alice', 'x-step-up-token': tokens[index]! } })))
  t.equal(after!.statusCode, 503)
  t.equal(after!.body, before!.body)
  // The LoginRadius replies are JSON.stringify's, unchanged by their description-only schemas.
  const compat = await documented.app.inject({ url: '/identity/v2/auth/account/reauth/2fa?apikey=test-api-key', headers: { 'x-user': 'alice' } })
  t.equal(compat.body, JSON.stringify(compat.json()))
  t.equal(after!.body, '{"statusCode":503,"code":"FST_STEP_UP_STORE_UNAVAILABLE","error":"Service Unavailable","message":"Step-up is unavailable right now; try again shortly"}')
})

t.test('without @fastify/swagger, guarded routes keep their schema as the app wrote it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, { secret: SECRET, getUser, password: { verify: () => true } })
  const seen: RouteOptions[] = []
  app.addHook('onRoute', (route) => { seen.push(route) })
  app.get('/config', { config: { stepUp: true } }, ok)
  app.get('/hook', { schema: named('hook'), onRequest: app.requireStepUp() }, ok)
  await app.ready()
  const gets = seen.filter((route) => route.method === 'GET')
  t.same(gets.map((route) => route.schema && Object.keys(route.schema)), [undefined, ['tags', 'summary', 'operationId']])
})

t.test('a route declared while the plugin guards app-wide, and a tokenHeader of its own, are documented too', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { openapi: '3.1.0', components: { securitySchemes: stepUpSecuritySchemes('x-second-factor') } } })
  // A route already declared: config.stepUp is then guarded through app-wide hooks, not route hooks.
  app.get('/early', { schema: named('early') }, ok)
  await app.register(stepUp, { secret: SECRET, getUser, tokenHeader: 'X-Second-Factor', password: { verify: () => true } })
  app.get('/late', { schema: named('late'), config: { stepUp: { maxAge: '1m' } } }, ok)
  app.get('/bare', { onRequest: app.requireStepUp() }, ok)
  await app.ready()
  const document = app.swagger() as Record<string, any>
  t.ok((await new Validator().validate(document as SpecData)).valid)
  const late = operation(document, 'GET /late')
  t.same(late['x-step-up'], { methods: ['password'], maxAge: 60, singleUse: false })
  t.match(late.responses[401].description, /`x-second-factor` header/)
  t.equal(document.components.securitySchemes.stepUpToken.name, 'x-second-factor')
  t.notOk(operation(document, 'GET /early')['x-step-up'])
  const bare = operation(document, 'GET /bare')
  t.same([bare['x-step-up'], Object.keys(bare.responses)], [{ methods: ['password'], maxAge: 300, singleUse: false }, ['401']],
    'a route without a schema gets one')
  const reply = await app.inject({ url: '/late', headers: { 'x-user': 'alice' } })
  t.equal(reply.statusCode, 401, 'and it is guarded')
})

t.test('every error POST /password/verify documents is one it answers with, and it answers with no other', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { openapi: '3.1.0' } })
  const { store, state } = switchable()
  await app.register(stepUp, {
    secret: SECRET,
    getUser,
    store,
    password: { verify: (_user, password) => password === 'right' },
    lockout: { maxFailures: 2 },
    knowledgeLimit: { max: 1 }
  })
  await app.ready()
  const documented = errorCodes(operation(app.swagger(), 'POST /step-up/password/verify'))

  const url = '/step-up/password/verify'
  const as = (user: string) => ({ 'x-user': user })
  const json = { 'content-type': 'application/json' }
  const requests = [
    { headers: as('alice'), payload: {} }, // a body the schema refuses
    { headers: { ...as('alice'), ...json }, payload: JSON.stringify({ password: 'x'.repeat(17 * 1024) }) },
    { headers: { ...as('alice'), 'content-type': 'text/plain' }, payload: 'right' },
    { payload: { password: 'right' } }, // nobody logged in
    { headers: as('erin'), payload: { password: 'right' } }, // no password on the account
    { headers: as('alice'), payload: { password: 'wrong' } },
    { headers: as('alice'), payload: { password: 'wrong' } }, // the failure that locks
    { headers: as('bob'), payload: { password: 'right' }, succeeds: true },
    { headers: as('bob'), payload: { password: 'right' } }, // over knowledgeLimit
    { headers: as('carol'), payload: { password: 'right' }, down: true }
  ]
  const answered: Record<string, Set<string>> = {}
  for (const { down = false, succeeds = false, ...request } of requests) {
    state.down = down
    const reply = await app.inject({ method: 'POST', url, ...request })
    if (succeeds) {
      t.equal(reply.statusCode, 200)
      continue
    }
    const { code } = reply.json() as { code: string }
    answered[reply.statusCode] = (answered[reply.statusCode] ?? new Set()).add(code.slice(PREFIX.length))
  }
  t.same(Object.fromEntries(Object.entries(answered).map(([status, codes]) => [status, [...codes].sort()])), documented)
})

// What only the Fastify adapter has: per-route config, hooks, decorators and encapsulation.
import Fastify, { type FastifyInstance } from 'fastify'
import nodemailer from 'nodemailer'
import t, { type Test } from 'tap'
import stepUp from '../lib/index.js'
import { SECRET } from './helpers/app.js'
import { codeIn, startMailbox } from './helpers/smtp.js'

const alice = { id: 'alice', sessionId: 's1', emails: ['alice@example.com'] }

/** A Fastify app with the plugin (Alice always logged in) and the routes a test adds. */
async function fastifyApp (t: Test, routes: (app: FastifyInstance) => void, getUser: () => unknown = () => alice) {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const transport = nodemailer.createTransport({ url: mailbox.url, ignoreTLS: true } as never)
  t.teardown(() => transport.close())
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(stepUp, { secret: SECRET, getUser: getUser as never, email: { from: 'security@example.com', transport } })
  routes(app)
  await app.ready()
  async function token (): Promise<string> {
    const sent = await app.inject({ method: 'POST', url: '/step-up/email/send', payload: { email: 'alice@example.com' } })
    const code = codeIn(await mailbox.next())
    const verified = await app.inject({ method: 'POST', url: '/step-up/email/verify', payload: { challengeId: sent.json().challengeId, code } })
    return verified.json().token
  }
  return { app, token }
}

t.test('per-route config: { stepUp } protects a route like requireStepUp()', async (t) => {
  const { app, token } = await fastifyApp(t, (app) => {
    app.get('/settings', { config: { stepUp: { maxAge: '2m' } } }, async (request) => ({ sub: request.stepUp?.sub }))
    app.get('/export', { config: { stepUp: true }, onRequest: async (request) => { request.log.debug('app hook') } }, async () => ({ ok: true }))
    app.get('/public', async (request) => ({ stepUp: request.stepUp }))
  })
  const denied = await app.inject({ url: '/settings' })
  t.equal(denied.statusCode, 401)
  t.match(denied.headers['www-authenticate'], /max_age="120"/)
  t.equal((await app.inject({ url: '/export' })).statusCode, 401, 'a route with its own onRequest hook is guarded too')
  t.same((await app.inject({ url: '/public' })).json(), { stepUp: null }, 'other routes are untouched')

  const headers = { 'x-step-up-token': await token() }
  t.same((await app.inject({ url: '/settings', headers })).json(), { sub: 'alice' })
  t.equal((await app.inject({ url: '/export', headers })).statusCode, 200)
})

t.test('a refusal ends the request even when an async onSend hook delays the reply', async (t) => {
  let handled = 0
  const { app, token } = await fastifyApp(t, (app) => {
    // The reply is not yet sent when the guard's promise settles: the handler must still not run.
    app.addHook('onSend', async (_request, _reply, payload) => { await new Promise((resolve) => setImmediate(resolve)); return payload })
    app.get('/guarded', { onRequest: app.requireStepUp() }, async () => { handled++; return { ok: true } })
    app.get('/configured', { config: { stepUp: true } }, async () => { handled++; return { ok: true } })
    app.post('/bound', {
      preHandler: app.requireStepUp({ action: 'payment', actionData: (request: { body: { amount: string } }) => ({ amount: request.body.amount }) })
    }, async () => { handled++; return { ok: true } })
  })
  const plain = await token()
  for (const [url, headers] of [['/guarded', {}], ['/configured', {}], ['/guarded', { 'x-step-up-token': 'x.y.z' }]] as const) {
    const reply = await app.inject({ url, headers })
    t.equal(reply.statusCode, 401, `${url} ${JSON.stringify(headers)}`)
  }
  const bound = await app.inject({ method: 'POST', url: '/bound', headers: { 'x-step-up-token': plain }, payload: { amount: '5' } })
  t.equal(bound.json().code, 'FST_STEP_UP_INSUFFICIENT', 'a refusal from preHandler too')
  t.equal(handled, 0, 'no handler ran')
  t.equal((await app.inject({ url: '/guarded', headers: { 'x-step-up-token': plain } })).statusCode, 200)
  t.equal(handled, 1, 'and a pass reaches it')
})

t.test('getUser runs once per request even when two guards and a handler need the user', async (t) => {
  let calls = 0
  const { app } = await fastifyApp(t, (app) => {
    app.get('/twice', { onRequest: [app.requireStepUp(), app.requireStepUp({ maxAge: '1m' })] }, async () => ({ ok: true }))
  }, () => { calls++; return alice })
  await app.inject({ url: '/twice' })
  t.equal(calls, 1)
})

t.test('config: { stepUp } guards a route declared before the plugin finished loading', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  // Registered without await: the route below is declared before the plugin's hooks exist.
  app.register(stepUp, {
    secret: SECRET,
    getUser: () => alice,
    email: { from: 'security@example.com', transport: { jsonTransport: true } as never }
  })
  app.get('/early', { config: { stepUp: true } }, async () => ({ secret: 'data' }))
  const reply = await app.inject({ url: '/early' })
  t.equal(reply.statusCode, 401)
  t.equal(reply.json().code, 'FST_STEP_UP_TOKEN_MISSING')
})

t.test('config: { stepUp } still guards routes declared after the plugin when others came before it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/health', async () => ({ ok: true })) // a route before the plugin: app-wide hooks take over
  await app.register(stepUp, {
    secret: SECRET,
    getUser: () => alice,
    email: { from: 'security@example.com', transport: { jsonTransport: true } as never }
  })
  app.get('/late', { config: { stepUp: true } }, async () => ({ secret: 'data' }))
  app.post('/pay', { config: { stepUp: { action: 'payment', actionData: (request: { body: { amount: string } }) => request.body } } }, async () => ({ paid: true }))
  t.equal((await app.inject({ url: '/health' })).statusCode, 200)
  t.equal((await app.inject({ url: '/late' })).json().code, 'FST_STEP_UP_TOKEN_MISSING')
  const pay = await app.inject({ method: 'POST', url: '/pay', payload: { amount: '5' } })
  t.equal(pay.json().code, 'FST_STEP_UP_TOKEN_MISSING')
  t.equal(pay.json().stepUp.action, 'payment', 'the body-bound requirement, checked once the body is parsed')
})

t.test("config: { stepUp } runs before the route's own hooks", async (t) => {
  const ran: string[] = []
  const { app, token } = await fastifyApp(t, (app) => {
    app.get('/a', { config: { stepUp: true }, onRequest: [async () => { ran.push('a') }] }, async () => ({ ok: true }))
    app.get('/b', { config: { stepUp: true }, onRequest: async () => { ran.push('b') } }, async () => ({ ok: true }))
  })
  t.equal((await app.inject({ url: '/a' })).statusCode, 401)
  t.equal((await app.inject({ url: '/b' })).statusCode, 401)
  t.same(ran, [], 'a refused request never reaches them')
  const headers = { 'x-step-up-token': await token() }
  t.equal((await app.inject({ url: '/a', headers })).statusCode, 200)
  t.equal((await app.inject({ url: '/b', headers })).statusCode, 200)
  t.same(ran, ['a', 'b'], 'a passed one does, after the guard')
})

t.test('config: { stepUp } with actionData runs once the body is parsed', async (t) => {
  const { app, token } = await fastifyApp(t, (app) => {
    app.post('/pay', {
      config: { stepUp: { action: 'payment', actionData: (request: { body: { amount: string } }) => ({ amount: request.body.amount }) } }
    }, async (request) => ({ paid: (request.body as { amount: string }).amount }))
  })
  const denied = await app.inject({ method: 'POST', url: '/pay', payload: { amount: '5' } })
  t.equal(denied.statusCode, 401)
  t.equal(denied.json().stepUp.action, 'payment')
  const plain = await token()
  t.equal((await app.inject({ method: 'POST', url: '/pay', headers: { 'x-step-up-token': plain }, payload: { amount: '5' } })).json().code,
    'FST_STEP_UP_INSUFFICIENT', 'a step-up for no action does not cover a payment')
})

t.test("the plugin's body parsing and errors stay inside its routes", async (t) => {
  const { app } = await fastifyApp(t, (app) => {
    app.post('/echo', { schema: { body: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } } }, async (request) => request.body)
  })
  const invalid = await app.inject({ method: 'POST', url: '/echo', payload: {} })
  t.equal(invalid.statusCode, 400)
  t.equal(invalid.json().code, 'FST_ERR_VALIDATION', "the app's routes keep Fastify's own error format")
  const text = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, body: 'hello' })
  t.equal(text.statusCode, 400, "the app's text/plain parser is still there (the body fails its schema)")
  t.equal(text.json().code, 'FST_ERR_VALIDATION')
  const ours = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: { 'content-type': 'text/plain' }, body: 'hello' })
  t.equal(ours.statusCode, 415, 'the step-up routes take JSON only')
  t.equal(ours.json().code, 'FST_STEP_UP_INVALID_REQUEST')
})

t.test('a Fastify error the plugin does not know about keeps its status and gets our code', async (t) => {
  const { app } = await fastifyApp(t, () => {})
  const reply = await app.inject({
    method: 'POST',
    url: '/step-up/email/send',
    headers: { 'content-type': 'application/json', 'content-length': '50' },
    body: '{"email":"alice@example.com"}'
  })
  t.equal(reply.statusCode, 400)
  t.equal(reply.json().code, 'FST_STEP_UP_INVALID_REQUEST')
})

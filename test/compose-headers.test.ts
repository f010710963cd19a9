// @fastify/helmet and @fastify/cors around the plugin, over inject: the RFC 9470 challenge and the
// JSON replies survive helmet's defaults, and the CORS settings docs/composition.md gives let a page
// on another origin read the challenge and send the step-up token. Both plugins work from app-wide
// onRequest hooks, which run before the guard (a route's own hook), in either registration order.
// test/compose-cors.e2e.test.ts runs the same settings in Chromium.
import fastifyCors from '@fastify/cors'
import fastifyHelmet from '@fastify/helmet'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { jwtApi, PHONE, stepUpBySms } from './helpers/compose.js'

const PAGE = 'https://app.example.com'

/** What docs/composition.md asks of @fastify/cors. */
const corsOptions = {
  origin: PAGE,
  allowedHeaders: ['authorization', 'content-type', 'x-step-up-token'],
  exposedHeaders: ['www-authenticate', 'retry-after']
}

/** The parts of a reply the plugin writes. */
const ours = (reply: LightMyRequestResponse) => ({
  statusCode: reply.statusCode,
  challenge: reply.headers['www-authenticate'],
  type: reply.headers['content-type'],
  body: reply.json()
})

const orders = ['registered before fastify-step-up', 'registered after fastify-step-up'] as const
const around = (order: typeof orders[number], plugin: (app: FastifyInstance) => PromiseLike<unknown>) =>
  order === orders[0] ? { before: [plugin] } : { after: [plugin] }

t.test('@fastify/helmet with its defaults: the challenge and the JSON replies are as without it', async (t) => {
  const plain = await jwtApi(t)
  const bare = await plain.app.inject({ url: '/documents/1', headers: { authorization: plain.login() } })

  for (const order of orders) {
    const { app, gateway, login } = await jwtApi(t, around(order, (app) => app.register(fastifyHelmet)))
    const headers = { authorization: login() }
    const refused = await app.inject({ url: '/documents/1', headers })
    t.same(ours(refused), ours(bare), `${order}: the same 401, WWW-Authenticate challenge and JSON body`)
    t.match(refused.headers, {
      'content-security-policy': /default-src 'self'/,
      'x-content-type-options': 'nosniff',
      'strict-transport-security': /max-age=/,
      'x-frame-options': 'SAMEORIGIN'
    }, `${order}: with helmet's headers`)

    const token = await stepUpBySms(app, headers, gateway)
    const passed = await app.inject({ url: '/documents/1', headers: { ...headers, 'x-step-up-token': token } })
    t.equal(passed.statusCode, 200, `${order}: the step-up routes and the guard work`)
    t.equal(passed.json().id, '1')

    const again = await app.inject({ method: 'POST', url: '/step-up/sms/send', headers, payload: { phone: PHONE } })
    t.equal(again.statusCode, 429)
    t.equal(again.json().code, 'FST_STEP_UP_RESEND_TOO_SOON', `${order}: the plugin's errors keep their JSON`)
    t.ok(Number(again.headers['retry-after']) > 0, `${order}: and their Retry-After`)
  }
})

t.test('@fastify/cors: preflights pass without a login, and the 401 exposes its challenge to the page', async (t) => {
  for (const order of orders) {
    const { app, login, getUserCalls } = await jwtApi(t, around(order, (app) => app.register(fastifyCors, corsOptions)))

    for (const [method, url, requested] of [
      ['GET', '/documents/1', 'authorization,x-step-up-token'],
      ['POST', '/step-up/sms/verify', 'authorization,content-type']
    ] as const) {
      const preflight = await app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: PAGE, 'access-control-request-method': method, 'access-control-request-headers': requested }
      })
      t.equal(preflight.statusCode, 204, `${order}: the preflight of ${method} ${url}`)
      t.equal(preflight.headers['access-control-allow-origin'], PAGE)
      t.equal(preflight.headers['access-control-allow-headers'], 'authorization, content-type, x-step-up-token')
    }
    t.equal(getUserCalls(), 0, `${order}: a preflight carries no credentials and never reaches the guard or getUser`)

    const refused = await app.inject({ url: '/documents/1', headers: { origin: PAGE, authorization: login() } })
    t.equal(refused.statusCode, 401)
    t.equal(refused.headers['access-control-allow-origin'], PAGE, `${order}: the guard's 401 carries the CORS headers`)
    t.equal(refused.headers['access-control-expose-headers'], 'www-authenticate, retry-after', `${order}: and lets the page read the challenge`)
    t.match(refused.headers['www-authenticate'], /error="insufficient_user_authentication"/)

    const stranger = await app.inject({ url: '/documents/1', headers: { origin: 'https://elsewhere.example', authorization: login() } })
    t.equal(stranger.headers['access-control-allow-origin'], PAGE, `${order}: it names the page's origin only, so a browser elsewhere cannot read it`)
  }
})

t.test("@fastify/cors with hook: 'preHandler' adds its headers after the guard has answered: the 401 has none", async (t) => {
  const { app, login } = await jwtApi(t, { before: [(app) => app.register(fastifyCors, { ...corsOptions, hook: 'preHandler' })] })
  const refused = await app.inject({ url: '/documents/1', headers: { origin: PAGE, authorization: login() } })
  t.equal(refused.statusCode, 401)
  t.notOk('access-control-allow-origin' in refused.headers, 'a browser would hide this 401 from the page entirely')
})

// @fastify/rate-limit with the guard and with the plugin's own routes.
//
// @fastify/rate-limit adds its hook to each route from an onRoute hook, at the end of the route's
// own onRequest hooks (for its global limit and for `config.rateLimit` alike). The guard comes
// before it in every order: `config: { stepUp }` makes the guard the route's first onRequest hook,
// and `onRequest: app.requireStepUp()` is the route's own hook, which the limiter's follows. A
// refused request is answered by the guard, so the limiter never counts it. Fastify runs a
// context's hooks (addHook) before any route's own, and a route's hook array in its order: a
// limiter there counts every request, those the guard refuses included. docs/composition.md says
// this and copies its snippets from here.
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type LightMyRequestResponse, type RouteShorthandOptions } from 'fastify'
import t, { type Test } from 'tap'
import stepUp from '../lib/index.js'
import { SECRET } from './helpers/app.js'
import { PHONE, smsGateway, stepUpBySms, type SmsGateway } from './helpers/compose.js'

const N = 3
const LOGIN = { 'x-user': 'alice' }

/** The plugin, with Alice logged in whenever x-user says so, and codes by SMS. */
function registerStepUp (app: FastifyInstance, gateway: SmsGateway) {
  return app.register(stepUp, {
    secret: SECRET,
    getUser: (request) => request.headers['x-user'] === 'alice' ? { id: 'alice', sessionId: 's1', phones: [PHONE] } : null,
    sms: { send: gateway.send }
  })
}

/** Each route counted on its own, so the step-up routes' requests leave the guarded route's count alone. */
const perRoute = (request: { ip: string, routeOptions: { url?: string } }) => `${request.ip} ${request.routeOptions.url}`

async function requests (app: FastifyInstance, count: number, url: string, headers: Record<string, string> = LOGIN): Promise<LightMyRequestResponse[]> {
  const replies: LightMyRequestResponse[] = []
  for (let i = 0; i < count; i++) replies.push(await app.inject({ url, headers }))
  return replies
}

t.test('the orders as they are: the guard answers before the limiter runs, so refused requests are never counted', async (t) => {
  const cases = []
  for (const registered of ['rate-limit first', 'step-up first'] as const) {
    for (const limit of ['global limit', 'config.rateLimit'] as const) {
      for (const form of ['config: { stepUp }', 'onRequest: requireStepUp()'] as const) cases.push({ registered, limit, form, routeFirst: false })
    }
  }
  // A route declared before the plugin: config: { stepUp } is checked by app-wide hooks instead.
  cases.push({ registered: 'rate-limit first', limit: 'config.rateLimit', form: 'config: { stepUp }', routeFirst: true } as const)

  for (const { registered, limit, form, routeFirst } of cases) {
    const name = `${registered}, ${limit}, ${form}${routeFirst ? ', a route declared before the plugin' : ''}`
    const gateway = smsGateway()
    const app = Fastify()
    t.teardown(() => app.close())
    if (routeFirst) app.get('/health', async () => ({ ok: true }))
    const limiter = () => app.register(rateLimit, limit === 'global limit' ? { max: N, timeWindow: '1m', keyGenerator: perRoute } : { global: false })
    if (registered === 'rate-limit first') await limiter()
    await registerStepUp(app, gateway)
    if (registered === 'step-up first') await limiter()
    const config = limit === 'config.rateLimit' ? { rateLimit: { max: N, timeWindow: '1m' } } : {}
    const options: RouteShorthandOptions = form === 'config: { stepUp }' ? { config: { ...config, stepUp: true } } : { config, onRequest: app.requireStepUp() }
    app.get('/guarded', options, async () => ({ ok: true }))
    await app.ready()

    const refused = await requests(app, N + 1, '/guarded')
    t.same(refused.map((reply) => reply.statusCode), Array(N + 1).fill(401), `${name}: ${N + 1} refused requests, none of them a 429`)
    t.notOk(refused.some((reply) => 'x-ratelimit-limit' in reply.headers), `${name}: the limiter did not run on them`)
    const passed = await app.inject({ url: '/guarded', headers: { ...LOGIN, 'x-step-up-token': await stepUpBySms(app, LOGIN, gateway) } })
    t.equal(passed.statusCode, 200, `${name}: a request the guard passes`)
    t.equal(passed.headers['x-ratelimit-remaining'], String(N - 1), `${name}: is the first one the limiter counted`)
  }
})

t.test('a limiter ahead of the guard counts the requests the guard refuses', async (t) => {
  /** N refused requests use up the limit; then a valid token gets the 429, and passes on a route without that limit. */
  async function exhaust (t: Test, app: FastifyInstance, gateway: SmsGateway, name: string) {
    const token = await stepUpBySms(app, LOGIN, gateway)
    const refused = await requests(app, N, '/guarded')
    t.same(refused.map((reply) => reply.statusCode), Array(N).fill(401), `${name}: the guard refuses ${N} requests`)
    t.same(refused.map((reply) => reply.headers['x-ratelimit-remaining']), Array.from({ length: N }, (_, i) => String(N - 1 - i)), `${name}: and the limiter counts each`)
    const limited = await app.inject({ url: '/guarded', headers: { ...LOGIN, 'x-step-up-token': token } })
    t.equal(limited.statusCode, 429, `${name}: request ${N + 1}, with a valid step-up token, is over the limit`)
    t.equal(limited.headers['x-ratelimit-limit'], String(N), `${name}: the guarded route's own limit, not the global one`)
    t.ok(Number(limited.headers['retry-after']) > 0, `${name}: with Retry-After`)
    t.equal((await app.inject({ url: '/open', headers: { ...LOGIN, 'x-step-up-token': token } })).statusCode, 200, `${name}: the token itself is good`)
  }

  for (const registered of ['rate-limit first', 'step-up first'] as const) {
    for (const form of ['config: { stepUp }', 'onRequest: requireStepUp()'] as const) {
      const name = `a context hook, ${registered}, ${form}`
      const gateway = smsGateway()
      const app = Fastify()
      t.teardown(() => app.close())
      if (registered === 'rate-limit first') await app.register(rateLimit)
      await registerStepUp(app, gateway)
      if (registered === 'step-up first') await app.register(rateLimit)
      await app.register(async (guarded) => {
        // A context's own hooks run before its routes' hooks: this limiter sees every request.
        guarded.addHook('onRequest', guarded.rateLimit({ max: N, timeWindow: '1m' }))
        guarded.get('/guarded', form === 'config: { stepUp }' ? { config: { stepUp: true } } : { onRequest: guarded.requireStepUp() }, async () => ({ ok: true }))
      })
      app.get('/open', { config: { stepUp: true } }, async () => ({ ok: true }))
      await app.ready()
      await exhaust(t, app, gateway, name)
    }
  }

  {
    const gateway = smsGateway()
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(rateLimit)
    await registerStepUp(app, gateway)
    // The hook form runs its array in order: the limiter first.
    app.get('/guarded', { onRequest: [app.rateLimit({ max: N, timeWindow: '1m' }), app.requireStepUp()] }, async () => ({ ok: true }))
    app.get('/open', { config: { stepUp: true } }, async () => ({ ok: true }))
    await app.ready()
    await exhaust(t, app, gateway, 'the limiter first in the route\'s onRequest array')
  }

  {
    // With routes declared before the plugin, config: { stepUp } is checked by the plugin's
    // app-wide hook, which runs before a child context's: there the hook form is the way.
    const app = Fastify()
    t.teardown(() => app.close())
    app.get('/health', async () => ({ ok: true }))
    await app.register(rateLimit)
    await registerStepUp(app, smsGateway())
    await app.register(async (guarded) => {
      guarded.addHook('onRequest', guarded.rateLimit({ max: N, timeWindow: '1m' }))
      guarded.get('/guarded', { config: { stepUp: true } }, async () => ({ ok: true }))
    })
    await app.ready()
    const refused = await requests(app, N + 1, '/guarded')
    t.same(refused.map((reply) => reply.statusCode), Array(N + 1).fill(401), 'app-wide config guard: the context limiter comes after it and counts nothing')
  }
})

/**
 * @fastify/rate-limit's error with a `code`. The step-up routes describe their 429 (and 403) replies
 * with a schema that requires `code`, and Fastify serializes the app's error reply with it: the
 * limiter's default error, which has none, becomes a 500 there.
 */
function rateLimited (_request: unknown, context: { statusCode: number, after: string }) {
  return Object.assign(new Error(`Rate limit exceeded, retry in ${context.after}`), { statusCode: context.statusCode, code: 'RATE_LIMITED' })
}

/** A code sent by SMS, and a wrong one: what a verify request can send. */
async function sendCode (app: FastifyInstance, gateway: SmsGateway) {
  const sent = await app.inject({ method: 'POST', url: '/step-up/sms/send', headers: LOGIN, payload: { phone: PHONE } })
  const code = gateway.lastCode()
  const verify = (body: { code: string }) => app.inject({ method: 'POST', url: '/step-up/sms/verify', headers: LOGIN, payload: { challengeId: sent.json().challengeId, ...body } })
  return { sent, verify, code, wrong: code === '000000' ? '111111' : '000000' }
}

t.test("the plugin's own routes under @fastify/rate-limit", async (t) => {
  t.test('a global limit registered before the plugin covers its routes, wrong codes included', async (t) => {
    const gateway = smsGateway()
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(rateLimit, { max: N, timeWindow: '15m', keyGenerator: perRoute, errorResponseBuilder: rateLimited })
    await registerStepUp(app, gateway)
    await app.ready()
    const { verify, code, wrong } = await sendCode(app, gateway)
    for (let i = 0; i < N; i++) {
      const reply = await verify({ code: wrong })
      t.same([reply.json().code, reply.headers['x-ratelimit-remaining']], ['FST_STEP_UP_CODE_INVALID', String(N - 1 - i)], `wrong code ${i + 1}: refused by the plugin, and counted`)
    }
    const limited = await verify({ code })
    t.equal(limited.statusCode, 429, 'the right code, over the limit: the limiter answers first')
    t.same(limited.json(), { statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: 'Rate limit exceeded, retry in 15 minutes' })
  })

  t.test("the limiter's default error on a step-up route", async (t) => {
    const gateway = smsGateway()
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(rateLimit, { max: 1, timeWindow: '15m' })
    await registerStepUp(app, gateway)
    await app.ready()
    const { sent, verify, code } = await sendCode(app, gateway)
    t.equal(sent.statusCode, 202)
    const limited = await verify({ code })
    t.equal(limited.statusCode, 429, 'the limiter\'s own 429 gets through the routes\' error schema')
    t.same(limited.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded, retry in 15 minutes' }, 'as the limiter wrote it, without a code')
  })

  t.test('a limit registered after the plugin never sees its routes', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await registerStepUp(app, smsGateway())
    await app.register(rateLimit, { max: N, timeWindow: '15m' })
    await app.ready()
    const replies = await requests(app, N + 1, '/step-up/methods')
    t.same(replies.map((reply) => reply.statusCode), Array(N + 1).fill(200))
    t.notOk(replies.some((reply) => 'x-ratelimit-limit' in reply.headers), 'no limiter on the routes declared before it')
  })

  t.test("a limit per step-up route: config.rateLimit set by the app's onRoute hook, ahead of the limiter's", async (t) => {
    const gateway = smsGateway()
    const app = Fastify()
    t.teardown(() => app.close())
    // Added before @fastify/rate-limit, so the limiter's onRoute hook finds the config this one sets.
    app.addHook('onRoute', (route) => {
      if (route.url === '/step-up/sms/verify') route.config = { ...route.config, rateLimit: { max: N, timeWindow: '15m' } }
    })
    await app.register(rateLimit, { global: false, errorResponseBuilder: rateLimited })
    await registerStepUp(app, gateway)
    await app.ready()
    const { sent, verify, code, wrong } = await sendCode(app, gateway)
    t.notOk('x-ratelimit-limit' in sent.headers, 'the other step-up routes keep no limit')
    const replies = []
    for (let i = 0; i < N; i++) replies.push(await verify({ code: wrong }))
    t.same(replies.map((reply) => [reply.statusCode, reply.headers['x-ratelimit-remaining']]), [[400, '2'], [400, '1'], [400, '0']])
    const limited = await verify({ code })
    t.equal(limited.statusCode, 429)
    t.equal(limited.json().code, 'RATE_LIMITED')
  })
})

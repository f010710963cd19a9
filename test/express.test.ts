// What only the Express adapter has: the router and middleware API, the app's own body parser,
// its error handler, and the default logger. Every shared behaviour runs in the scenario suites.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import nodemailer from 'nodemailer'
import t, { type Test } from 'tap'
import { createStepUp, type ExpressStepUpOptions } from '../lib/express/index.js'
import { SECRET } from './helpers/app.js'
import { codeIn, startMailbox } from './helpers/smtp.js'
import { switchableStore } from './helpers/stores.js'

const alice = { id: 'alice', sessionId: 's1', emails: ['alice@example.com'] }

/** An Express app around the adapter; `before` runs before the router is mounted. */
async function expressApp (t: Test, options: Partial<ExpressStepUpOptions> = {}, before?: (app: express.Express) => void) {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const transport = nodemailer.createTransport({ url: mailbox.url, ignoreTLS: true } as never)
  t.teardown(() => transport.close())
  const stepUp = createStepUp({ secret: SECRET, getUser: () => alice, email: { from: 'security@example.com', transport }, ...options })
  const app = express()
  before?.(app)
  app.use(stepUp.router)
  app.get('/doc', stepUp.requireStepUp(), (req, res) => { res.json({ sub: req.stepUp?.sub }) })
  app.get('/other', (_req, res) => { res.json({ other: true }) })
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ appHandler: true, message: err.message })
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const post = (url: string, body: unknown) =>
    fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  async function token (prefix = '/step-up'): Promise<string> {
    const sent = await (await post(`${prefix}/email/send`, { email: 'alice@example.com' })).json() as { challengeId: string }
    const code = codeIn(await mailbox.next())
    const verified = await (await post(`${prefix}/email/verify`, { challengeId: sent.challengeId, code })).json() as { token: string }
    return verified.token
  }
  return { base, post, token, stepUp }
}

t.test('options are checked when the adapter is created', async (t) => {
  t.throws(() => createStepUp({ secret: 'short', getUser: () => null, email: false }), { code: 'FST_STEP_UP_OPTION_SECRET' })
  t.throws(() => createStepUp({ secret: SECRET, getUser: undefined as never, email: false }), { code: 'FST_STEP_UP_OPTION_GET_USER' })
  t.throws(() => createStepUp({ secret: SECRET, getUser: () => null, tokenTtl: 'soon' }), { code: 'FST_STEP_UP_OPTION_DURATION' })
  const stepUp = createStepUp({ secret: SECRET, getUser: () => null, email: { from: 'a@example.com', transport: { jsonTransport: true } as never } })
  t.throws(() => stepUp.requireStepUp({ methods: ['sms' as never] }), { code: 'FST_STEP_UP_OPTION_INVALID' })
  t.throws(() => stepUp.requireStepUp({ maxAge: 'later' }), { code: 'FST_STEP_UP_OPTION_DURATION' })
})

t.test("works after the app's own express.json(), which has already read the body", async (t) => {
  const { base, post, token } = await expressApp(t, {}, (app) => app.use(express.json()))
  const doc = await fetch(`${base}/doc`, { headers: { 'x-step-up-token': await token() } })
  t.same(await doc.json(), { sub: 'alice' })
  const extra = await post('/step-up/email/send', { email: 'alice@example.com', admin: true })
  t.equal(extra.status, 400, 'the schema still refuses unknown properties')
  t.equal((await extra.json() as { code: string }).code, 'FST_STEP_UP_INVALID_REQUEST')
})

t.test('the router passes other paths on, and moves with the prefix', async (t) => {
  const { base, token } = await expressApp(t, { prefix: '/auth/again' })
  t.same(await (await fetch(`${base}/other`)).json(), { other: true })
  t.equal((await fetch(`${base}/step-up/methods`)).status, 404)
  t.equal((await fetch(`${base}/auth/again/methods`)).status, 200)
  const doc = await fetch(`${base}/doc`, { headers: { 'x-step-up-token': await token('/auth/again') } })
  t.equal(doc.status, 200)
})

t.test("a getUser that throws goes to the app's error handler, from the routes and from the guard", async (t) => {
  const { base } = await expressApp(t, { getUser: () => { throw new Error('session store down') } })
  for (const url of ['/step-up/methods', '/doc']) {
    const reply = await fetch(base + url)
    t.equal(reply.status, 500, url)
    t.same(await reply.json(), { appHandler: true, message: 'session store down' }, url)
  }
})

t.test('by default failures go to console.error, with the code and never a secret', async (t) => {
  const { store, state } = switchableStore()
  const { post } = await expressApp(t, { store })
  const logged: unknown[][] = []
  const original = console.error
  console.error = (...args: unknown[]) => { logged.push(args) }
  t.teardown(() => { console.error = original })
  state.down = true
  const reply = await post('/step-up/email/send', { email: 'alice@example.com' })
  console.error = original
  t.equal(reply.status, 503)
  t.equal(logged.length, 1)
  t.equal(logged[0]![0], 'step-up failed')
  t.match(logged[0]![1], { code: 'FST_STEP_UP_STORE_UNAVAILABLE' })
  t.notMatch(JSON.stringify(logged), SECRET)
})

t.test('close() closes a transport the adapter made, and leaves the app one alone', async (t) => {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  // A pooled transport keeps its connection open after a message, until it is closed.
  const { post, stepUp } = await expressApp(t, { email: { from: 'a@example.com', transport: { url: mailbox.url, pool: true, ignoreTLS: true } as never } })
  t.equal((await post('/step-up/email/send', { email: 'alice@example.com' })).status, 202)
  t.equal(mailbox.connections, 1, 'the code went out, and the connection stays open')
  await stepUp.close()
  t.ok(await mailbox.idleWithin(5000), 'close() closed the transport: the server saw its connection end')

  let closed = false
  const own = createStepUp({
    secret: SECRET,
    getUser: () => null,
    email: { from: 'a@example.com', transport: { sendMail: async () => ({}), close: () => { closed = true } } as never }
  })
  await own.close()
  t.equal(closed, false)
})

t.test('verifyToken checks a token outside a route', async (t) => {
  const { token, stepUp } = await expressApp(t)
  const value = await token()
  t.equal((await stepUp.verifyToken(value, { user: alice })).sub, 'alice')
  await t.rejects(stepUp.verifyToken(value, { user: { ...alice, sessionId: 's2' } }), { code: 'FST_STEP_UP_TOKEN_INVALID' })
})

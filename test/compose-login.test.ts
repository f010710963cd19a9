// The app's own login, from the plugins apps use: @fastify/jwt (a bearer token whose `sid` claim
// names the login session) and @fastify/session with @fastify/cookie (the server-side session's
// id). Each runs a whole step-up, then shows that the step-up token is bound to that one login
// session. On Express, the same getUser contract with a bearer JWT checked by jose (express-session
// is not a dependency of this repository). docs/composition.md copies its snippets from here.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import fastifyCookie from '@fastify/cookie'
import fastifyJwt from '@fastify/jwt'
import fastifySession from '@fastify/session'
import { Clock } from '@tapjs/clock'
import express from 'express'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { jwtVerify, SignJWT } from 'jose'
import t from 'tap'
import { createStepUp } from '../lib/express/index.js'
import stepUp from '../lib/index.js'
import { SECRET } from './helpers/app.js'
import { JWT_SECRET, PHONE, smsGateway, stepUpBySms, type LoginClaims } from './helpers/compose.js'

const SESSION_SECRET = 'the-app-session-secret-of-at-least-32-bytes'

declare module 'fastify' {
  interface Session {
    userId?: string
  }
}

/** A 401 that asks for a step-up (RFC 9470), as opposed to one that asks for a login. */
function isStepUpChallenge (reply: LightMyRequestResponse): boolean {
  return reply.statusCode === 401 && /error="insufficient_user_authentication"/.test(String(reply.headers['www-authenticate']))
}

t.test('@fastify/jwt: getUser verifies the login token, and its sid claim is the session a step-up belongs to', async (t) => {
  const gateway = smsGateway()
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(fastifyJwt, { secret: JWT_SECRET })
  await app.register(stepUp, {
    secret: SECRET,
    async getUser (request) {
      try {
        await request.jwtVerify() // sets request.user; throws without a valid login token
      } catch {
        return null
      }
      const { sub, sid } = request.user as LoginClaims
      return { id: sub, sessionId: sid, phones: [PHONE] }
    },
    sms: { send: gateway.send }
  })
  // The app's login: each login is a new session, named in the token's `sid`.
  app.post('/login', async () => ({ token: app.jwt.sign({ sub: 'alice', sid: randomUUID() }) }))
  app.get('/documents/:id', { config: { stepUp: { maxAge: '5m' } } }, async (request) => ({
    id: (request.params as { id: string }).id,
    sid: request.stepUp!.sid
  }))
  await app.ready()

  async function login () {
    const { token } = (await app.inject({ method: 'POST', url: '/login' })).json()
    return { headers: { authorization: `Bearer ${token}` }, sid: app.jwt.decode<{ sid: string }>(token)!.sid }
  }
  const first = await login()

  const challenge = await app.inject({ url: '/documents/1', headers: first.headers })
  t.ok(isStepUpChallenge(challenge), 'a logged-in user without a step-up gets the RFC 9470 challenge')
  t.match(challenge.headers['www-authenticate'], /max_age="300"/)
  t.same(challenge.json().stepUp, { methods: ['sms'], maxAge: 300 })

  const methods = await app.inject({ url: '/step-up/methods', headers: first.headers })
  const destinationId = methods.json().methods[0].destinations[0].id
  const sent = await app.inject({ method: 'POST', url: '/step-up/sms/send', headers: first.headers, payload: { destinationId } })
  t.equal(sent.statusCode, 202)
  t.equal(gateway.messages[0]!.to, PHONE, "the code went through the app's send callback")
  const verified = await app.inject({
    method: 'POST',
    url: '/step-up/sms/verify',
    headers: first.headers,
    payload: { challengeId: sent.json().challengeId, code: gateway.lastCode() }
  })
  t.equal(verified.statusCode, 200)
  const token = verified.json().token as string

  const passed = await app.inject({ url: '/documents/1', headers: { ...first.headers, 'x-step-up-token': token } })
  t.equal(passed.statusCode, 200)
  t.same(passed.json(), { id: '1', sid: first.sid }, "the step-up token carries the login's sid")

  const second = await login()
  const elsewhere = await app.inject({ url: '/documents/1', headers: { ...second.headers, 'x-step-up-token': token } })
  t.ok(isStepUpChallenge(elsewhere), "another login of the same user cannot use the first login's step-up token")
  t.equal(elsewhere.json().code, 'FST_STEP_UP_TOKEN_INVALID')

  // The right claims, signed with a key that is not the app's.
  const forged = await new SignJWT({ sid: first.sid }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice')
    .sign(new TextEncoder().encode('not-the-app-login-secret-but-32-bytes-long'))
  for (const headers of [{}, { authorization: `Bearer ${forged}` }]) {
    const nobody = await app.inject({ url: '/documents/1', headers: { ...headers, 'x-step-up-token': token } })
    t.equal(nobody.statusCode, 401)
    t.equal(nobody.json().code, 'FST_STEP_UP_UNAUTHENTICATED', 'no valid login token: no user, whatever the step-up token')
    t.equal(nobody.headers['www-authenticate'], 'Bearer')
  }
})

t.test('@fastify/jwt: the config guard runs before a route\'s own onRequest hooks, so getUser verifies the login itself', async (t) => {
  const gateway = smsGateway()
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyJwt, { secret: JWT_SECRET })
  await app.register(stepUp, {
    secret: SECRET,
    // Reads request.user only: right only where something verified the login before the guard.
    getUser (request) {
      const user = request.user as LoginClaims | undefined
      return user ? { id: user.sub, sessionId: user.sid, phones: [PHONE] } : null
    },
    sms: { send: gateway.send }
  })
  const authenticate = async (request: { jwtVerify (): Promise<unknown> }) => { await request.jwtVerify() }
  app.get('/config-form', { onRequest: authenticate, config: { stepUp: true } }, async () => ({ ok: true }))
  app.get('/hook-form', { onRequest: [authenticate, app.requireStepUp()] }, async () => ({ ok: true }))
  await app.ready()

  const headers = { authorization: `Bearer ${app.jwt.sign({ sub: 'alice', sid: 's1' })}` }
  const early = await app.inject({ url: '/config-form', headers })
  t.equal(early.json().code, 'FST_STEP_UP_UNAUTHENTICATED', 'config: { stepUp } ran before the route\'s authenticate hook: no request.user yet')
  t.ok(isStepUpChallenge(await app.inject({ url: '/hook-form', headers })), 'the hook form runs in the order the array gives: authenticate first')
})

t.test('@fastify/session: the session id is the step-up session; rotating the session or logging out ends the step-up', async (t) => {
  const gateway = smsGateway()
  const clock = new Clock() // moved past the 30-second resend wait before the second step-up
  clock.travel(Date.now())
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(fastifyCookie)
  await app.register(fastifySession, { secret: SESSION_SECRET, cookie: { secure: false }, saveUninitialized: false })
  await app.register(stepUp, {
    secret: SECRET,
    getUser (request) {
      const userId = request.session.get('userId')
      return userId ? { id: userId, sessionId: request.session.sessionId, phones: [PHONE] } : null
    },
    sms: { send: gateway.send },
    clock
  })
  app.post('/login', async (request) => {
    await request.session.regenerate() // a new session id at login: no session fixation
    request.session.set('userId', 'alice')
    return { ok: true }
  })
  // What an app does after a password change or on a privilege change: a new session id, same user.
  app.post('/session/rotate', async (request) => {
    await request.session.regenerate(['userId'])
    return { ok: true }
  })
  app.post('/logout', async (request) => {
    await request.session.destroy()
    return { ok: true }
  })
  app.get('/documents/:id', { config: { stepUp: { maxAge: '5m' } } }, async (request) => ({ sid: request.stepUp!.sid }))
  await app.ready()

  const browser = cookieJar(app)
  await browser.post('/login')
  const sessionId = browser.cookie()
  t.ok(sessionId, 'the login set the session cookie')

  t.ok(isStepUpChallenge(await browser.get('/documents/1')), 'a logged-in user without a step-up gets the challenge')
  const token = await stepUpBySms(app, browser.headers(), gateway)
  const passed = await browser.get('/documents/1', { 'x-step-up-token': token })
  t.equal(passed.statusCode, 200)
  const sid = passed.json().sid as string
  t.ok(sessionId.startsWith(`${sid}.`), 'the token is bound to request.session.sessionId (the signed cookie holds it)')

  await browser.post('/session/rotate')
  t.not(browser.cookie(), sessionId, 'a new session id')
  const rotated = await browser.get('/documents/1', { 'x-step-up-token': token })
  t.ok(isStepUpChallenge(rotated), 'still logged in, but the old step-up token no longer counts')
  t.equal(rotated.json().code, 'FST_STEP_UP_TOKEN_INVALID')
  clock.advance(31_000)
  const again = await stepUpBySms(app, browser.headers(), gateway)
  t.equal((await browser.get('/documents/1', { 'x-step-up-token': again })).statusCode, 200, 'a step-up in the new session passes')

  await browser.post('/logout')
  const loggedOut = await browser.get('/documents/1', { 'x-step-up-token': again })
  t.equal(loggedOut.statusCode, 401)
  t.equal(loggedOut.json().code, 'FST_STEP_UP_UNAUTHENTICATED', 'after logout the old cookie names no session: nobody is logged in')

  await browser.post('/login')
  const nextLogin = await browser.get('/documents/1', { 'x-step-up-token': again })
  t.ok(isStepUpChallenge(nextLogin), 'logged in again: a new session, so the step-up from the last one is refused')
})

t.test('Express: getUser verifies a bearer JWT (jose); a step-up token works only in its login session', async (t) => {
  const gateway = smsGateway()
  const key = new TextEncoder().encode(JWT_SECRET)
  const stepUp = createStepUp({
    secret: SECRET,
    async getUser (req) {
      const [scheme, jwt] = req.headers.authorization?.split(' ') ?? []
      if (scheme !== 'Bearer' || !jwt) return null
      try {
        const { payload } = await jwtVerify<{ sid?: unknown }>(jwt, key, { algorithms: ['HS256'] })
        return typeof payload.sub === 'string' && typeof payload.sid === 'string'
          ? { id: payload.sub, sessionId: payload.sid, phones: [PHONE] }
          : null
      } catch {
        return null
      }
    },
    sms: { send: gateway.send }
  })
  const app = express()
  app.use(stepUp.router)
  app.get('/documents/:id', stepUp.requireStepUp({ maxAge: '5m' }), (req, res) => { res.json({ sid: req.stepUp!.sid }) })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const login = async (sid: string) => ({ authorization: `Bearer ${await new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(key)}` })
  const call = (url: string, headers: Record<string, string>, body?: object) => fetch(base + url, {
    method: body ? 'POST' : 'GET',
    headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(body ? { body: JSON.stringify(body) } : {})
  })
  const first = await login('s-1')

  const challenge = await call('/documents/1', first)
  t.equal(challenge.status, 401)
  t.match(challenge.headers.get('www-authenticate'), /insufficient_user_authentication/)
  const { methods } = await (await call('/step-up/methods', first)).json() as { methods: Array<{ destinations: Array<{ id: string }> }> }
  const sent = await call('/step-up/sms/send', first, { destinationId: methods[0]!.destinations[0]!.id })
  t.equal(sent.status, 202)
  const { challengeId } = await sent.json() as { challengeId: string }
  const verified = await call('/step-up/sms/verify', first, { challengeId, code: gateway.lastCode() })
  const { token } = await verified.json() as { token: string }

  const passed = await call('/documents/1', { ...first, 'x-step-up-token': token })
  t.same(await passed.json(), { sid: 's-1' })
  const elsewhere = await call('/documents/1', { ...(await login('s-2')), 'x-step-up-token': token })
  t.equal(elsewhere.status, 401)
  t.equal((await elsewhere.json() as { code: string }).code, 'FST_STEP_UP_TOKEN_INVALID', 'another login session: refused')
  const nobody = await call('/documents/1', { 'x-step-up-token': token })
  t.equal((await nobody.json() as { code: string }).code, 'FST_STEP_UP_UNAUTHENTICATED')
})

/** A client that keeps the cookies a Fastify app sets, as a browser would, over inject. */
function cookieJar (app: FastifyInstance) {
  const cookies = new Map<string, string>()
  const headers = (): Record<string, string> => cookies.size ? { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}
  async function send (method: 'GET' | 'POST', url: string, extra: Record<string, string> = {}) {
    const reply = await app.inject({ method, url, headers: { ...headers(), ...extra } })
    for (const { name, value } of reply.cookies) cookies.set(name, value)
    return reply
  }
  return {
    headers,
    /** The session cookie's value (the signed session id). */
    cookie: () => cookies.get('sessionId') ?? '',
    get: (url: string, extra?: Record<string, string>) => send('GET', url, extra),
    post: (url: string) => send('POST', url)
  }
}

// What the composition tests share (test/compose-*.test.ts): the app's SMS gateway, which keeps the
// codes it is asked to send, a step-up by SMS through the plugin's own routes, and an API with a
// @fastify/jwt login.
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import stepUp, { type SmsMessage } from '../../lib/index.js'
import { SECRET } from './app.js'

/** The phone on every test user's profile: where the SMS codes go. */
export const PHONE = '+1 555 010 0123'

/**
 * The login token the app signs with @fastify/jwt: who, and which login session. (An app declares
 * it as @fastify/jwt's `FastifyJWT` payload and user; the tests cast, as the bench has its own.)
 */
export interface LoginClaims {
  sub: string
  sid: string
}

/** The app's `sms.send`: it keeps each message, as a person's phone would. */
export function smsGateway () {
  const messages: SmsMessage[] = []
  return {
    messages,
    send: async (message: SmsMessage) => { messages.push(message) },
    /** The code of the last text message. */
    lastCode (): string {
      const last = messages.at(-1)
      if (!last) throw new Error('no text message was sent')
      return last.code
    }
  }
}

export type SmsGateway = ReturnType<typeof smsGateway>

/**
 * A whole step-up by SMS with the login `headers` (GET /methods, POST /sms/send, the code the
 * gateway got, POST /sms/verify); resolves with the token. Throws on any unexpected status.
 */
export async function stepUpBySms (app: FastifyInstance, headers: Record<string, string>, gateway: SmsGateway): Promise<string> {
  const methods = await app.inject({ url: '/step-up/methods', headers })
  if (methods.statusCode !== 200) throw new Error(`GET /step-up/methods: ${methods.statusCode} ${methods.body}`)
  const sms = (methods.json().methods as Array<{ method: string, destinations?: Array<{ id: string }> }>).find(({ method }) => method === 'sms')
  const destinationId = sms?.destinations?.[0]?.id
  if (!destinationId) throw new Error(`no SMS destination in ${methods.body}`)
  const sent = await app.inject({ method: 'POST', url: '/step-up/sms/send', headers, payload: { destinationId } })
  if (sent.statusCode !== 202) throw new Error(`POST /step-up/sms/send: ${sent.statusCode} ${sent.body}`)
  const verified = await app.inject({
    method: 'POST',
    url: '/step-up/sms/verify',
    headers,
    payload: { challengeId: sent.json().challengeId, code: gateway.lastCode() }
  })
  if (verified.statusCode !== 200) throw new Error(`POST /step-up/sms/verify: ${verified.statusCode} ${verified.body}`)
  return verified.json().token
}

export const JWT_SECRET = 'the-app-login-secret-of-at-least-32-bytes'

export interface ApiOptions {
  /** Plugins the app registers before fastify-step-up, in this order (helmet, CORS, ...). */
  before?: Array<(app: FastifyInstance) => PromiseLike<unknown>>
  /** And after it. */
  after?: Array<(app: FastifyInstance) => PromiseLike<unknown>>
}

/**
 * An API as docs/composition.md sets one up: a bearer login from @fastify/jwt (its `sid` claim is
 * the session), fastify-step-up with SMS codes, and GET /documents/:id behind `config: { stepUp }`,
 * with the app's other plugins before or after the step-up plugin.
 */
export async function jwtApi (t: Test, { before = [], after = [] }: ApiOptions = {}) {
  const gateway = smsGateway()
  const app = Fastify()
  t.teardown(() => app.close())
  let getUserCalls = 0
  for (const plugin of before) await plugin(app)
  await app.register(fastifyJwt, { secret: JWT_SECRET })
  await app.register(stepUp, {
    secret: SECRET,
    async getUser (request) {
      getUserCalls++
      try {
        await request.jwtVerify()
      } catch {
        return null
      }
      const { sub, sid } = request.user as LoginClaims
      return { id: sub, sessionId: sid, phones: [PHONE] }
    },
    sms: { send: gateway.send }
  })
  for (const plugin of after) await plugin(app)
  app.get('/documents/:id', { config: { stepUp: { maxAge: '5m' } } }, async (request) => ({
    id: (request.params as { id: string }).id,
    steppedUpAt: request.stepUp!.auth_time
  }))
  await app.ready()
  return {
    app,
    gateway,
    /** How many times the plugin asked who is logged in. */
    getUserCalls: () => getUserCalls,
    /** The Authorization header of a login (every user has PHONE). */
    login: (sid = 's1', sub = 'alice') => `Bearer ${app.jwt.sign({ sub, sid })}`
  }
}

// The example app, ready to listen: password login with @fastify/jwt access tokens, then an emailed
// one-time code before a sensitive document can be read. server.ts starts one with the default
// MemoryStore; examples/redis starts two that share a RedisStore.
import { randomBytes } from 'node:crypto'
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import stepUp, { type FastifyStepUpOptions, type PasskeyRelyingParty, type StepUpStore } from 'fastify-step-up'
import type { Transporter } from 'nodemailer'
import { demoFactors, demoMethods, stepUpView, type DemoFactors, type DemoSheet } from './factors.js'
import { checkLogin, findUserById } from './users.js'

/** What the access token carries: who logged in, and which login session this is. */
interface AccessClaims {
  sub: string
  sid: string
}

// Dev defaults so the demo starts with no setup. They are public, so anyone could forge tokens with
// them: set both variables (32+ random bytes each) anywhere that is not your own machine.
const DEV_STEP_UP_SECRET = 'DEV-ONLY step-up secret, public, never use in production'
const DEV_JWT_SECRET = 'DEV-ONLY access-token secret, public, never use in production'

export interface ExampleAppOptions {
  /** Where step-up codes go. The app does not close it: the caller made it. */
  mailer: Transporter
  /** Where step-up state lives. Default: the plugin's MemoryStore, right for one instance only. */
  store?: StepUpStore
  /** Names the instance in every log line, when several run. */
  instance?: string
  /** Plugin options over the demo's own (the web demo's dev clock, lockout and SMS inbox). */
  stepUp?: Partial<FastifyStepUpOptions>
  /** Turns passkeys on, registered through the factor routes (the web demo: `rpID: 'localhost'` and the page's origin). */
  passkey?: PasskeyRelyingParty
  /** The demo user's factors, shared by several instances (as a database would be). Default: made here. */
  demo?: { factors: DemoFactors, sheet: DemoSheet }
}

/** The app, and the sheet that tells a developer how to use the demo user's factors. */
export type ExampleApp = FastifyInstance & { demo: DemoSheet }

export async function buildApp ({ mailer, store, instance, stepUp: overrides, passkey, demo }: ExampleAppOptions): Promise<ExampleApp> {
  // Logs go through process.stdout, which writes synchronously to a pipe or terminal, so they stay in
  // order with the walk-through and the dev mails printed by console.log.
  const app = Fastify({ logger: { stream: process.stdout, ...(instance ? { base: { instance } } : {}) } })

  for (const [name, value] of [['STEP_UP_SECRET', process.env.STEP_UP_SECRET], ['JWT_SECRET', process.env.JWT_SECRET]]) {
    if (!value) app.log.warn(`${name} is not set: using the public dev default. Set it outside development.`)
  }

  await app.register(fastifyJwt, {
    secret: process.env.JWT_SECRET || DEV_JWT_SECRET,
    sign: { expiresIn: '1h' }
  })

  app.post<{ Body: { email: string, password: string } }>('/login', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['email', 'password'],
        properties: {
          email: { type: 'string', minLength: 3, maxLength: 254 },
          password: { type: 'string', minLength: 1, maxLength: 1024 }
        }
      }
    }
  }, async (request, reply) => {
    const user = await checkLogin(request.body.email, request.body.password)
    // One message for both a wrong password and an unknown email: it must not reveal who has an account.
    if (!user) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'Wrong email or password' })
    // A fresh session id per login: step-up tokens are bound to it, so they die with this login.
    const claims: AccessClaims = { sub: user.id, sid: randomBytes(16).toString('base64url') }
    return { accessToken: await reply.jwtSign(claims) }
  })

  // Alice has every factor, so the demo can show every method. The managed ones (app, backup codes,
  // PIN, passkeys) live in a MemoryFactorStorage: GET /step-up/factors lists them, and changes made
  // through the factor routes work for a step-up at once.
  const { factors, sheet } = demo ?? await demoFactors()

  await app.register(stepUp, {
    secret: process.env.STEP_UP_SECRET || DEV_STEP_UP_SECRET,
    // The plugin asks the app who is logged in; an absent or bad access token means nobody.
    async getUser (request) {
      let claims: AccessClaims
      try {
        claims = await request.jwtVerify<AccessClaims>()
      } catch {
        return null
      }
      const user = findUserById(claims.sub)
      if (!user) return null
      return stepUpView(user, claims.sid, factors)
    },
    email: { from: 'Example Security <security@example.com>', transport: mailer },
    ...demoMethods(factors, passkey),
    ...(store ? { store } : {}),
    ...overrides
  })

  app.get<{ Params: { id: string } }>('/documents/:id', {
    // onRequest: refused before the request is read any further.
    onRequest: app.requireStepUp({ maxAge: '5m' })
  }, async (request) => {
    return {
      id: request.params.id,
      title: 'Quarterly payroll',
      text: 'Only people who proved themselves in the last 5 minutes can read this.',
      steppedUpAt: new Date(request.stepUp!.auth_time * 1000).toISOString()
    }
  })

  return Object.assign(app as FastifyInstance, { demo: sheet })
}

/** The address a client can reach the app at, with the port the OS gave when the port was 0. */
export function reachableBase (app: FastifyInstance, host: string): string {
  const { port } = app.server.address() as { port: number }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${shownHost}:${port}`
}

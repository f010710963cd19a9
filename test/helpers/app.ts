// A Fastify app with the plugin, a real SMTP mailbox and a clock the test moves.
import { Clock } from '@tapjs/clock'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import nodemailer from 'nodemailer'
import stepUp, { type EmailOptions, type FastifyStepUpOptions, type StepUpStore, type StepUpUser } from '../../lib/index.js'
import { codeIn, startMailbox, type Mailbox } from './smtp.js'

export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long'

export const users: Record<string, Omit<StepUpUser, 'sessionId'>> = {
  alice: { id: 'alice', emails: ['alice@example.com', 'Alice.Work@Example.org'], factors: { email: true } },
  bob: { id: 'bob', emails: ['bob@example.com'] },
  carol: { id: 'carol', emails: [] },
  dave: { id: 'dave', emails: ['dave@example.com', ' DAVE@example.com'] },
  erin: { id: 'erin' }
}

/** Request headers for a logged-in user; the test app's "login" is these two headers. */
export function as (user: string, session = 's1'): Record<string, string> {
  return { 'x-user': user, 'x-session': session }
}

export interface TestApp {
  app: FastifyInstance
  mailbox: Mailbox
  clock: Clock
}

export interface BuildOptions {
  /** Plugin options that replace the test defaults. */
  plugin?: Partial<FastifyStepUpOptions>
  /** Email options merged over the defaults (which send to the test's own SMTP server). */
  email?: Partial<EmailOptions>
  /** Builds the store with the test's clock. Default: the plugin's own MemoryStore. */
  store?: (clock: Clock) => StepUpStore
  /** Fastify server options (a logger, say). */
  fastify?: FastifyServerOptions
  /** Adds routes before the app is ready. */
  routes?: (app: FastifyInstance) => void
}

export async function buildApp (t: Test, build: BuildOptions = {}): Promise<TestApp> {
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const clock = new Clock()
  clock.travel(Date.UTC(2026, 0, 1))
  const transport = nodemailer.createTransport({ url: mailbox.url, ignoreTLS: true } as never)
  t.teardown(() => transport.close())
  const app = Fastify(build.fastify)
  t.teardown(() => app.close())
  await app.register(stepUp, {
    secret: SECRET,
    clock,
    getUser (request) {
      const id = request.headers['x-user']
      const user = typeof id === 'string' ? users[id] : undefined
      return user ? { ...user, sessionId: String(request.headers['x-session']) } : null
    },
    email: { from: 'Security <security@example.com>', transport, ...build.email },
    ...(build.store ? { store: build.store(clock) } : {}),
    ...build.plugin
  })
  app.get('/documents/:id', { onRequest: app.requireStepUp({ maxAge: '5m' }) }, async (request) => {
    return { id: (request.params as { id: string }).id, stepUp: request.stepUp }
  })
  build.routes?.(app)
  await app.ready()
  return { app, mailbox, clock }
}

/** Sends a code to `email` as `user` and returns the challenge reply and the code from the mailbox. */
export async function sendCode (
  { app, mailbox }: TestApp,
  user: string,
  email: string,
  session = 's1'
): Promise<{ challengeId: string, code: string }> {
  const reply = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as(user, session), payload: { email } })
  if (reply.statusCode !== 202) throw new Error(`send failed: ${reply.statusCode} ${reply.body}`)
  const mail = await mailbox.next()
  return { challengeId: reply.json().challengeId, code: codeIn(mail) }
}

/** The whole flow: send, read the mail, verify; returns the token. */
export async function stepUpToken (testApp: TestApp, user = 'alice', email = 'alice@example.com', session = 's1'): Promise<string> {
  const { challengeId, code } = await sendCode(testApp, user, email, session)
  const reply = await testApp.app.inject({
    method: 'POST',
    url: '/step-up/email/verify',
    headers: as(user, session),
    payload: { challengeId, code }
  })
  if (reply.statusCode !== 200) throw new Error(`verify failed: ${reply.statusCode} ${reply.body}`)
  return reply.json().token
}

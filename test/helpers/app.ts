// The app every scenario runs against, built on Fastify or on Express with the same options, the
// same users and the same guarded routes, served over real HTTP on loopback. A real SMTP mailbox
// receives the codes and a clock the test moves tells the time.
import { once } from 'node:events'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { Clock } from '@tapjs/clock'
import express from 'express'
import Fastify from 'fastify'
import nodemailer from 'nodemailer'
import type { Test } from 'tap'
import { createStepUp } from '../../lib/express/index.js'
import { generateBackupCodes } from '../../lib/methods/backup-code/enroll.js'
import { hashPin, verifyPin } from '../../lib/methods/pin/enroll.js'
import { hashAnswer } from '../../lib/methods/security-questions/enroll.js'
import { createLoginRadius } from '../../lib/compat/loginradius/express.js'
import { loginRadius, loginRadiusAccessToken, type LoginRadiusOptions } from '../../lib/compat/loginradius/index.js'
import stepUp, {
  type EmailOptions,
  type PasskeyCredential,
  type PasskeyOptions,
  type SmsMessage,
  type StepUpOptions,
  type StepUpRequirement,
  type StepUpStore,
  type StepUpUser
} from '../../lib/index.js'
import { ORIGIN, RP_ID } from './passkey.js'
import { codeIn, startMailbox, type Mailbox } from './smtp.js'

export type Framework = 'fastify' | 'express'
export const frameworks: Framework[] = ['fastify', 'express']

export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long'

export const users: Record<string, Omit<StepUpUser, 'sessionId'>> = {
  alice: {
    id: 'alice',
    emails: ['alice@example.com', 'Alice.Work@Example.org'],
    phones: ['+1 (555) 010-0123'],
    factors: { email: true, sms: true, totp: true, backupCodes: true, pin: true }
  },
  bob: { id: 'bob', emails: ['bob@example.com'] },
  carol: { id: 'carol', emails: [] },
  dave: { id: 'dave', emails: ['dave@example.com', ' DAVE@example.com'] },
  erin: { id: 'erin', factors: { password: false } },
  // A verified phone but no SMS authenticator enrolled; an app enrolled but its secret lost.
  frank: { id: 'frank', phones: ['020 7946 0958'] },
  grace: { id: 'grace', factors: { totp: true } }
}

/** Alice's authenticator-app secret (base32), her password, PIN and security answers. */
export const ALICE = {
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  password: 'wonderland',
  pin: '2468',
  answers: { pet: 'Dinah', city: 'Oxford' } as Record<string, string>
}

// scrypt is slow on purpose: hash the PIN and answers once per test process.
const hashed = (async () => ({
  pin: await hashPin(ALICE.pin),
  pet: await hashAnswer(ALICE.answers.pet!),
  city: await hashAnswer(ALICE.answers.city!)
}))()

/** Request headers for a logged-in user; the test app's "login" is these two headers. */
export function as (user: string, session = 's1'): Record<string, string> {
  return { 'x-user': user, 'x-session': session }
}

/** What both frameworks' requests have, and all the test app's getUser reads. */
type HttpRequest = { headers: IncomingHttpHeaders, url?: string }

/** The API key and secret of the LoginRadius-compatible routes (`compat: true`). */
export const LR_API_KEY = '4f6e2a9c-1d3b-4c8e-9a7f-2b5d8e1c0a63'
export const LR_API_SECRET = 'c3a1e9f7-5b2d-4e8a-b6c4-9d0f2a7e1b58'

/** The access token a LoginRadius client holds for a user and session (`compat: true`). */
export function accessToken (user: string, session = 's1'): string {
  return `at.${user}.${session}`
}

/** With the compatible routes on, getUser also knows access tokens, from either place they come. */
function userFromAccessToken (request: HttpRequest): StepUpUser | null {
  const [kind, id, session] = loginRadiusAccessToken(request)?.split('.') ?? []
  const user = kind === 'at' && id !== undefined && Object.hasOwn(users, id) ? users[id] : undefined
  return user ? { ...user, sessionId: String(session) } : null
}

/** The test app's getUser: the user named in x-user, in the session named in x-session. */
function userFromHeaders (request: HttpRequest): StepUpUser | null {
  const id = request.headers['x-user']
  const session = request.headers['x-session']
  // Only the table's own users (not "__proto__"), and only with a session, like a real login.
  const user = typeof id === 'string' && Object.hasOwn(users, id) ? users[id] : undefined
  return user && typeof session === 'string' && session !== '' ? { ...user, sessionId: session } : null
}

export interface InjectOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD'
  url: string
  headers?: Record<string, string | string[]>
  /** Sent as JSON. */
  payload?: unknown
  /** Sent as it is, with no content type unless the headers name one. */
  body?: string
  /** Send `body` chunked (no content-length), as a stream. */
  chunked?: boolean
}

export interface Reply {
  statusCode: number
  headers: Record<string, string>
  body: string
  json (): any
}

/** An HTTP client with the shape of Fastify's inject, so scenarios read the same for both frameworks. */
export interface Client {
  inject (options: InjectOptions): Promise<Reply>
}

function clientFor (base: string): Client {
  return {
    async inject ({ method = 'GET', url, headers = {}, payload, body, chunked = false }) {
      const sent = new Headers()
      for (const [name, value] of Object.entries(headers)) {
        for (const one of Array.isArray(value) ? value : [value]) sent.append(name, one)
      }
      if (payload !== undefined && !sent.has('content-type')) sent.set('content-type', 'application/json')
      // Bytes, not a string: fetch would add a text/plain content type to a string.
      const bytes = payload !== undefined ? Buffer.from(JSON.stringify(payload)) : body === undefined ? undefined : Buffer.from(body)
      const response = await fetch(base + url, {
        method,
        headers: sent,
        body: chunked && bytes ? new Blob([bytes]).stream() : bytes,
        ...(chunked ? { duplex: 'half' } : {})
      } as RequestInit)
      const text = await response.text()
      return {
        statusCode: response.status,
        headers: Object.fromEntries(response.headers),
        body: text,
        json: () => JSON.parse(text)
      }
    }
  }
}

/**
 * A route guarded by `requirement`; it answers `{ ok: true, stepUp }`. A POST route reads a JSON
 * body first (Fastify: the guard runs as preHandler; Express: after express.json()), which a
 * requirement with `actionData` needs.
 */
export interface GuardedRoute {
  url: string
  method?: 'GET' | 'POST'
  requirement?: StepUpRequirement | true
}

export interface BuildOptions {
  framework?: Framework
  /** Every method on (SMS, app, backup codes, password, PIN, questions), not just email. Default false. */
  allMethods?: boolean
  /** Options that replace the test defaults. */
  plugin?: Partial<StepUpOptions<HttpRequest>>
  /** Email options merged over the defaults (which send to the test's own SMTP server). */
  email?: Partial<EmailOptions>
  /** Builds the store with the test's clock. Default: the plugin's own MemoryStore. */
  store?: (clock: Clock) => StepUpStore
  /** Collects the adapter's log lines (Fastify's logger, or the Express adapter's logger), as JSON. */
  logs?: string[]
  /** More guarded routes besides GET /documents/:id (maxAge 5m). */
  routes?: GuardedRoute[]
  /**
   * The LoginRadius-compatible routes mounted (fastify-step-up/loginradius), with LR_API_KEY and
   * LR_API_SECRET (and these options over them).
   */
  compat?: boolean | Partial<LoginRadiusOptions>
  /** Passkeys on, for RP_ID and ORIGIN, with the credentials in `TestApp.passkeys` (and these options over them). */
  passkey?: boolean | Partial<PasskeyOptions>
}

export interface TestApp {
  framework: Framework
  /** Text messages the SMS gateway was asked to send. */
  sms: SmsMessage[]
  /** While `down` is true the SMS gateway refuses every message. */
  gateway: { down: boolean }
  /** Alice's unused backup codes (each works once). */
  backupCodes: string[]
  /** The app's passkey records by user id (with `passkey`); updateCounter raises a stored counter only. */
  passkeys: Map<string, PasskeyCredential[]>
  app: Client
  mailbox: Mailbox
  clock: Clock
  /** The adapter's verifyToken (fastify.stepUp.verifyToken, or stepUp.verifyToken for Express). */
  verifyToken (token: string, context: { user: StepUpUser, session?: string, requirement?: StepUpRequirement, data?: unknown }): Promise<unknown>
  /** The adapter's verified-token cache counters. */
  tokenCacheStats (): { hits: number, misses: number, size: number }
}

export async function buildApp (t: Test, build: BuildOptions = {}): Promise<TestApp> {
  const framework = build.framework ?? 'fastify'
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const clock = new Clock()
  clock.travel(Date.UTC(2026, 0, 1))
  const transport = nodemailer.createTransport({ url: mailbox.url, ignoreTLS: true } as never)
  t.teardown(() => transport.close())
  const sms: SmsMessage[] = []
  const gateway = { down: false }
  const { codes: backupCodes, hashes } = generateBackupCodes({ count: 5 })
  const unusedHashes = new Set(hashes)
  const otherMethods = methodsFor(sms, gateway, unusedHashes, await hashed)
  const passkeys = new Map<string, PasskeyCredential[]>()
  const options = {
    secret: SECRET,
    clock,
    getUser: build.compat ? (request: HttpRequest) => userFromHeaders(request) ?? userFromAccessToken(request) : userFromHeaders,
    email: { from: 'Security <security@example.com>', transport, ...build.email },
    // Notifications (on by default) would put mails and events of their own beside the ones each
    // test reads: test/notify-flow.test.ts turns them back on.
    notifications: false,
    ...(build.allMethods ? otherMethods : {}),
    ...(build.passkey ? { passkey: { ...passkeyOptions(passkeys), ...(build.passkey === true ? {} : build.passkey) } } : {}),
    ...(build.store ? { store: build.store(clock) } : {}),
    ...build.plugin
  } as StepUpOptions<HttpRequest>
  const routes: GuardedRoute[] = [...build.routes ?? []]
  const loginradius = build.compat ? { apiKey: LR_API_KEY, apiSecret: LR_API_SECRET, ...(build.compat === true ? {} : build.compat) } : undefined
  return serve(t, framework, options, routes, { loginradius, sms, gateway, backupCodes, passkeys, mailbox, clock, logs: build.logs })
}

/** The app's side of passkeys: its records, and a conditional counter update (only ever up). */
function passkeyOptions (passkeys: Map<string, PasskeyCredential[]>): PasskeyOptions {
  return {
    rpID: RP_ID,
    rpName: 'Example',
    origin: ORIGIN,
    getCredentials: (user) => passkeys.get(user.id) ?? [],
    updateCounter (user, credentialId, counter) {
      const stored = passkeys.get(user.id)?.find(({ id }) => id === credentialId)
      if (!stored || stored.counter >= counter) return false
      stored.counter = counter
      return true
    }
  }
}

/** The other methods, wired to Alice's credentials. */
function methodsFor (sms: SmsMessage[], gateway: { down: boolean }, unusedHashes: Set<string>, hashes: { pin: string, pet: string, city: string }) {
  const { pin, pet, city } = hashes
  return {
    // The SMS gateway cannot run here: this one records what it was asked to send.
    sms: {
      send: async (message: SmsMessage) => {
        if (gateway.down) throw new Error('gateway timeout')
        sms.push(message)
      }
    },
    totp: { getSecret: (user: StepUpUser) => user.id === 'alice' ? ALICE.totpSecret : null },
    backupCodes: { consume: (user: StepUpUser, hash: string) => user.id === 'alice' && unusedHashes.delete(hash) },
    password: { verify: (user: StepUpUser, password: string) => user.id !== 'erin' && password === ALICE.password },
    pin: { verify: (user: StepUpUser, given: string) => user.id === 'alice' && verifyPin(given, pin) },
    securityQuestions: {
      getQuestions: (user: StepUpUser) => user.id === 'alice'
        ? [{ id: 'pet', question: "Your first pet's name?", answerHash: pet }, { id: 'city', question: 'Where were you born?', answerHash: city }]
        : []
    }
  }
}

async function serve (
  t: Test,
  framework: Framework,
  options: StepUpOptions<HttpRequest>,
  routes: GuardedRoute[],
  parts: { loginradius: LoginRadiusOptions | undefined, sms: SmsMessage[], gateway: { down: boolean }, backupCodes: string[], passkeys: Map<string, PasskeyCredential[]>, mailbox: Mailbox, clock: Clock, logs?: string[] | undefined }
): Promise<TestApp> {
  const { loginradius: compat, sms, gateway, backupCodes, passkeys, mailbox, clock, logs: lines } = parts

  if (framework === 'fastify') {
    const logger = lines ? { level: 'trace', stream: collect(lines) } : false
    const app = Fastify({ logger })
    t.teardown(() => app.close())
    await app.register(stepUp, options)
    if (compat) await app.register(loginRadius, compat)
    app.get<{ Params: { id: string } }>('/documents/:id', { onRequest: app.requireStepUp({ maxAge: '5m' }) }, async (request) => {
      return { id: request.params.id, stepUp: request.stepUp }
    })
    for (const route of routes) {
      const guard = app.requireStepUp(route.requirement)
      app.route({
        method: route.method ?? 'GET',
        url: route.url,
        ...(route.method === 'POST' ? { preHandler: guard } : { onRequest: guard }),
        handler: async (request) => ({ ok: true, stepUp: request.stepUp })
      })
    }
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    return { framework, sms, gateway, backupCodes, passkeys, app: clientFor(`http://127.0.0.1:${port}`), mailbox, clock, verifyToken: (token, context) => app.stepUp.verifyToken(token, context), tokenCacheStats: () => app.stepUp.tokenCacheStats() }
  }

  const adapter = createStepUp({
    ...options,
    ...(lines
      ? {
          logger: {
            info: (details, msg) => { lines.push(JSON.stringify({ level: 30, ...details, msg })) },
            warn: (details, msg) => { lines.push(JSON.stringify({ level: 40, ...details, msg })) },
            error: (details, msg) => { lines.push(JSON.stringify({ level: 50, ...details, msg, cause: String((details as { err?: Error }).err?.cause) })) }
          }
        }
      : {})
  })
  t.teardown(() => adapter.close())
  const app = express()
  app.use(adapter.router)
  if (compat) app.use(createLoginRadius(adapter, compat))
  app.get('/documents/:id', adapter.requireStepUp({ maxAge: '5m' }), (req, res) => {
    res.json({ id: req.params.id, stepUp: req.stepUp })
  })
  for (const route of routes) {
    const answer = (req: express.Request, res: express.Response) => { res.json({ ok: true, stepUp: req.stepUp }) }
    if (route.method === 'POST') app.post(route.url, express.json(), adapter.requireStepUp(route.requirement), answer)
    else app.get(route.url, adapter.requireStepUp(route.requirement), answer)
  }
  // Like Fastify's default: an unexpected error is a JSON 500.
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: err.message })
  })
  const server: Server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  const { port } = server.address() as AddressInfo
  return { framework, sms, gateway, backupCodes, passkeys, app: clientFor(`http://127.0.0.1:${port}`), mailbox, clock, verifyToken: (token, context) => adapter.verifyToken(token, context), tokenCacheStats: () => adapter.tokenCacheStats() }
}

function collect (lines: string[]): Writable {
  return new Writable({
    write (chunk, _encoding, callback) {
      lines.push(chunk.toString())
      callback()
    }
  })
}

/** Sends a code to `email` as `user` and returns the challenge id and the code from the mailbox. */
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

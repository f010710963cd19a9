// What the benchmark's processes share: the secrets, the users, a mail transport that drops every
// mail, and the small protocol the orchestrator speaks with its child processes.
import { createHmac } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import nodemailer, { type Transport, type Transporter } from 'nodemailer'
import Fastify, { type FastifyInstance } from 'fastify'
import stepUp, { type StepUpStore, type StepUpUser } from '../lib/index.js'

/** The plugin secret of every app under test; the orchestrator mints tokens with it. */
export const SECRET = 'bench-only-secret-that-is-at-least-32-bytes-long'
/** @fastify/jwt's secret, for the comparison route. */
export const JWT_SECRET = 'bench-only-jwt-secret-at-least-32-bytes-long'
/** Tokens are minted before the run starts: they must outlive it. */
export const TOKEN_TTL = '1h'
export const TOKEN_TTL_MS = 60 * 60 * 1000
/** The plugin's default issuer and audience, which the apps under test keep. */
export const ISSUER = 'fastify-step-up'
export const AUDIENCE = 'fastify-step-up'
/** The route every HTTP variant serves. */
export const ROUTE = '/resource'
/** The same route without a guard, in the app that has the plugin: what the plugin costs every other route. */
export const OPEN_ROUTE = '/open'
/** The several-processes measurement: its single-use route, and users enough that no per-user limit bites. */
export const SINGLE_USE_ROUTE = '/wire'
export const CYCLE_USERS = 10_000
/** The one user of the guard benchmark, found by the headers below. */
export const GUARD_USER: StepUpUser = { id: 'user-1', sessionId: 'session-1', emails: ['user-1@example.com'] }
export const LOGIN_HEADERS = { 'x-user': GUARD_USER.id, 'x-session': GUARD_USER.sessionId }

/** The HTTP servers under test, one child process each. */
export type ServerKind = 'bare' | 'floor' | 'step-up' | 'step-up-nocache' | 'jwt'

/** Parent to child. */
export type ToChild =
  | { type: 'sample', id: number }
  | { type: 'cycles', id: number, store: 'memory' | 'redis', ms: number, concurrency: number }
  | { type: 'floor', id: number, ms: number }
  | { type: 'close' }

/** Child to parent. */
export type FromChild =
  | { type: 'ready', port?: number, jwt?: string, redis?: boolean }
  | { type: 'sample', id: number, cpu: NodeJS.CpuUsage, heapUsed: number, cache?: { hits: number, misses: number } }
  | { type: 'cycles', id: number, cycles: number, failures: number, wallMs: number, cpu: NodeJS.CpuUsage, firstFailure?: string }
  | { type: 'memory', results: MemoryResult[] }
  | { type: 'floor', id: number, ops: number, cpu: NodeJS.CpuUsage, sink: number }
  /** A code an app process of the several-processes measurement sent, for the load generator. */
  | { type: 'code', to: string, code: string }
  | { type: 'error', message: string }

export interface MemoryResult {
  label: string
  count: number
  heapDelta: number
  bytesPer: number
}

/** Sends to the parent; a child started without IPC is a mistake. */
/**
 * The floor of a cold token check: what no HS256 check can skip for a token it has not seen. One
 * HMAC-SHA256 over the signed part with node:crypto, its base64url, and the payload decoded and
 * parsed. Run in a loop (floor.ts) and as the hook of a bare route (server.ts, kind `floor`); the
 * result is returned so the work cannot be optimized away.
 */
export function floorCheck (key: Uint8Array, token: string): number {
  const end = token.lastIndexOf('.')
  const signed = token.slice(0, end)
  const mac = createHmac('sha256', key).update(signed).digest('base64url')
  const payload = JSON.parse(Buffer.from(signed.slice(signed.indexOf('.') + 1), 'base64url').toString()) as { exp: number }
  return mac.length + payload.exp
}

export function toParent (message: FromChild): void {
  if (!process.send) throw new Error('run this file through bench/run.ts (npm run bench), not on its own')
  process.send(message)
}

/**
 * A nodemailer transporter that delivers nothing: it hands each code to `onCode` (read from the
 * text, as a user would) and drops the mail. The plugin still builds every message in full.
 */
export function dropTransport (onCode: (to: string, code: string) => void = () => {}): Transporter {
  const transport: Transport = {
    name: 'drop',
    version: '1.0.0',
    send (mail, callback) {
      const code = /code is (\d+)/.exec(String(mail.data.text))?.[1]
      // The plugin sends to one address with an explicit envelope: read the recipient from there.
      if (code !== undefined) onCode(String(mail.message.getEnvelope().to[0]), code)
      callback(null, { envelope: mail.message.getEnvelope(), messageId: mail.message.messageId() })
    }
  }
  return nodemailer.createTransport(transport)
}

/** `count` users, each with its own session and address. */
export function makeUsers (count: number): StepUpUser[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `user-${i}`,
    sessionId: `session-${i}`,
    emails: [`user-${i}@example.com`]
  }))
}

/** getUser for the apps under test: the user the `x-user` header names, in the session `x-session` names. */
export function userLookup (users: readonly StepUpUser[]) {
  const byId = new Map(users.map((user) => [user.id, user]))
  return (request: { headers: Record<string, string | string[] | undefined> }): StepUpUser | null => {
    const user = byId.get(request.headers['x-user'] as string)
    return user !== undefined && user.sessionId === request.headers['x-session'] ? user : null
  }
}

/**
 * With `--profile`, the parent names a file in BENCH_PROFILE_FILE: the child profiles its main
 * thread from `start()` (after its own start-up, before the warm-up) to `stop()`, when it closes.
 */
export function profilerFromEnv (): { start (): Promise<void>, stop (): Promise<void> } {
  const file = process.env.BENCH_PROFILE_FILE
  let session: Session | undefined
  return {
    async start () {
      if (!file || session) return
      session = new Session()
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 250 })
      await session.post('Profiler.start')
    },
    async stop () {
      if (!file || !session) return
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      await writeFile(file, JSON.stringify(profile))
    }
  }
}

/**
 * The app a challenge cycle runs against: email codes through a transport that drops each mail and
 * hands its code to `codes` (by address). Limits lifted so they never throttle a run: the cooldown is
 * the shortest allowed, the send limit the highest, and codes live a minute (challenges are kept
 * twice that).
 */
export async function cycleApp (store: StepUpStore, users: StepUpUser[], codes: Map<string, string>): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(stepUp, {
    secret: SECRET,
    getUser: userLookup(users),
    store,
    email: { from: 'bench@example.com', transport: dropTransport((to, code) => codes.set(to, code)) },
    codes: { ttl: '1m', resendCooldown: 1 },
    sendLimit: { max: 1000, window: '1h' },
    lockout: { maxFailures: 100 }
  })
  await app.ready()
  return app
}

// One HTTP server under test, in a child process of its own so that its CPU time is its own: the
// load generator runs in the parent. `node --import tsx bench/server.ts <kind>`, started by run.ts.
// It listens on 127.0.0.1 only, answers the parent's samples of process.cpuUsage(), and exits when
// told to or when the parent goes away.
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import { deriveKeys } from '../lib/core/secrets.js'
import stepUp from '../lib/index.js'
import {
  AUDIENCE,
  GUARD_USER,
  ISSUER,
  JWT_SECRET,
  OPEN_ROUTE,
  ROUTE,
  SECRET,
  TOKEN_TTL,
  dropTransport,
  floorCheck,
  profilerFromEnv,
  toParent,
  userLookup,
  type ServerKind,
  type ToChild
} from './shared.js'

const kind = process.argv[2] as ServerKind
const reply = { ok: true }

async function build (): Promise<{ app: FastifyInstance, jwt?: string }> {
  // The same Fastify settings for every variant: no logger, so nothing but the route's work is measured.
  const app = Fastify({ logger: false })
  switch (kind) {
    case 'bare':
      app.get(ROUTE, async () => reply)
      return { app }
    case 'floor': {
      // A bare route whose callback hook does the floor of a cold check on the token, and nothing
      // else: what a cold check costs at the least inside a server, with its caches and its heap.
      const key = deriveKeys(Buffer.from(SECRET)).token
      let sink = 0
      app.get(ROUTE, {
        onRequest: (request, _reply, done) => {
          const token = request.headers['x-step-up-token']
          if (typeof token === 'string') sink += floorCheck(key, token)
          done()
        }
      }, async () => sink > 0 ? reply : { ok: false })
      return { app }
    }
    case 'step-up':
    case 'step-up-nocache':
      await app.register(stepUp, {
        secret: SECRET,
        tokenTtl: TOKEN_TTL,
        getUser: userLookup([GUARD_USER]),
        email: { from: 'bench@example.com', transport: dropTransport() },
        ...(kind === 'step-up-nocache' ? { tokenCache: false as const } : {})
      })
      app.get(ROUTE, { onRequest: app.requireStepUp() }, async () => reply)
      app.get(OPEN_ROUTE, async () => reply)
      return { app }
    case 'jwt': {
      // The same claims as a step-up token and the same checks jose makes: HS256 only, iss, aud, exp.
      await app.register(fastifyJwt, {
        secret: JWT_SECRET,
        sign: { algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE, expiresIn: TOKEN_TTL },
        verify: { algorithms: ['HS256'], allowedIss: ISSUER, allowedAud: AUDIENCE }
      })
      app.get(ROUTE, { onRequest: async (request) => { await request.jwtVerify() } }, async () => reply)
      await app.ready()
      const now = Math.floor(Date.now() / 1000)
      const jwt = app.jwt.sign({ sub: GUARD_USER.id, sid: GUARD_USER.sessionId, jti: 'bench-jti-0000000000000', auth_time: now, amr: ['otp', 'email'] })
      return { app, jwt }
    }
    default:
      throw new Error(`unknown server kind: ${String(kind)}`)
  }
}

const { app, jwt } = await build()
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
const port = typeof address === 'object' && address !== null ? address.port : 0

const profiler = profilerFromEnv()

async function close (): Promise<void> {
  await profiler.stop()
  await app.close()
  process.exit(0)
}

async function sample (id: number): Promise<void> {
  await profiler.start() // from the first sample on, when profiling
  const cache = kind === 'step-up' || kind === 'step-up-nocache' ? app.stepUp.tokenCacheStats() : undefined
  toParent({ type: 'sample', id, cpu: process.cpuUsage(), heapUsed: process.memoryUsage().heapUsed, ...(cache ? { cache: { hits: cache.hits, misses: cache.misses } } : {}) })
}

process.on('message', (message: ToChild) => {
  if (message.type === 'sample') {
    sample(message.id).catch((err: Error) => toParent({ type: 'error', message: err.message }))
  } else if (message.type === 'close') {
    close().catch(() => process.exit(1))
  }
})
// The parent is gone (it crashed or was stopped): do not linger.
process.on('disconnect', () => { close().catch(() => process.exit(1)) })

toParent({ type: 'ready', port, ...(jwt === undefined ? {} : { jwt }) })
